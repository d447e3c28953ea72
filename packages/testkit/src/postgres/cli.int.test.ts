import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// bin/postgres.js: prints {"databaseUrl"} and runs until a signal.
const bin = fileURLToPath(new URL('../bin/postgres.js', import.meta.url));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`bin/postgres prints a working databaseUrl and stops cleanly on ${signal}`, async () => {
    const child = spawn(process.execPath, [bin, '--database', 'cli_db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.once('exit', () => reject(new Error(`exited before printing; stderr:\n${stderr}`)));
    });
    const { databaseUrl } = JSON.parse(line) as { databaseUrl: string };
    assert.match(databaseUrl, /^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/cli_db$/);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    await client.end();
    const dataDir = rows[0]?.dir ?? '';
    assert.ok(existsSync(dataDir));

    child.kill(signal);
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(dataDir), false);
    assert.match(stderr, /postgres: started 18\.\d+ on 127\.0\.0\.1:\d+ in \d+ ms/);
  });
}
