#!/usr/bin/env node
// Applies the SQL migrations in migrations/ to DATABASE_URL and prints what it
// applied:  DATABASE_URL=postgres://… node packages/db/dist/bin/migrate.js
// Exit code 1 on a missing/invalid DATABASE_URL or a failed migration.
import { loadDbConfig } from '../config.js';
import { DbError } from '../errors.js';
import { migrate } from '../migrate.js';

async function main(): Promise<void> {
  const { databaseUrl } = loadDbConfig();
  const started = Date.now();
  const { applied, epoch } = await migrate(databaseUrl);
  for (const tag of applied) process.stdout.write(`migrate: applied ${tag}\n`);
  if (applied.length === 0) process.stdout.write('migrate: up to date, nothing applied\n');
  process.stdout.write(`migrate: epoch ${epoch} (${Date.now() - started} ms)\n`);
}

main().catch((err: unknown) => {
  // The message names the variable or the failed step; the URL (with its password) is never printed.
  const text = err instanceof DbError ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`migrate: ${text}\n`);
  process.exit(1);
});
