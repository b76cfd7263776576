// RFC 9457 problem+json, with the broken rule's id (`rule`) and a stable `code`.
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  rule?: string;
  errors?: { path: string; message: string }[];
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly rule?: string,
    readonly errors?: Problem['errors'],
    readonly retryAfter?: number,
    /** RFC 9457 extension members a caller can act on, e.g. `currentVersion` (R16), `shortfallCents` (R17). */
    readonly extensions?: Record<string, string | number>,
  ) {
    super(detail ?? title);
  }
}

export const problemType = (code: string): string => `https://milestone-contracts.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
