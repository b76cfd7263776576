// What the Temporal UI renders as Markdown (a contract's details, a workflow's summary) shows user text as
// written: a title can never become a link, an image, HTML or code on an operator's screen. Checked by
// rendering with a CommonMark + GFM parser (micromark), as a Markdown view would.
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { createContract } from '../../domain/contract.js';
import { contractDetails, contractSummaryLine } from '../../domain/describe.js';

const render = (markdown: string): string => micromark(markdown, { extensions: [gfm()], htmlExtensions: [gfmHtml()] });
const unescapeHtml = (s: string): string =>
  s.replaceAll('&quot;', '"').replaceAll('&gt;', '>').replaceAll('&lt;', '<').replaceAll('&amp;', '&');
const hostile = [
  '[Dispute evidence](https://evil.example)',
  '![pixel](https://evil.example/p.png)',
  '<a href="https://evil.example">refund form</a>',
  '\\[escaped](https://evil.example)',
  '[ref][1] `code` **bold** ~~gone~~ | cell',
];

describe('Markdown in the Temporal UI', () => {
  it('R28: user text in the details and summaries renders as text, never as a link, image, HTML or code', () => {
    for (const title of hostile) {
      const state = createContract({ contractId: 'c-md', clientId: 'client-md', freelancerId: 'freelancer-md', title }, '2026-12-03T00:00:00Z');

      const html = [render(contractDetails(state, '2026-12-03T00:00:00Z')),
        render(contractSummaryLine({ title, clientId: 'client-md', freelancerId: 'freelancer-md' }))].join('\n');

      expect(html, title).not.toMatch(/<img |<strong>bold|<del>|<code>code<\/code>|<a href="https:\/\/evil\.example">refund/);
      // A bare URL may be linked by a viewer's autolinking, its text being its target; never behind other words.
      for (const [, href, text] of html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)) expect(unescapeHtml(text!), title).toBe(decodeURI(href!));
      // Code spans are the ids the details put there themselves.
      for (const [, code] of html.matchAll(/<code>([^<]*)<\/code>/g)) expect(code, title).toMatch(/^(client|freelancer)-md$/);
      if (title.includes('evil')) expect(html, title).toContain('evil.example');
    }
  });
});
