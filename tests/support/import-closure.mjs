// Which files of a built package a module loads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files a module of `dir` imports by relative path, transitively (static and literal dynamic imports). */
export function importClosure(dir, entry) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const source = readFileSync(join(dir, name), 'utf8');
    for (const match of source.matchAll(/(?:import|export)\s*(?:[^'"]*?from\s*)?\(?\s*['"](\.\/[^'"]+)['"]/g)) {
      visit(match[1].slice(2));
    }
  };
  visit(entry);
  return seen;
}
