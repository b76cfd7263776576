// Comparing JSON values whatever their key order.
/** JSON with its object keys sorted (PostgreSQL's jsonb keeps its own key order). */
export function canonical(v: unknown): string {
  const sort = (x: unknown): unknown => (Array.isArray(x) ? x.map(sort) : x && typeof x === 'object'
    ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, y]) => [k, sort(y)])) : x);
  return JSON.stringify(sort(v));
}
