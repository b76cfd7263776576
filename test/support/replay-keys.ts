// The key committed fixtures are recorded under. It protects nothing (the fixtures are test data); it is
// committed so that an encrypted fixture replays on every machine, as a production history replays with
// production's keys. Fixtures recorded before payloads were encrypted need no key at all.
import { parsePayloadKeys } from '../../codec/keys.js';

export const replayFixtureKeys = parsePayloadKeys(
  'replay-fixtures:wXm4fUZABx/Fm+Vdz0g0hRnocdFr9OiPVXegG46YdSQ=', 'the replay fixtures\' key (test/support/replay-keys.ts)');
