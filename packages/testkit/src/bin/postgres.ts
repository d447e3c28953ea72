#!/usr/bin/env node
// Starts a throwaway PostgreSQL for manual work and benchmarks:
//   node packages/testkit/dist/bin/postgres.js [--port N] [--database NAME] [--durable]
// prints {"databaseUrl":"postgres://…"} on stdout (progress goes to stderr),
// runs until SIGINT/SIGTERM, then stops the server and removes its data.
import { parseArgs } from 'node:util';
import { startPostgres } from '../postgres/launcher.js';

const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      database: { type: 'string' },
      // Benchmarks that measure commit cost want the crash-safe settings.
      durable: { type: 'boolean', default: false },
    },
  });
  const postgres = await startPostgres({
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.database !== undefined ? { database: values.database } : {}),
    durable: values.durable,
    log,
    onUnexpectedExit: (code, signal) => {
      log(`postgres: server died (code ${String(code)}, signal ${String(signal)})`);
      void postgres.stop().finally(() => process.exit(1));
    },
  });
  // The server child is unref'd; this keeps the CLI alive until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`postgres: ${signal}, stopping`);
    clearInterval(keepAlive);
    postgres.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`postgres: error stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.stdout.write(`${JSON.stringify({ databaseUrl: postgres.databaseUrl })}\n`);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
