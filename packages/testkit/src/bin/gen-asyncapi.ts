#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { renderAsyncApi } from '../docs/asyncapi.js';

const target = new URL('../../../../docs/asyncapi.yaml', import.meta.url);
await writeFile(target, renderAsyncApi());
process.stdout.write(`wrote ${target.pathname}\n`);
