#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { renderConfigDocs } from '../docs/config-docs.js';

const target = new URL('../../../../docs/configuration.md', import.meta.url);
await writeFile(target, await renderConfigDocs());
process.stdout.write(`wrote ${target.pathname}\n`);
