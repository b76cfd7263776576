// RULES.md's rules as { id, text }: each is a `- **Rn** …` bullet, continued on indented lines.
export interface Rule {
  id: string;
  text: string;
}

export function parseRules(markdown: string): Rule[] {
  const rules: Rule[] = [];
  let current: Rule | undefined;
  for (const line of markdown.split('\n')) {
    const start = /^- \*\*(R\d+)\*\*\s*(.*)$/.exec(line);
    if (start) rules.push((current = { id: start[1]!, text: start[2]! }));
    else if (current && /^\s{2,}\S/.test(line)) current.text += ` ${line.trim()}`;
    else current = undefined;
  }
  return rules.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
}
