#!/usr/bin/env node
// Starts a throwaway single-node Kafka for manual work and benchmarks:
//   node packages/testkit/dist/bin/kafka.js [--topics]
// prints {"brokers":"127.0.0.1:PORT"} on stdout (progress goes to stderr),
// runs until SIGINT/SIGTERM, then stops the broker and removes its data.
// --topics also creates the platform topics (tidings.events, …).
import { DEFAULT_TOPICS, ensureTopics } from '../kafka/topics.js';
import { tailFile } from '../kafka/jvm.js';
import { startKafka } from '../kafka/launcher.js';

const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

async function main(): Promise<void> {
  const withTopics = process.argv.includes('--topics');
  const kafka = await startKafka({
    log,
    onUnexpectedExit: () => {
      // stop() deletes the data dir, log included: show its end first.
      void tailFile(kafka.logFile, 40)
        .then((tail) => log(`kafka: broker died; last lines of its log:\n${tail}`))
        .then(() => kafka.stop())
        .finally(() => process.exit(1));
    },
  });
  // The broker child is unref'd; this keeps the CLI alive until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`kafka: ${signal}, stopping`);
    clearInterval(keepAlive);
    kafka.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`kafka: error stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  if (withTopics) {
    await ensureTopics(kafka.brokers, DEFAULT_TOPICS);
    log(`kafka: topics ready: ${DEFAULT_TOPICS.map((t) => `${t.topic}(${t.numPartitions})`).join(', ')}`);
  }
  process.stdout.write(`${JSON.stringify({ brokers: kafka.brokers.join(',') })}\n`);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
