import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { POSTGRES_LAUNCHER_ERROR_CODES, PostgresLauncherError } from './errors.js';

const run = promisify(execFile);

/** The identity the server processes switch to. */
export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Postgres refuses to run as root ("root execution of the PostgreSQL server is
 * not permitted"). When we are root (CI containers, this dev box) the server
 * runs as `name` instead, creating that system user if it does not exist.
 * Not root: undefined, the server runs as us.
 */
export async function resolveRunAs(name: string, log: (msg: string) => void): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const found = await lookup(name);
  if (found) return found;
  try {
    // -f: succeed when the group exists already (e.g. left by a removed user).
    await run('groupadd', ['-f', '--system', name]);
    await run('useradd', ['--system', '-g', name, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
    log(`postgres: created OS user ${name}`);
  } catch (cause) {
    // A concurrent launcher (parallel test files) may have created it first.
    const raced = await lookup(name);
    if (raced) return raced;
    throw new PostgresLauncherError(
      POSTGRES_LAUNCHER_ERROR_CODES.OS_USER,
      `postgres: running as root and OS user ${name} does not exist and could not be created (useradd); create it or run as a non-root user`,
      { cause },
    );
  }
  const created = await lookup(name);
  if (!created) {
    throw new PostgresLauncherError(POSTGRES_LAUNCHER_ERROR_CODES.OS_USER, `postgres: OS user ${name} not found after useradd`);
  }
  return created;
}

async function lookup(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}
