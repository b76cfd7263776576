import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', '.data/', '.tools/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code must stay deterministic: no wall clock, no randomness (a replay must make the same decisions).
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'use uuid4() from @temporalio/workflow' },
        { object: 'Date', property: 'now', message: 'domain code takes time as an argument' }],
      // Workflows see activities only as types; nothing in domain/ or workflows/ touches Node or the API.
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', '../api/*'], message: 'no I/O in deterministic code' },
          { group: ['../activities/*'], allowTypeImports: true, message: 'workflows import activities as types only' },
        ],
      }],
    },
  },
  {
    // Dependencies point one way: the API and the activities share db/ and domain/, never each other.
    files: ['api/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
      { group: ['**/activities/*'], message: 'the API reads through db/ and writes through the Temporal client' }] }] },
  },
  {
    files: ['activities/**/*.ts', 'db/**/*.ts', 'webhooks/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [
      { group: ['**/api/*'], message: 'nothing imports api/: it is the outermost layer' }] }] },
  },
);
