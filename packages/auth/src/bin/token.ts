#!/usr/bin/env node
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Type } from '@sinclair/typebox';
import { parseConfig } from '@tidings/config';
import { loadOrCreateDevAuth } from '../devkeys.js';
import { mintToken } from '../mint.js';

const config = parseConfig(
  Type.Object({ TIDINGS_HOME: Type.String({ default: join(homedir(), '.tidings') }) }),
  process.env,
);

const program = new Command()
  .name('token')
  .description('Print a development token that the local stack (npm start) accepts.')
  .requiredOption('--sub <id>', 'subject: a userId, or a service name for service tokens')
  .option('--scope <scope...>', 'scopes, e.g. notifications:write topics:write ops:read ops:write', [])
  .option('--ttl <seconds>', 'lifetime in seconds', '3600')
  .action(async (opts: { sub: string; scope: string[]; ttl: string }) => {
    const auth = await loadOrCreateDevAuth(config.TIDINGS_HOME);
    const ttlSec = Number.parseInt(opts.ttl, 10);
    if (!Number.isFinite(ttlSec) || ttlSec <= 0) program.error('--ttl must be a positive number of seconds');
    process.stdout.write(
      (await mintToken({ secret: auth.secret, sub: opts.sub, scopes: opts.scope, issuer: auth.issuer, audience: auth.audience, ttlSec })) + '\n',
    );
  });

await program.parseAsync();
