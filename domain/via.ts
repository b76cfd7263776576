// Who sent a command for a party: a marketplace's platform key (`platform:<key id>`). The party stays the
// actor (it is their command, under their rights); `via` only adds who carried it, for the history and notices.
import { refuse } from './errors.js';

const VIA = /^platform:[A-Za-z0-9_.-]{1,100}$/;

export function assertVia(via: unknown): void {
  if (via === undefined) return;
  if (typeof via !== 'string' || !VIA.test(via)) refuse('INVALID_SENDER', undefined, 'via names a platform key: platform:<key id>', 'invalid');
}
