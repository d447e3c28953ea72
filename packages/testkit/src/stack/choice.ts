/** Where a dependency comes from. */
export type InfraSource = 'env' | 'containers' | 'local';

export interface InfraChoiceInput {
  kafkaBrokers?: string | undefined;
  databaseUrl?: string | undefined;
  /** Forces a source for whatever the environment does not provide. */
  prefer?: 'containers' | 'local' | undefined;
  dockerAvailable: boolean;
}

export interface InfraChoice {
  kafka: InfraSource;
  postgres: InfraSource;
}

/**
 * Endpoints in the environment always win; otherwise Docker (testcontainers)
 * where an engine answers, else the local launchers (Kafka from Maven
 * Central, embedded Postgres). `prefer` overrides the Docker probe.
 */
export function chooseInfra(input: InfraChoiceInput): InfraChoice {
  const fallback: InfraSource = input.prefer ?? (input.dockerAvailable ? 'containers' : 'local');
  return {
    kafka: input.kafkaBrokers ? 'env' : fallback,
    postgres: input.databaseUrl ? 'env' : fallback,
  };
}
