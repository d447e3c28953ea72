import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Development key material shared by `npm start` and `npm run token`. */
export interface DevAuth {
  secret: string;
  issuer: string;
  audience: string;
}

export const DEV_ISSUER = 'tidings-dev';
export const DEV_AUDIENCE = 'tidings';

/**
 * Reads `<dir>/dev-auth.json`, creating it with a fresh random secret on
 * first use. The file lives outside the repository (default ~/.tidings) and
 * is readable by its owner only, so the secret never lands in git.
 */
export async function loadOrCreateDevAuth(dir: string): Promise<DevAuth> {
  const file = join(dir, 'dev-auth.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DevAuth;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`error reading ${file}`, { cause: error });
    }
  }
  const auth: DevAuth = { secret: randomBytes(32).toString('base64url'), issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // `wx` loses the race gracefully: if another process created it first, use theirs.
  try {
    await writeFile(file, JSON.stringify(auth, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    return auth;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return JSON.parse(await readFile(file, 'utf8')) as DevAuth;
    }
    throw new Error(`error writing ${file}`, { cause: error });
  }
}
