// The Node.js lines the product supports (package.json `engines`) and the release of each that CI runs
// the suite on. Plain JavaScript: .ci/run reads it with whatever Node the machine ships, before any
// install. Node 20 left support in April 2026; zod-openapi needs 22.14 or later.
export const NODE_LINES = {
  24: '24.21.0',
  22: '22.23.5',
};

/** The line `npm cit` runs on in CI first; the others run `npm test` after it. */
export const PRIMARY_LINE = 24;
