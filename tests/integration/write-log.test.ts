import { Client } from 'pg';
import { testDatabaseKind } from '../support/test-app';
import { expectStatus, useScimHub } from '../support/scim-client';
import type { Tx } from '../../src/persistence/database';
import { DomainError } from '../../src/domain/errors';

/**
 * The write log of a unit of work (issue 17): writes nobody waits for ride with the unit's next
 * statement or its COMMIT, in order; a failing one fails the whole unit. On PostgreSQL the statements of
 * one batch travel in one round trip: a SCIM POST /Users costs one, a user PATCH or PUT and a
 * one-member group PATCH two.
 */
describe(`write log on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  function appendTenant(tx: Tx, slug: string): void {
    tx.write('INSERT INTO tenants (id, slug, name, settings, created_at) VALUES (?, ?, ?, ?, ?)', [slug, slug, slug, '{}', Date.now()]);
  }

  async function slugsLike(prefix: string): Promise<string[]> {
    const rows = await scim.hub.hub.database.read((tx) => tx.all<{ slug: string }>('SELECT slug FROM tenants WHERE slug LIKE ? ORDER BY slug', [`${prefix}%`]));
    return rows.map((row) => row.slug);
  }

  it('logged writes commit with the unit, in order, and a read in the unit sees them', async () => {
    const seen = await scim.hub.hub.database.transaction(async (tx) => {
      appendTenant(tx, 'log-a');
      appendTenant(tx, 'log-b');
      const rows = await tx.all<{ slug: string }>('SELECT slug FROM tenants WHERE slug LIKE ? ORDER BY slug', ['log-%']);
      appendTenant(tx, 'log-c');
      return rows.map((row) => row.slug);
    });
    expect(seen).toEqual(['log-a', 'log-b']);
    expect(await slugsLike('log-')).toEqual(['log-a', 'log-b', 'log-c']);
  });

  it('a logged write that fails at the COMMIT fails the unit and undoes its other writes', async () => {
    const { database } = scim.hub.hub;
    await database.transaction(async (tx) => appendTenant(tx, 'dup-log'));
    const outcome = await database
      .transaction(async (tx) => {
        await tx.run('INSERT INTO tenants (id, slug, name, settings, created_at) VALUES (?, ?, ?, ?, ?)', ['undone-1', 'undone-1', 'x', '{}', Date.now()]);
        appendTenant(tx, 'undone-2');
        appendTenant(tx, 'dup-log');
        return 'committed';
      })
      .catch((error: unknown) => error);
    expect(outcome instanceof DomainError && outcome.code).toBe('CONFLICT');
    expect(await slugsLike('undone-')).toEqual([]);
    // The connection is usable afterwards (on PostgreSQL the failed transaction was rolled back).
    await database.transaction(async (tx) => appendTenant(tx, 'undone-3'));
    expect(await slugsLike('undone-')).toEqual(['undone-3']);
  });

  it('a logged write that fails fails the read it travels with, and the unit', async () => {
    const { database } = scim.hub.hub;
    const outcome = await database
      .transaction(async (tx) => {
        appendTenant(tx, 'dup-log');
        await tx.all('SELECT 1 AS one');
        return 'committed';
      })
      .catch((error: unknown) => error);
    expect(outcome instanceof DomainError && outcome.code).toBe('CONFLICT');
  });

  it('reads started together travel together and each gets its own rows', async () => {
    const [first, second] = await scim.hub.hub.database.read((tx) =>
      Promise.all([tx.all<{ value: number }>('SELECT 1 AS value'), tx.all<{ value: number }>('SELECT 2 AS value')]),
    );
    expect(first.map((row) => Number(row.value))).toEqual([1]);
    expect(second.map((row) => Number(row.value))).toEqual([2]);
  });

  const onPostgres = testDatabaseKind() === 'postgresql' ? it : it.skip;

  onPostgres('on PostgreSQL a POST /Users is one round trip, a user PATCH or PUT two, and a group PATCH adding or removing one member two (BEGIN and COMMIT included)', async () => {
    const client = await scim.client();
    const member = await client.createUser('member@example.com');
    const leaving = await client.createUser('leaving@example.com');
    const group = await client.createGroup('Round trips');
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: leaving.id }] }]), 204);
    // Warm: credential and mapping caches are filled by the first writes.
    await client.createUser('warm@example.com');
    const query = jest.spyOn(Client.prototype, 'query');
    // The request's own round trips. Beside it, as the machine's timing has it, run the request logs' units and
    // the delivery worker's (on other connections, BEGIN to COMMIT), and a new pooled connection's SET: left out.
    const requestTrips = () => {
      const units: string[][] = [];
      const open = new Map<unknown, string[]>();
      query.mock.calls.forEach(([sent], index) => {
        const text = typeof sent === 'string' ? sent : String((sent as { text?: string } | undefined)?.text ?? '');
        if (text.startsWith('SET ')) return;
        const client = query.mock.contexts[index];
        let unit = open.get(client);
        // The end of a unit that began before the count did.
        if (!unit && /^(COMMIT|ROLLBACK)$/.test(text)) return;
        if (!unit) {
          unit = [];
          units.push(unit);
          if (text.startsWith('BEGIN')) open.set(client, unit);
        }
        unit.push(text);
        if (/(^|;\s*)(COMMIT|ROLLBACK)$/.test(text)) open.delete(client);
      });
      return units.filter((unit) => !unit.some((text) => /recent_requests|provisioning_log|webhook_deliveries d\b/.test(text))).reduce((trips, unit) => trips + unit.length, 0);
    };
    try {
      query.mockClear();
      expectStatus(await client.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'counted@example.com', emails: [{ value: 'counted@example.com' }] }), 201);
      const postTrips = requestTrips();
      query.mockClear();
      expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: member.id }] }]), 204);
      const patchTrips = requestTrips();
      query.mockClear();
      expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${leaving.id}"]` }]), 204);
      const removeTrips = requestTrips();
      // The answer shows the user's groups: read with the COMMIT, after the writes.
      query.mockClear();
      const patched = await client.patch(`/Users/${member.id}`, [{ op: 'replace', path: 'title', value: 'Engineer' }]);
      const userPatchTrips = requestTrips();
      query.mockClear();
      const replaced = await client.put(`/Users/${member.id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'member@example.com', title: 'Lead', emails: [{ value: 'member@example.com' }] });
      const userPutTrips = requestTrips();
      expect({ postTrips, patchTrips, removeTrips, userPatchTrips, userPutTrips }).toEqual({ postTrips: 1, patchTrips: 2, removeTrips: 2, userPatchTrips: 2, userPutTrips: 2 });
      expectStatus(patched, 200);
      expect(patched.body.groups).toEqual([expect.objectContaining({ value: group.id, display: 'Round trips' })]);
      expectStatus(replaced, 200);
      expect(replaced.body).toMatchObject({ title: 'Lead', emails: [{ value: 'member@example.com' }], groups: [expect.objectContaining({ value: group.id })] });
    } finally {
      query.mockRestore();
    }
    expect(await client.memberIds(group.id)).toEqual([member.id]);
    expect((await client.get(`/Groups/${group.id}`)).body.meta.version).toBe('W/"4"');
  });

  async function membershipEventVersions(groupId: string): Promise<number[]> {
    const rows = await scim.hub.hub.database.read((tx) =>
      tx.all<{ resource_version: number | string }>("SELECT resource_version FROM outbox_events WHERE resource_id = ? AND type = 'membership.added' ORDER BY resource_version", [groupId]),
    );
    return rows.map((row) => Number(row.resource_version));
  }

  it('concurrent member-only PATCHes of one group each bump the version once, and each event carries its own', async () => {
    const client = await scim.client();
    const users: string[] = [];
    for (let index = 0; index < 20; index += 1) users.push((await client.createUser(`v${index}@example.com`)).id);
    const group = await client.createGroup('Versions');
    const responses = await Promise.all(users.map((id) => client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: id }] }])));
    expect(responses.map((response) => response.status)).toEqual(users.map(() => 204));
    const etags = new Set(responses.map((response) => response.headers.etag));
    expect(etags.size).toBe(users.length);
    const after = await client.get(`/Groups/${group.id}`);
    expect(after.body.meta.version).toBe(`W/"${1 + users.length}"`);
    expect(await client.memberIds(group.id)).toEqual([...users].sort());
    const versions = users.map((_, index) => index + 2);
    expect(await membershipEventVersions(group.id)).toEqual(versions);
    expect([...etags].map((etag) => Number(/"(\d+)"/.exec(String(etag))?.[1])).sort((a, b) => a - b)).toEqual(versions);
  });

  onPostgres('a member-only PATCH that meets a DELETE of its group under way waits for it and answers 404, leaving no membership', async () => {
    const client = await scim.client();
    const member = await client.createUser('late@example.com');
    const group = await client.createGroup('Being deleted');
    const { database } = scim.hub.config;
    if (database.kind !== 'postgresql') throw new Error('a PostgreSQL test');
    // Another session deletes the group as GroupService.delete does: the row locked first, then the rows removed.
    const deleter = new Client({ connectionString: database.url });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('SELECT id FROM groups WHERE id = $1 FOR UPDATE', [group.id]);
      // then() sends the request now; it is awaited after the delete.
      const patch = client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: member.id }] }]).then((response) => response);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await deleter.query('DELETE FROM group_members WHERE group_id = $1', [group.id]);
      await deleter.query('DELETE FROM groups WHERE id = $1', [group.id]);
      await deleter.query('COMMIT');
      expect((await patch).status).toBe(404);
    } finally {
      await deleter.end();
    }
    const left = await scim.hub.hub.database.read((tx) => tx.all('SELECT member_id FROM group_members WHERE group_id = ?', [group.id]));
    expect(left).toEqual([]);
  });

  it('a member-only PATCH naming an unknown member changes nothing, the version included', async () => {
    const client = await scim.client();
    const group = await client.createGroup('Unknown member');
    const response = await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }]);
    expect(response.status).toBe(400);
    const after = await client.get(`/Groups/${group.id}`);
    expect(after.body.meta.version).toBe(group.meta.version);
  });

  it('a member-only PATCH of a missing group is a 404', async () => {
    const client = await scim.client();
    const member = await client.createUser('lonely@example.com');
    const response = await client.patch('/Groups/no-such-group', [{ op: 'add', path: 'members', value: [{ value: member.id }] }]);
    expect(response.status).toBe(404);
  });
});
