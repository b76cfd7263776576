// The product's rules as { id, text }, read from docs/rules.md: each rule is a `- **Rn** …` bullet,
// continued on indented lines. The reference (/docs) serves them from api/rules.generated.json.
export interface Rule {
  id: string;
  text: string;
}

/** Where the rules are written, relative to the repository's root. */
export const RULES_FILE = 'docs/rules.md';

/** The rules in id order; a missing or repeated id is an error, so a typo cannot drop a rule. */
export function parseRules(markdown: string): Rule[] {
  const rules: Rule[] = [];
  let current: Rule | undefined;
  for (const line of markdown.split('\n')) {
    const start = /^- \*\*(R\d+)\*\*\s*(.*)$/.exec(line);
    if (start) rules.push((current = { id: start[1]!, text: start[2]! }));
    else if (current && /^\s{2,}\S/.test(line)) current.text += ` ${line.trim()}`;
    else current = undefined;
  }
  rules.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  rules.forEach((rule, i) => {
    if (rule.id !== `R${i + 1}`) throw new Error(`${RULES_FILE}: expected R${i + 1}, found ${rule.id}`);
  });
  return rules;
}
