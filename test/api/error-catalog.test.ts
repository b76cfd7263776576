// The reference's error table (api/error-catalog.ts) lists every code the source can answer with, so it
// cannot fall behind the code: each refuse('CODE'), HttpProblem(…, 'CODE') and failure type is in it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../api/error-catalog.js';
import { root } from '../../scripts/lib/tools.js';

const sources = (dir: string): string[] => readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
  .filter((f) => f.isFile() && f.name.endsWith('.ts'))
  .map((f) => readFileSync(join(f.parentPath, f.name), 'utf8'));

const PATTERNS = [
  /refuse\(\s*'([A-Z_]+)'/g,
  /HttpProblem\(\s*\d+,\s*'([A-Z_]+)'/g,
  /type: '([A-Z][A-Z_]+)'/g,
  /\{ code: '([A-Z_]+)'/g,
  /^\s+([A-Z][A-Z_]+): \{ message:/gm,
];

describe('error catalog', () => {
  it('names every code that domain/, workflows/ and api/ can answer with, each with a status and a meaning', () => {
    const used = new Set<string>();
    for (const text of [...sources('domain'), ...sources('workflows'), ...sources('api')]) {
      for (const re of PATTERNS) for (const m of text.matchAll(re)) used.add(m[1]!);
    }
    // The API's fallback when a failure names no code (api/errors.ts) is an answer too.
    for (const text of sources('api')) for (const m of text.matchAll(/\.type \?\? '([A-Z][A-Z_]+)'/g)) used.add(m[1]!);

    expect([...used].filter((code) => !(code in ERROR_CATALOG)).sort()).toEqual([]);
    expect(used.size).toBeGreaterThan(50);
    for (const e of Object.values(ERROR_CATALOG)) expect(e.meaning.length).toBeGreaterThan(10);
  });
});
