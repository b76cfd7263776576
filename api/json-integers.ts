// Amounts are integer cents, and every number a command takes is a whole number. The published document
// says `integer` in JSON Schema's sense: a number whose value has no fraction, however it is written, so
// `1e3` and `1000.0` are 1000 (the fuzzer's positive data includes such literals, and a client's JSON
// library may write them). A literal whose value has a fraction (`1000.5`, `1e-1`, `1e-400`) is refused
// here, from the text and exactly (not through a double, which rounds `1e-400` to 0), before JSON.parse: a
// number the domain must never round. A whole number too large for a double (`1e400`, Infinity once
// parsed) is refused as too large, not as a fraction.

export interface NumberLiteral {
  literal: string;
  /** Offset of the literal in the text, in UTF-16 units. */
  at: number;
  /** Why it is refused: its value has a fraction, or it is whole but beyond any double. */
  problem: 'fraction' | 'too_large';
}

const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Whether the literal's exact decimal value has a fraction. Bounded by the literal's length. */
function hasFraction(literal: string): boolean {
  const m = NUMBER.exec(literal);
  if (!m) return true; // not a JSON number: JSON.parse refuses it anyway
  const frac = m[2] ?? '';
  const digits = `${m[1]}${frac}`.replace(/^0+/, '');
  if (digits === '' || /^0*$/.test(digits)) return false; // zero, however written
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  // The value is digits × 10^(exp − frac.length): whole when the digits that scale leaves right of the
  // point are all zeros.
  const scale = exp - frac.length;
  if (scale >= 0) return false;
  const right = Math.min(-scale, digits.length + 1);
  return !/^0*$/.test(digits.slice(Math.max(0, digits.length - right)));
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
      if (!/[.eE]/.test(literal)) continue;
      if (hasFraction(literal)) return { literal, at, problem: 'fraction' };
      if (!Number.isFinite(Number(literal))) return { literal, at, problem: 'too_large' };
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
