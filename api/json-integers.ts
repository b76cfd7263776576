// Amounts are integer cents, and every number a command takes is a whole number. The published document
// says `integer` in JSON Schema's sense: a number whose value has no fraction, however it is written, so
// `1e3` and `1000.0` are 1000 (the fuzzer's positive data includes such literals, and a client's JSON
// library may write them). A literal whose value has a fraction (`1000.5`, `1e-1`) is refused here, from
// the text, before JSON.parse: a number the domain must never round.

export interface NumberLiteral {
  literal: string;
  /** Offset of the literal in the text, in UTF-16 units. */
  at: number;
}

/**
 * The first number literal outside strings whose value is not a whole number, or undefined. Tolerant of
 * malformed JSON: it only skips strings and reads number tokens; JSON.parse judges the rest.
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
      if (/[.eE]/.test(literal) && !Number.isInteger(Number(literal))) return { literal, at };
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
