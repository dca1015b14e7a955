import { readdirSync, readFileSync } from 'node:fs';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';
import { databaseUrl, freePort, startServer } from '../support/processes';

/** Pids of the live child processes of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/**
 * `npm start` with WEB_CONCURRENCY=2 (issue 17): two worker processes share the port and one database;
 * concurrent writes through both lose nothing, and SIGTERM stops them all.
 */
describe(`two worker processes on ${testDatabaseKind()}`, () => {
  it('serve concurrent POSTs and PATCHes of one group with correct results, then stop on SIGTERM', async () => {
    const database = await createTestDatabase();
    try {
      const server = await startServer({ DATABASE_URL: databaseUrl(database.config), WEB_CONCURRENCY: '2' }, await freePort());
      try {
        const pid = server.process.pid ?? 0;
        expect(childrenOf(pid)).toHaveLength(2);
        const token = /SCIM token \(secret token\):\s+(\S+)/.exec(server.output())?.[1];
        expect(token).toMatch(/^ihscim_/);
        const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
        // New connections each time (no keep-alive): node:cluster hands them to both workers.
        const send = async (method: string, path: string, body: unknown) => {
          const response = await fetch(`${server.baseUrl}/scim/v2${path}`, { method, headers: { ...headers, Connection: 'close' }, body: JSON.stringify(body) });
          return { status: response.status, body: response.status === 204 ? undefined : ((await response.json()) as { id: string; meta?: { version: string } }) };
        };
        const group = await send('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Everyone' });
        expect(group.status).toBe(201);
        const users: string[] = [];
        for (let round = 0; round < 6; round += 1) {
          const created = await Promise.all(
            Array.from({ length: 20 }, (_, index) => send('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `w${round}-${index}@example.com` })),
          );
          expect(created.map((response) => response.status)).toEqual(created.map(() => 201));
          const ids = created.map((response) => response.body?.id ?? '');
          users.push(...ids);
          const patched = await Promise.all(
            ids.map((id) => send('PATCH', `/Groups/${group.body?.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })),
          );
          expect(patched.map((response) => response.status)).toEqual(patched.map(() => 204));
        }
        const list = (await (await fetch(`${server.baseUrl}/scim/v2/Users?count=1`, { headers })).json()) as { totalResults: number };
        expect(list.totalResults).toBe(users.length);
        const stored = (await (await fetch(`${server.baseUrl}/scim/v2/Groups/${group.body?.id}`, { headers })).json()) as { members: { value: string }[]; meta: { version: string } };
        expect(stored.members.map((member) => member.value).sort()).toEqual([...users].sort());
        // Every member-only PATCH bumped the version once, whichever process served it.
        expect(stored.meta.version).toBe(`W/"${1 + users.length}"`);
      } finally {
        const exitCode = await server.stop('SIGTERM');
        expect(exitCode).toBe(0);
      }
    } finally {
      await database.drop();
    }
  });
});
