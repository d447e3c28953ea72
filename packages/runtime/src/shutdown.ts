import type { Logger } from 'pino';

/**
 * Runs `stop` once on SIGTERM or SIGINT (docs/contract.md §8 graceful shutdown), then
 * exits. A second signal, or `stop` outliving `timeoutMs`, exits at once:
 * an operator must always be able to get rid of the process.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 15000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
