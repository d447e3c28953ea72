#!/usr/bin/env node
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { Type } from '@sinclair/typebox';
import { loadOrCreateDevAuth, mintToken } from '@tidings/auth';
import { parseConfig } from '@tidings/config';
import { CliError, createOpsClient, type OpsClient } from '../cli/client.js';
import * as cmd from '../cli/commands.js';

/**
 * `npm run ops -- <command>`: the ops API from a terminal. Human tables by
 * default, `--json` for scripts. Exit codes: 0 success, 1 the operation
 * failed (stderr names the error code), 2 bad usage.
 */
const env = parseConfig(
  Type.Object({
    TIDINGS_OPS_URL: Type.String({ default: 'http://127.0.0.1:4200' }),
    TIDINGS_OPS_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
    TIDINGS_HOME: Type.String({ default: join(homedir(), '.tidings') }),
  }),
  process.env,
);

interface Globals {
  url: string;
  token?: string;
  devToken?: boolean;
  json?: boolean;
}

const program = new Command()
  .name('ops')
  .description('Tidings operations: history, redelivery, projection rebuilds, dead letters, lag, audit.')
  .option('--url <url>', 'ops API base URL (TIDINGS_OPS_URL)', env.TIDINGS_OPS_URL)
  .addOption(new Option('--token <jwt>', 'bearer token with ops:read / ops:write (TIDINGS_OPS_TOKEN)').conflicts('devToken'))
  .option('--dev-token', 'mint an ops:read ops:write token from the development key file (npm start stacks only)')
  .option('--json', 'machine-readable output on stdout (errors as JSON on stderr)')
  .showHelpAfterError()
  .exitOverride();

let globals: Globals = { url: env.TIDINGS_OPS_URL };
const output = (): cmd.Output => ({
  json: globals.json === true,
  write: (text) => process.stdout.write(`${text}\n`),
  progress: (text, final) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${text}${final ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  },
});

async function client(): Promise<OpsClient> {
  let token = globals.token ?? env.TIDINGS_OPS_TOKEN;
  if (globals.devToken) {
    const auth = await loadOrCreateDevAuth(env.TIDINGS_HOME);
    token = await mintToken({ secret: auth.secret, sub: 'ops-cli-dev', scopes: ['ops:read', 'ops:write'], issuer: auth.issuer, audience: auth.audience, ttlSec: 3600 });
  }
  return createOpsClient(globals.url, token);
}

/** Wraps an action: globals resolved, client built, output chosen. */
function run<A extends unknown[]>(fn: (c: OpsClient, out: cmd.Output, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    globals = command.optsWithGlobals<Globals>();
    await fn(await client(), output(), ...(args.slice(0, -1) as A));
  };
}

program
  .command('history')
  .description("a user's events in log order")
  .argument('<userId>')
  .option('--from <time|cursor>', 'from an RFC 3339 time (inclusive) or after a cursor')
  .option('--to <time|cursor>', 'before a time, or up to and including a cursor')
  .option('--limit <n>', 'events per page (≤ 1000)')
  .option('--all', 'follow every page')
  .action(run((c, out, userId: string, o: { from?: string; to?: string; limit?: string; all?: boolean }) => cmd.history(c, out, userId, o)));

program
  .command('redeliver')
  .description("push a user's events again to their live sockets (clients drop what they have)")
  .argument('<userId>')
  .option('--from-cursor <cursor>', 'events after this cursor')
  .option('--from-time <time>', 'events at or after this RFC 3339 time')
  .action(run((c, out, userId: string, o: { fromCursor?: string; fromTime?: string }) => cmd.redeliver(c, out, userId, o)));

program
  .command('rebuild')
  .description('rebuild the inbox projection from the log and swap it in; shows progress until done')
  .addOption(new Option('--source <source>', 'where the log is read from').choices(['mirror', 'kafka']).makeOptionMandatory())
  .option('--no-wait', 'print the job and return at once')
  .action(run((c, out, o: { source: string; wait: boolean }) => cmd.rebuild(c, out, o)));

program
  .command('rebuild-status')
  .description('a rebuild job: progress, or its outcome')
  .argument('<id>')
  .option('--wait', 'follow it until it ends')
  .action(run((c, out, id: string, o: { wait?: boolean }) => cmd.rebuildStatus(c, out, id, { wait: o.wait === true })));

const dlq = program.command('dlq').description('dead letters: records the persister could not process');
dlq
  .command('list')
  .option('--pending', 'only letters never retried')
  .option('--limit <n>', 'letters per page (≤ 1000)')
  .option('--after <id>', 'the page after this letter id')
  .action(run((c, out, o: { pending?: boolean; limit?: string; after?: string }) => cmd.dlqList(c, out, o)));
dlq
  .command('retry')
  .argument('<id>')
  .option('--value <file>', 'a corrected envelope (JSON file) to produce instead of the stored value')
  .action(run((c, out, id: string, o: { value?: string }) => cmd.dlqRetry(c, out, id, o)));
dlq
  .command('retry-all')
  .description('re-produce every pending letter whose stored value is now valid')
  .action(run((c, out) => cmd.dlqRetryAll(c, out)));

program
  .command('lag')
  .description('per partition: log end, persister committed, watermark (and gateway feed lag when configured)')
  .action(run((c, out) => cmd.lag(c, out)));

program
  .command('audit')
  .description('the ops audit log, newest first')
  .option('--limit <n>', 'entries (≤ 1000)')
  .option('--before <id>', 'entries older than this id')
  .option('--action <action>', 'only this action (e.g. rebuild, redeliver, dlq.retry)')
  .option('--actor <sub>', 'only this actor')
  .action(run((c, out, o: { limit?: string; before?: string; action?: string; actor?: string }) => cmd.audit(c, out, o)));

program
  .command('token')
  .description('print a development token signed with the dev key file (as `npm run token`)')
  .requiredOption('--sub <id>', 'subject: an ops user, a userId, or a service name')
  .option('--scope <scope...>', 'scopes', ['ops:read', 'ops:write'])
  .option('--ttl <seconds>', 'lifetime in seconds', '3600')
  .action(async (o: { sub: string; scope: string[]; ttl: string }) => {
    const ttlSec = Number.parseInt(o.ttl, 10);
    if (!Number.isFinite(ttlSec) || ttlSec <= 0) throw new CliError('TIDINGS_ERR_USAGE', '--ttl must be a positive number of seconds');
    const auth = await loadOrCreateDevAuth(env.TIDINGS_HOME);
    process.stdout.write(`${await mintToken({ secret: auth.secret, sub: o.sub, scopes: o.scope, issuer: auth.issuer, audience: auth.audience, ttlSec })}\n`);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not failures; commander already printed the usage error.
    process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2);
  }
  const e = error instanceof CliError ? error : new CliError('TIDINGS_ERR_CLI', (error as Error).message);
  if (globals.json) process.stderr.write(`${JSON.stringify({ code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) })}\n`);
  else {
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    for (const i of e.issues ?? []) process.stderr.write(`  ${i.path} ${i.message}\n`);
  }
  process.exit(e.code === 'TIDINGS_ERR_USAGE' ? 2 : 1);
}
