import type { Response } from 'supertest';
import { testDatabaseKind } from '../support/test-app';
import { ScimClient, USER_SCHEMA, useScimHub } from '../support/scim-client';
import { inParallel, recordFigure, sized } from './support/gate';

/** Sends `request` again while it is answered 503 (which must carry Retry-After): what an IdP does. */
async function retryingUnavailable(request: () => PromiseLike<Response>, retried: { count: number }): Promise<Response> {
  for (;;) {
    const response = await request();
    if (response.status !== 503) return response;
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    retried.count += 1;
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 50));
  }
}

function statusCounts(responses: Response[]): string {
  const counts = new Map<number, number>();
  for (const response of responses) counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, count]) => `${count}x${status}`).join(' ');
}

/** Issue 8, Uniqueness under concurrency and No lost updates: an IdP's burst against one tenant. */
describe(`Concurrency on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function createUsers(client: ScimClient, prefix: string, count: number): Promise<string[]> {
    return inParallel(Array.from({ length: count }, (_, index) => index), 8, async (index) => (await client.createUser(`${prefix}${index}@example.com`)).id);
  }

  it('uniqueness: 50 concurrent POSTs of one userName in case and Unicode variants give one 201, 49 409s, one row', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    // Case, NFD accents, full-width letters and surrounding spaces all fold to one NFKC, trimmed, lower-cased name.
    const variants = ['José.Race@Example.com', 'josé.race@example.com', 'JOSÉ.RACE@EXAMPLE.COM', 'jose\u0301.race@example.com', 'ｊｏｓé.race@example.com', '  josé.race@example.com ', 'JOSE\u0301.RACE@example.COM'];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => client.post('/Users', { schemas: [USER_SCHEMA], userName: variants[index % variants.length] })),
    );
    const created = responses.filter((response) => response.status === 201);
    const conflicts = responses.filter((response) => response.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect(conflicts.every((response) => response.body.scimType === 'uniqueness')).toBe(true);
    const rows = await scim.hub.hub.database.read((tx) => tx.all(tx.knex('users').where({ tenant_id: tenant.tenant.id })));
    expect(rows).toHaveLength(1);
    recordFigure(`${statusCounts(responses)}; ${rows.length} row`);
  });

  it('no lost updates: concurrent single-member adds and removes on groups leave exactly the expected members, 0 5xx', async () => {
    const client = await scim.client();
    const adds = sized(120, 500);
    const removes = sized(60, 250);
    const toAdd = await createUsers(client, 'add', adds);
    const toRemove = await createUsers(client, 'remove', removes);
    const stays = await createUsers(client, 'stay', 10);
    const growing = await client.createGroup('Growing', stays);
    const shrinking = await client.createGroup('Shrinking', [...toRemove, ...stays]);
    const retried = { count: 0 };
    const requests = [
      ...toAdd.map((id) => () => client.patch(`/Groups/${growing.id}`, [{ op: 'add', path: 'members', value: [{ value: id }] }])),
      ...toRemove.map((id) => () => client.patch(`/Groups/${shrinking.id}`, [{ op: 'remove', path: `members[value eq "${id}"]` }])),
    ].sort(() => Math.random() - 0.5);
    const responses = await Promise.all(requests.map((request) => retryingUnavailable(request, retried)));
    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    expect(responses.every((response) => response.status === 204)).toBe(true);
    const growingMembers = await client.memberIds(growing.id);
    const shrinkingMembers = await client.memberIds(shrinking.id);
    expect(growingMembers).toEqual([...stays, ...toAdd].sort());
    expect(shrinkingMembers).toEqual([...stays].sort());
    recordFigure(`${adds} adds + ${removes} removes at once: ${statusCounts(responses)}, ${retried.count} 503s retried; members ${growingMembers.length}/${adds + stays.length} and ${shrinkingMembers.length}/${stays.length} as expected`);
  });

  it('no lost updates: concurrent PUTs with one If-Match on one user, exactly one succeeds', async () => {
    const client = await scim.client();
    const writers = sized(50, 100);
    const user = await client.createUser('ifmatch@example.com');
    const responses = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        client.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'ifmatch@example.com', displayName: `writer ${index}` }, { 'If-Match': user.meta.version }),
      ),
    );
    const winners = responses.filter((response) => response.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((response) => response.status === 412)).toHaveLength(writers - 1);
    const stored = await client.get(`/Users/${user.id}`);
    expect(stored.body.displayName).toBe(winners[0].body.displayName);
    expect(stored.body.meta.version).toBe(winners[0].body.meta.version);
    recordFigure(`${writers} PUTs with If-Match ${user.meta.version}: ${statusCounts(responses)}; stored = the winner's write`);
  });
});
