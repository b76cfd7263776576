// A clone of this repository is all a reader or a build gets: nothing may read a file beside it, and
// every link in the documentation must lead to a file inside it. Recorded data (replay fixtures, the
// fault suite's evidence) is exempt: its stack traces name the paths of the machine that recorded it.
import { existsSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';
import { findAll, readText, trackedTextFiles } from './tracked-files.js';

const RECORDED = /^(test\/replay\/.*\.json|reliability\/evidence\/)/;
const SELF = /^test\/repo\//; // these files spell out the patterns they look for
const files = () => trackedTextFiles().filter((f) => !RECORDED.test(f) && !SELF.test(f));

describe('the repository stands on its own', () => {
  it('no file reads from or points to a directory beside the clone', () => {
    const outside = [
      /\.\.\/shared\b/, // a sibling directory of specifications
      /shared\/RULES/,
      /\b(join|resolve)\(\s*root\s*,\s*['"]\.\.['"]/, // a path built one level above the root
      /\/work\/(shared|main|wt)/, // absolute paths of one developer's machine
    ];

    const hits = outside.flatMap((pattern) => findAll(files(), pattern));

    expect(hits).toEqual([]);
  });

  it('every relative link in the Markdown documentation leads to a file in the repository', () => {
    const broken: string[] = [];
    for (const file of files().filter((f) => f.endsWith('.md'))) {
      for (const [, target] of readText(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^([a-z]+:|#)/i.test(target!)) continue; // a web address or an anchor on the same page
        const path = normalize(join(dirname(file), target!.split('#')[0]!));
        const escapes = path.startsWith('..') || path.startsWith(sep);
        if (escapes || !existsSync(join(root, path))) broken.push(`${file}: ${target} (${relative('.', path)})`);
      }
    }

    expect(broken).toEqual([]);
  });

  it('the rules the reference serves are docs/rules.md, R1 to R31 in order', async () => {
    const { parseRules, RULES_FILE } = await import('../../scripts/lib/rules.js');
    const served = (await import('../../api/rules.generated.json', { with: { type: 'json' } })).default;

    const rules = parseRules(readText(RULES_FILE));

    expect(rules.map((r) => r.id)).toEqual(Array.from({ length: 31 }, (_, i) => `R${i + 1}`));
    expect(served).toEqual(rules);
    expect(rules.filter((r) => /not yet enforced/.test(r.text)).map((r) => r.id)).toEqual([]); // offers (R30) and payments (R31) are enforced
  });
});
