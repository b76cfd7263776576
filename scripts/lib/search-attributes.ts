// The product's search attributes in the two spellings servers want: CLI flags for the dev server and
// IndexedValueType for the operator API (the time-skipping test server has no CLI flag for them).
import type { Connection } from '@temporalio/client';
import { allSearchAttributes } from '../../workflows/search-attributes.js';

const TYPES: Record<string, { flag: string; indexed: number }> = {
  TEXT: { flag: 'Text', indexed: 1 },
  KEYWORD: { flag: 'Keyword', indexed: 2 },
  INT: { flag: 'Int', indexed: 3 },
  DOUBLE: { flag: 'Double', indexed: 4 },
  BOOL: { flag: 'Bool', indexed: 5 },
  DATETIME: { flag: 'Datetime', indexed: 6 },
  KEYWORD_LIST: { flag: 'KeywordList', indexed: 7 },
};

export const searchAttributeFlags = (): string[] =>
  allSearchAttributes.flatMap((k) => ['--search-attribute', `${k.name}=${TYPES[k.type]!.flag}`]);

export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(allSearchAttributes.map((k) => [k.name, TYPES[k.type]!.indexed])),
  });
}
