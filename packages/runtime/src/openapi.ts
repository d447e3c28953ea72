// Services' route schemas carry @fastify/swagger's keys (summary, tags, hide); kept in the
// declaration output so its FastifySchema augmentation reaches every package using the runtime.
/// <reference types="@fastify/swagger" preserve="true" />
import swagger, { type FastifyDynamicSwaggerOptions, type SwaggerTransformObject } from '@fastify/swagger';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { ErrorBodySchema } from '@tidings/protocol';

export interface OpenApiOptions {
  /** `info.title` of the document, e.g. `Tidings ingest API`. */
  title: string;
  /** `info.description`: who calls the API and with which token. */
  description: string;
}

type Paths = NonNullable<NonNullable<FastifyDynamicSwaggerOptions['openapi']>['paths']>;

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const readiness = (status: string) => ({
  type: 'object',
  properties: { status: { const: status }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
  required: ['status', 'checks'],
});

/**
 * createHttpServer adds these before any plugin is registered, so
 * @fastify/swagger never sees them; they are described here, in the package
 * that serves them, once for every service. A fresh object per app: the
 * plugin adds the app's own routes into the `paths` it is given.
 */
const sharedPaths = (): Paths => ({
  '/healthz': {
    get: {
      tags: ['health'],
      summary: 'Liveness: the process answers',
      security: [],
      responses: { 200: json({ type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] }, 'Alive') },
    },
  },
  '/readyz': {
    get: {
      tags: ['health'],
      summary: 'Readiness: every dependency of this service is reachable',
      security: [],
      responses: {
        200: json(readiness('ready'), 'Every check passed'),
        503: json(readiness('unavailable'), 'A check failed; its entry holds the reason'),
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['health'],
      summary: 'Prometheus metrics',
      security: [],
      responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
});

/**
 * A route without a success schema (every API route has one now) would still
 * answer a JSON object; without this the plugin would document a bare `200`.
 */
function withSuccess({ schema, url }: { schema: FastifySchema | undefined; url: string }): { schema: FastifySchema; url: string } {
  const response = { ...(schema?.response as Record<string, unknown> | undefined) };
  if (!Object.keys(response).some((status) => status.startsWith('2'))) {
    response['2xx'] = { type: 'object', description: 'Success; the body has no schema yet' };
  }
  return { schema: { ...schema, response }, url };
}

type Operation = { tags?: string[]; responses?: Record<string, { description?: string }> };
type Document = { components?: { schemas?: Record<string, unknown> }; paths?: Record<string, Record<string, Operation>> };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } });

/**
 * Every API route may answer with the catalogue's error body (docs/contract.md §6). It is
 * added to the document only, so the routes' own response schemas, which
 * also drive serialisation, stay limited to their successes.
 */
const withErrors: SwaggerTransformObject = (built) => {
  if (!('openapiObject' in built)) return built.swaggerObject;
  const doc = built.openapiObject as Document;
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ErrorBody: ErrorBodySchema } };
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations)) {
      if (op.tags?.includes('health')) continue;
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        // The plugin's placeholder; the status' own name says more.
        if (response.description === 'Default Response') response.description = STATUS_CODES[status] ?? status;
      }
      op.responses = {
        ...op.responses,
        '4XX': errorResponse('Refused: the body says why, with a stable code'),
        '5XX': errorResponse('Failed, or a dependency is unavailable: the body says why, with a stable code'),
      };
    }
  }
  return built.openapiObject;
};

/**
 * Registers @fastify/swagger and `GET /openapi.json` (unauthenticated). Call
 * it before the service's own routes: the plugin only sees routes added after
 * it. The document is OpenAPI 3.1, whose schemas are JSON Schema, so the
 * protocol's TypeBox schemas appear as they are (`const` kept).
 */
export async function registerOpenApi(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: opts.title, version: '1.0.0', description: opts.description },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
      paths: sharedPaths(),
    },
    convertConstToEnum: false,
    transform: withSuccess,
    transformObject: withErrors,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The document a built app serves, as plain JSON (TypeBox's symbol keys dropped). Readies the app. */
export async function openApiDocument(app: FastifyInstance): Promise<Record<string, unknown>> {
  await app.ready();
  return JSON.parse(JSON.stringify(app.swagger())) as Record<string, unknown>;
}

/**
 * A stand-in for a dependency that building an app stores but only its
 * handlers use, for building an app just to read its document. Any use
 * throws, naming the dependency, so a builder that starts using one at build
 * time fails loudly instead of documenting a half-built app.
 */
export function unwired<T>(name: string): T {
  const fail = (): never => {
    throw new Error(`${name} is not wired: this app was built only to read its OpenAPI document`);
  };
  return new Proxy(function unwiredDependency() {}, { get: fail, apply: fail, construct: fail }) as T;
}
