// Amounts are integer cents, and every number a command takes is a whole number, so the raw JSON text
// may hold integer literals only. JSON.parse reads `1e3` and `1000.0` as 1000, which would pass the
// domain's whole-number check: only the text can tell, so it is scanned before it is parsed.

export interface NumberLiteral {
  literal: string;
  /** Offset of the literal in the text, in UTF-16 units. */
  at: number;
}

/**
 * The first number literal outside strings that has a fraction or an exponent, or undefined. Tolerant
 * of malformed JSON: it only skips strings and reads number tokens; JSON.parse judges the rest.
 */
export function firstNonIntegerLiteral(text: string): NumberLiteral | undefined {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i = skipString(text, i + 1);
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const at = i;
      i = skipNumber(text, i);
      const literal = text.slice(at, i);
      if (/[.eE]/.test(literal)) return { literal, at };
    } else {
      i++;
    }
  }
  return undefined;
}

/** Index just after the closing quote of a string whose body starts at `i` (escapes skipped). */
function skipString(text: string, i: number): number {
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

/** Index just after a number token: sign, digits, fraction, exponent (the JSON grammar's characters). */
function skipNumber(text: string, i: number): number {
  while (i < text.length && /[-+0-9.eE]/.test(text[i]!)) i++;
  return i;
}
