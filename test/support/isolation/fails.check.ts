import { expect, it } from 'vitest';
import { issuesTheDemoUsers } from './demo-users.js';

issuesTheDemoUsers();
it('fails on purpose', () => {
  expect('this run').toBe('a failing run');
});
