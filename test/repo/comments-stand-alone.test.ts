// A comment, a test name or a page of documentation says its reason itself: it never sends the reader to a
// tracker's issue number or to a team document the repository does not contain, since a newcomer who
// cloned only the product cannot open either. Exempt, as recorded data: replay fixtures and the fault
// suite's evidence (histories as they were recorded), and applied migrations (Prisma checks each file's
// checksum against the databases it was applied to, so their text is frozen).
import { describe, expect, it } from 'vitest';
import { findAll, trackedTextFiles } from './tracked-files.js';

const EXEMPT = /^(test\/replay\/.*\.json|reliability\/evidence\/|prisma\/migrations\/|test\/repo\/)/;

describe('comments stand alone', () => {
  it.each([
    { what: 'an issue number', pattern: /\bissues?[ -]#?\d+/i },
    { what: 'a team document outside the repository', pattern: /\b(DESIGN|STYLE|RULES)\.md\b/ },
    { what: 'the design card', pattern: /\bdesign card\b/i },
  ])('no file points to $what', ({ pattern }) => {
    const files = trackedTextFiles().filter((f) => !EXEMPT.test(f));

    const hits = findAll(files, new RegExp(pattern.source, pattern.flags));

    expect(hits).toEqual([]);
  });
});
