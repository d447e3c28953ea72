#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { buildOpenApi, OPENAPI_SERVICES, openApiFile, renderOpenApi } from '../docs/openapi.js';

for (const { service } of OPENAPI_SERVICES) {
  const target = openApiFile(service);
  await mkdir(new URL('.', target), { recursive: true });
  await writeFile(target, renderOpenApi(service, await buildOpenApi(service)));
  process.stdout.write(`wrote ${target.pathname}\n`);
}
