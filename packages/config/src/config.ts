import envSchema from 'env-schema';
import type { Static, TObject } from '@sinclair/typebox';

/**
 * Thrown when the environment does not satisfy a service's config schema.
 * The message names every bad or missing variable so an operator can fix
 * them all in one go.
 */
export class ConfigError extends Error {
  readonly code = 'TIDINGS_ERR_CONFIG';
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` against a TypeBox object schema once: types are coerced
 * (`"4000"` → 4000), defaults applied, and the result frozen so nothing can
 * mutate configuration after start.
 */
export function parseConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<Static<S>> {
  try {
    const parsed = envSchema<Static<S>>({ schema, data: env, dotenv: false, env: false });
    return Object.freeze(parsed);
  } catch (error) {
    throw toConfigError(error);
  }
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string };
}

function toConfigError(error: unknown): ConfigError {
  const errors = (error as { errors?: AjvLikeError[] }).errors ?? [];
  const problems = errors.map((e) => {
    const name = e.params?.missingProperty ?? e.instancePath?.replace(/^\//, '') ?? '?';
    const what = e.params?.missingProperty ? 'is required' : (e.message ?? 'is invalid');
    return { name, text: `${name} ${what}` };
  });
  if (problems.length === 0) {
    return new ConfigError(`invalid configuration: ${(error as Error).message}`, []);
  }
  return new ConfigError(
    `invalid configuration: ${problems.map((p) => p.text).join('; ')}`,
    problems.map((p) => p.name),
  );
}
