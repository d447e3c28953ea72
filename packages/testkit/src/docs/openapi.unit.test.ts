import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { validate } from '@readme/openapi-parser';
import { Type, type TSchema } from '@sinclair/typebox';
import { parse } from 'yaml';
import {
  AcceptedResponse,
  BatchRequest,
  HistoryPageSchema,
  InboxPageSchema,
  NotificationRequest,
  RebuildStatusSchema,
  StateRequest,
  UnreadCountSchema,
} from '@tidings/protocol';
import { buildOpenApi, OPENAPI_SERVICES, openApiFile, renderOpenApi, type OpenApiService } from './openapi.js';

type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };
type Operation = {
  parameters?: { in: string; name: string; required?: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

/** TypeBox schemas carry symbol keys; JSON drops them, as the documents do. */
const plain = (s: TSchema): unknown => JSON.parse(JSON.stringify(s));
const committed = async (service: OpenApiService) => readFile(openApiFile(service), 'utf8');
const requestSchema = (op: Operation | undefined) => op?.requestBody?.content['application/json']?.schema;
const responseSchema = (op: Operation | undefined, status: string) => op?.responses[status]?.content?.['application/json']?.schema;

for (const { service } of OPENAPI_SERVICES) {
  test(`docs/openapi/${service}.yaml is what the ${service} app serves at /openapi.json (run \`npm run docs:openapi\`)`, async () => {
    assert.equal(await committed(service), renderOpenApi(service, await buildOpenApi(service)));
  });

  test(`docs/openapi/${service}.yaml is a valid OpenAPI 3.1 document`, async () => {
    const doc = parse(await committed(service)) as Doc;
    const result = await validate(doc as never);
    assert.deepEqual({ errors: result.valid ? [] : result.errors, warnings: result.warnings }, { errors: [], warnings: [] });
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith('/v1/')), 'documents the service API, not only health');
  });
}

test('the validator refuses a document that breaks OpenAPI 3.1 (the check above can fail)', async () => {
  const doc = parse(await committed('ingest')) as Doc;
  const send = doc.paths['/v1/notifications']!['post']!;
  send.responses = { '202': { description: 1 } } as never;
  const result = await validate(doc as never);
  assert.equal(result.valid, false);
});

test("the documents' request and response schemas are the protocol package's, unchanged", async () => {
  const ingest = parse(await committed('ingest')) as Doc;
  const send = ingest.paths['/v1/notifications']?.['post'];
  assert.deepEqual(requestSchema(send), plain(NotificationRequest));
  assert.deepEqual(responseSchema(send, '202'), plain(AcceptedResponse));
  assert.deepEqual(requestSchema(ingest.paths['/v1/notifications/batch']?.['post']), plain(BatchRequest));

  const gateway = parse(await committed('gateway')) as Doc;
  assert.deepEqual(responseSchema(gateway.paths['/v1/me/notifications']?.['get'], '200'), plain(InboxPageSchema));
  assert.deepEqual(responseSchema(gateway.paths['/v1/me/unread-count']?.['get'], '200'), plain(UnreadCountSchema));
  for (const kind of ['read', 'seen', 'archive', 'unarchive']) {
    assert.deepEqual(requestSchema(gateway.paths[`/v1/me/notifications/${kind}`]?.['post']), plain(StateRequest), kind);
  }

  const ops = parse(await committed('ops')) as Doc;
  assert.deepEqual(responseSchema(ops.paths['/v1/ops/users/{userId}/events']?.['get'], '200'), plain(HistoryPageSchema));
  assert.deepEqual(responseSchema(ops.paths['/v1/ops/rebuild/{id}']?.['get'], '200'), plain(RebuildStatusSchema));
  assert.deepEqual(responseSchema(ops.paths['/v1/ops/rebuild']?.['post'], '202'), plain(RebuildStatusSchema));
});

test('a protocol schema changed without regenerating the documents fails the drift check', async () => {
  // The ingest app takes NotificationRequest from the protocol package by
  // reference; changing it here is what a change to packages/protocol does.
  const properties = NotificationRequest.properties as Record<string, TSchema>;
  properties['channel'] = Type.String();
  try {
    const generated = renderOpenApi('ingest', await buildOpenApi('ingest'));
    assert.notEqual(await committed('ingest'), generated);
    const doc = parse(generated) as Doc;
    const schema = requestSchema(doc.paths['/v1/notifications']?.['post']) as { properties: Record<string, unknown> };
    assert.deepEqual(schema.properties['channel'], { type: 'string' });
  } finally {
    delete properties['channel'];
  }
  assert.equal(await committed('ingest'), renderOpenApi('ingest', await buildOpenApi('ingest')), 'restored');
});

test('the ingest document names the optional Idempotency-Key header on both send routes', async () => {
  const ingest = parse(await committed('ingest')) as Doc;
  for (const path of ['/v1/notifications', '/v1/notifications/batch']) {
    const header = ingest.paths[path]?.['post']?.parameters?.find((p) => p.in === 'header');
    assert.deepEqual(header && { name: header.name, required: header.required, schema: header.schema }, { name: 'idempotency-key', required: false, schema: { type: 'string' } }, path);
  }
});
