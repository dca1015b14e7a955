import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';
import { GROUP_SCHEMA, ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';

/** Concurrent IdP traffic: uniqueness, no lost membership updates, If-Match, several writers on one database. */
describe(`SCIM under concurrency on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  it('50 concurrent POSTs of one userName in case and Unicode variants: exactly one 201, the rest 409, one row', async () => {
    const client = await scim.client();
    const variants = ['Race@Example.com', 'race@example.com', 'RACE@EXAMPLE.COM', ' race@example.com', 'ｒace@example.com'];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => client.post('/Users', { schemas: [USER_SCHEMA], userName: variants[index % variants.length] })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    expect((await client.filterUsers('userName eq "race@example.com"')).totalResults).toBe(1);
  });

  it('concurrent single-member adds and removes on one group lose nothing and never answer 5xx', async () => {
    const client = await scim.client();
    const users: string[] = [];
    for (let index = 0; index < 150; index += 1) users.push((await client.createUser(`m${index}@example.com`)).id);
    const keep = users.slice(0, 100);
    const drop = users.slice(100);
    const group = await client.createGroup('Burst', drop);
    const responses = await Promise.all([
      ...keep.map((id) => client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: id }] }])),
      ...drop.map((id) => client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${id}"]` }])),
    ]);
    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    expect(responses.every((response) => response.status === 204)).toBe(true);
    expect(await client.memberIds(group.id)).toEqual([...keep].sort());
  });

  /** A new tenant with `count` users and one empty group, and a PATCH adding a user to that group. */
  async function groupAndUsers(count: number, prefix: string, displayName: string) {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    const users: string[] = [];
    for (let index = 0; index < count; index += 1) users.push((await client.createUser(`${prefix}${index}@example.com`)).id);
    const group = await client.createGroup(displayName);
    const addMember = (id: string) => client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: id }] }]);
    return { tenantId: tenant.tenant.id, client, users, group, addMember };
  }

  it('concurrent member PATCHes of one group each get their own version, event and audit row; an unknown member is refused alone', async () => {
    const { tenantId, client, users, group, addMember } = await groupAndUsers(30, 't', 'Together');
    const start = Number(/\d+/.exec(group.meta.version)?.[0]);
    const adds = users.map(addMember);
    const unknown = addMember('no-such-member');
    const [responses, refused] = await Promise.all([Promise.all(adds), unknown]);

    expect(responses.map((response) => response.status)).toEqual(users.map(() => 204));
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    const versions = responses.map((response) => Number(/\d+/.exec(String(response.headers.etag))?.[0])).sort((a, b) => a - b);
    expect(versions).toEqual(users.map((_, index) => start + index + 1));
    expect(await client.memberIds(group.id)).toEqual([...users].sort());
    const stored = await client.get(`/Groups/${group.id}?excludedAttributes=members`);
    expectStatus(stored, 200);
    expect(stored.body.meta.version).toBe(`W/"${start + users.length}"`);

    const events = await scim.hub.hub.database.read((tx) =>
      tx.all<{ resource_version: number | string; payload: unknown }>(tx.knex('outbox_events').select('resource_version', 'payload').where({ tenant_id: tenantId, type: 'membership.added', resource_id: group.id })),
    );
    expect(events.map((event) => Number(event.resource_version)).sort((a, b) => a - b)).toEqual(versions);
    const audit = await scim.hub.hub.database.read((tx) => tx.all<{ diff: unknown }>(tx.knex('audit_events').select('diff').where({ tenant_id: tenantId, action: 'membership.added', target_id: group.id })));
    const audited = audit.map((row) => (typeof row.diff === 'string' ? JSON.parse(row.diff) : row.diff) as { details: { memberIds: string[] } }).flatMap((diff) => diff.details.memberIds);
    expect(audited.sort()).toEqual([...users].sort());
  });

  it('a group deleted during a burst of member PATCHes: each PATCH answers 204 or 404, and no membership outlives the group', async () => {
    const { tenantId, client, users, group, addMember } = await groupAndUsers(24, 'd', 'Doomed');
    const before = users.slice(0, 12).map(addMember);
    const deleted = client.delete(`/Groups/${group.id}`);
    const after = users.slice(12).map(addMember);
    // supertest sends a request when it is awaited: Promise.all starts them in this order.
    const responses = await Promise.all([...before, deleted, ...after]);
    expectStatus(responses[before.length], 204);
    const statuses = responses.filter((_, index) => index !== before.length).map((response) => response.status);

    expect(statuses.filter((status) => status !== 204 && status !== 404)).toEqual([]);
    expect(statuses).toContain(404);
    const left = await scim.hub.hub.database.read((tx) => tx.all(tx.knex('group_members').where({ tenant_id: tenantId, group_id: group.id })));
    expect(left).toEqual([]);
  });

  it('20 concurrent PUTs with the same If-Match on one user: exactly one succeeds, the rest get 412', async () => {
    const client = await scim.client();
    const user = await client.createUser('ifmatch@example.com');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        client.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'ifmatch@example.com', displayName: `writer ${index}` }, { 'If-Match': user.meta.version }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
  });

  it('two app instances (as two server processes would) write the same database at once without errors', async () => {
    const database = await createTestDatabase();
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: database.config };
    const first = await createApp(config, { logger: pino({ level: 'silent' }) });
    const second = await createApp(config, { logger: pino({ level: 'silent' }) });
    try {
      const tenant = await first.services.tenants.createTenant({ slug: 'shared' });
      const auth = { Authorization: `Bearer ${tenant.scimToken}`, 'Content-Type': 'application/scim+json' };
      const apps = [request(first.app), request(second.app)];
      const group = await apps[0].post('/scim/v2/Groups').set(auth).send({ schemas: [GROUP_SCHEMA], displayName: 'both' });
      expectStatus(group, 201);
      const responses = await Promise.all(
        Array.from({ length: 60 }, async (_, index) => {
          const app = apps[index % 2];
          const created = await app.post('/scim/v2/Users').set(auth).send({ schemas: [USER_SCHEMA], userName: `writer${index}@example.com` });
          if (created.status !== 201) return created.status;
          const patched = await app
            .patch(`/scim/v2/Groups/${group.body.id}`)
            .set(auth)
            .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: created.body.id }] }] });
          return patched.status;
        }),
      );
      expect(responses.filter((status) => status !== 204)).toEqual([]);
      const read = await apps[1].get(`/scim/v2/Groups/${group.body.id}`).set(auth);
      expect(read.body.members).toHaveLength(60);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
