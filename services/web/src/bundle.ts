import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The page's sources: hand-written HTML, CSS and JS. */
export const SOURCE_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** The static folder served: the sources copied beside the SDK bundle (under dist/, so never committed). */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
export const BUNDLE_NAME = 'tidings-client.js';
export const SOURCE_FILES = ['index.html', 'app.js', 'style.css'] as const;

/**
 * Copies the page into the static folder and bundles the SDK's browser entry
 * (native WebSocket, localStorage, tab sharing; no Node modules, no schema
 * validator) into one ES module beside it. Runs at service start so the page
 * never serves a stale SDK; takes tens of milliseconds.
 */
export async function buildBundle(outDir = PUBLIC_DIR): Promise<{ file: string; bytes: number }> {
  await mkdir(outDir, { recursive: true });
  for (const f of SOURCE_FILES) await copyFile(join(SOURCE_DIR, f), join(outDir, f));
  const require = createRequire(import.meta.url);
  // Resolve through the package's `./browser` export so the bundle is exactly what browsers get.
  const entry = require.resolve('@tidings/client/browser');
  const outfile = `${outDir.replace(/\/+$/, '')}/${BUNDLE_NAME}`;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    conditions: ['browser'],
    sourcemap: true,
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([name]) => name.endsWith('.js'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  for (const input of Object.keys(result.metafile.inputs)) {
    // A guard on the promise "no Node-only code in the browser build".
    if (/node_modules\/(ws|ajv|@sinclair)\//.test(input) || input.startsWith('node:')) {
      throw new Error(`browser bundle pulled in a Node-only or server module: ${input}`);
    }
  }
  return { file: outfile, bytes };
}
