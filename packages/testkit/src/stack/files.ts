import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Compiled test files (`*.test.js`) under each workspace's dist/ (packages, services, bench) whose path contains `filter` (or one of its comma-separated parts), sorted. */
export async function findTestFiles(root: string, filter?: string): Promise<string[]> {
  const out: string[] = [];
  for (const group of ['packages', 'services', 'bench']) {
    let names: string[] = [];
    try {
      names = await readdir(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) await walk(join(root, group, name, 'dist'), out);
  }
  // A comma separates alternatives: `testkit/dist/chaos/,persister/dist/storable`.
  const wanted = filter?.split(',').filter((f) => f.length > 0) ?? [];
  return out.filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w))).sort();
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
}
