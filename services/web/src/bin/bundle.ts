#!/usr/bin/env node
import { buildBundle } from '../bundle.js';

/** `node services/web/dist/bin/bundle.js [outDir]`: builds the browser SDK bundle without starting the service. */
const out = await buildBundle(process.argv[2]);
process.stdout.write(`${out.file} (${out.bytes} bytes)\n`);
