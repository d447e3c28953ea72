import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CursorStorage } from './types.js';

/**
 * Cursors in a JSON file (Node only), so a process resumes where it left off
 * after a restart. Writes go to a temporary file renamed over the old one:
 * a crash leaves the previous cursor, never a torn file. Writes are
 * serialized; the SDK already coalesces them to the latest cursor.
 */
export function fileStorage(path: string): CursorStorage {
  let values: Record<string, string> | undefined;
  let chain: Promise<void> = Promise.resolve();

  async function load(): Promise<Record<string, string>> {
    if (values) return values;
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
      values = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) {
        throw new Error(`error reading cursor file ${path}`, { cause: error });
      }
      values = {};
    }
    return values;
  }

  return {
    async get(key) {
      return (await load())[key] ?? null;
    },
    set(key, value) {
      const write = async () => {
        const v = await load();
        v[key] = value;
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(v), { mode: 0o600 });
        await rename(tmp, path);
      };
      const next = chain.then(write);
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
