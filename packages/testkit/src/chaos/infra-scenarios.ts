import { startKafka } from '../kafka/index.js';
import { startPostgres } from '../postgres/index.js';
import { runScenario, type ChaosInfra, type RunOptions, type ScenarioResult } from './runner.js';

/**
 * Restarts of a dependency: each needs a broker or database of its own, so
 * restarting it disturbs no one else on the machine. Ingest answers 503 while
 * Kafka is down (not accepted, fine); everything accepted must still arrive.
 */
export async function kafkaRestart(shared: ChaosInfra, opts: RunOptions = {}): Promise<ScenarioResult> {
  const kafka = await startKafka();
  try {
    return await runScenario(
      {
        name: 'Kafka broker restart',
        afterMs: 4000,
        async fault(ctx) {
          const t = Date.now();
          await kafka.restart();
          ctx.note(`broker down and back in ${Date.now() - t} ms`);
          const restarted = await ctx.superviseProcesses();
          if (restarted.length) ctx.note(`exited during the outage and restarted: ${restarted.join(', ')}`);
          await ctx.progress(10, 60000);
        },
      },
      { ...shared, brokers: kafka.brokers.join(',') },
      opts,
    );
  } finally {
    await kafka.stop();
  }
}

export async function postgresRestart(shared: ChaosInfra, opts: RunOptions = {}): Promise<ScenarioResult> {
  const postgres = await startPostgres();
  try {
    return await runScenario(
      {
        name: 'Postgres restart (immediate)',
        afterMs: 3000,
        async fault(ctx) {
          // Clients that resume during the outage need Postgres for their replay.
          await postgres.restart({ mode: 'immediate' });
          for (const c of ctx.clients.filter((_, i) => i % 2 === 0)) c.cut();
          ctx.note('postgres crashed (SIGQUIT) and recovered; half the clients cut right after');
          // Processes that exit on a lost database are restarted, as their supervisor would.
          await ctx.accepted(100, 15000);
          const restarted = await ctx.superviseProcesses();
          if (restarted.length) ctx.note(`exited during the outage and restarted: ${restarted.join(', ')}`);
          await ctx.progress(10, 60000);
        },
      },
      { ...shared, adminDatabaseUrl: postgres.databaseUrl },
      opts,
    );
  } finally {
    await postgres.stop();
  }
}
