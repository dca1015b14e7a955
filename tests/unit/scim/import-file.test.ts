import { linesOf, readImportRecords } from '../../../src/scim/import-file';
import { createDefaultSchemaRegistry } from '../../../src/scim/protocol/schema-definitions';

async function* chunks(...parts: string[]) {
  yield* parts;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('import file', () => {
  it('splits a stream into lines across chunk boundaries, CRLF or LF, with or without a final newline', async () => {
    expect(await collect(linesOf(chunks('a\nb', 'c\r\n', '\nd')))).toEqual(['a', 'bc', '', 'd']);
    expect(await collect(linesOf(chunks('x\n')))).toEqual(['x']);
  });

  it('reads users and groups as POST bodies, numbers lines from 1, skips blank lines and reports bad ones', async () => {
    const lines = [
      JSON.stringify({ schemas: [USER], userName: 'ada@example.com', id: 'ignored', meta: { version: 'W/"9"' }, name: { givenName: 'Ada' } }),
      '',
      JSON.stringify({ schemas: [GROUP], displayName: 'Admins', members: [{ userName: 'ada@example.com', display: 'Ada' }, { externalId: 'oid-2' }, { value: 'a-hub-id', type: 'Group' }] }),
      '[1, 2]',
      JSON.stringify({ schemas: [GROUP], displayName: 'Bad', members: [{ userName: 'a', externalId: 'b' }] }),
      JSON.stringify({ schemas: [GROUP], displayName: 'Bad', members: [{ externalId: 'x', type: 'Group' }] }),
      JSON.stringify({ schemas: [USER, GROUP], userName: 'both' }),
      JSON.stringify({ schemas: [GROUP], displayName: 'Bad', members: {} }),
    ];
    const records = await collect(readImportRecords(chunks(...lines), createDefaultSchemaRegistry()));
    expect(records[0]).toEqual({ line: 1, kind: 'User', write: { raw: { schemas: [USER], userName: 'ada@example.com', name: { givenName: 'Ada' } }, fields: expect.objectContaining({ userName: 'ada@example.com', givenName: 'Ada', active: true }) } });
    expect(records[1]).toEqual({
      line: 3,
      kind: 'Group',
      write: { raw: { schemas: [GROUP], displayName: 'Admins' }, fields: { displayName: 'Admins', externalId: null } },
      members: [{ userName: 'ada@example.com', display: 'Ada' }, { externalId: 'oid-2', display: null }, { value: 'a-hub-id', display: null }],
    });
    expect(records.slice(2)).toEqual([
      { line: 4, kind: 'invalid', reason: 'a line must be a JSON object' },
      { line: 5, kind: 'invalid', reason: 'members[0] must have exactly one of value, userName, externalId' },
      { line: 6, kind: 'invalid', reason: 'members[0]: a group member is named by its id (value)' },
      { line: 7, kind: 'invalid', reason: expect.stringContaining('"schemas" must name either') },
      { line: 8, kind: 'invalid', reason: 'members must be an array' },
    ]);
  });
});
