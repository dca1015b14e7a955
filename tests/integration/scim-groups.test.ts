import { testDatabaseKind } from '../support/test-app';
import { GROUP_SCHEMA, expectScimError, expectStatus, useScimHub } from '../support/scim-client';

/** Groups over HTTP: scim-clients.md section 5, rows G1-G8. */
describe(`SCIM Groups on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  it('G1: Entra group create (extra Microsoft schema URN) and Okta group create answer 201 with members: []', async () => {
    const client = await scim.client();
    const entra = await client.post('/Groups', {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expectStatus(entra, 201);
    expect(entra.body.members).toEqual([]);
    expect(entra.body.schemas).toEqual([GROUP_SCHEMA]);
    expect(entra.body.externalId).toBe('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
    expect(entra.body.meta.resourceType).toBe('Group');
    const okta = await client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] });
    expectStatus(okta, 201);
    expect(okta.body.members).toEqual([]);
  });

  it('G2: filter by displayName with excludedAttributes=members; displayName is unique per tenant, case-insensitively', async () => {
    const client = await scim.client();
    const user = await client.createUser('g2@example.com');
    const group = await client.createGroup('Sales Team', [user.id]);
    const found = await client.get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "sales team"')}`);
    expectStatus(found, 200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(group.id);
    expect(found.body.Resources[0]).not.toHaveProperty('members');
    expectScimError(await client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'SALES TEAM' }), 409, 'uniqueness');
    const byId = await client.get(`/Groups/${group.id}?excludedAttributes=members`);
    expectStatus(byId, 200);
    expect(byId.body).not.toHaveProperty('members');
    const renamed = await client.patch(`/Groups/${group.id}`, [{ op: 'Replace', path: 'displayName', value: 'Sales Team Renamed' }]);
    expectStatus(renamed, 204);
    expect((await client.get(`/Groups?filter=${encodeURIComponent('displayName eq "Sales Team"')}`)).body.totalResults).toBe(0);
  });

  it('G3: add several, remove by value array (Entra), remove by filter (Okta), replace with a list and with []', async () => {
    const client = await scim.client();
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((name) => client.createUser(`${name}@g3.example`)));
    const group = await client.createGroup('G3');
    const added = await client.patch(`/Groups/${group.id}`, [
      { op: 'Add', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }, { value: c.id }] },
    ]);
    expectStatus(added, 204);
    expect(added.text).toBe('');
    expect(await client.memberIds(group.id)).toEqual([a.id, b.id, c.id].sort());
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }] }]), 204);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${b.id}"]` }]), 204);
    expect(await client.memberIds(group.id)).toEqual([c.id]);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'members', value: [{ value: a.id }, { value: d.id }] }]), 204);
    expect(await client.memberIds(group.id)).toEqual([a.id, d.id].sort());
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'members', value: [] }]), 204);
    expect(await client.memberIds(group.id)).toEqual([]);
  });

  it('G3: adding an existing member is idempotent; removing a non-member is a 204 no-op; remove without value empties', async () => {
    const client = await scim.client();
    const [a, b] = await Promise.all(['a', 'b'].map((name) => client.createUser(`${name}@idem.example`)));
    const group = await client.createGroup('Idempotent', [a.id]);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: a.id }] }]), 204);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${b.id}"]` }]), 204);
    expect(await client.memberIds(group.id)).toEqual([a.id]);
    expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: 'members' }]), 204);
    expect(await client.memberIds(group.id)).toEqual([]);
  });

  it('G3: an unknown member id, or one of another tenant, is 400 invalidValue and nothing changes', async () => {
    const client = await scim.client();
    const stranger = await (await scim.client()).createUser('stranger@other.example');
    const a = await client.createUser('a@known.example');
    const group = await client.createGroup('Strict');
    for (const value of ['string id 1', stranger.id]) {
      const response = await client.patch(`/Groups/${group.id}`, [
        { op: 'add', path: 'members', value: [{ value: a.id }] },
        { op: 'add', path: 'members', value: [{ value }] },
      ]);
      expectScimError(response, 400, 'invalidValue');
    }
    expect(await client.memberIds(group.id)).toEqual([]);
    expectScimError(await client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Strict2', members: [{ value: stranger.id }] }), 400, 'invalidValue');
    expect((await client.get(`/Groups?filter=${encodeURIComponent('displayName eq "Strict2"')}`)).body.totalResults).toBe(0);
  });

  it('G4: Okta rename with no path and {id, displayName} keeps the members', async () => {
    const client = await scim.client();
    const user = await client.createUser('okta@g4.example');
    const group = await client.createGroup('Test SCIMv2', [user.id]);
    const response = await client.patch(`/Groups/${group.id}`, [{ op: 'replace', value: { id: group.id, displayName: 'Test SCIMv2 renamed' } }]);
    expectStatus(response, 204);
    const read = await client.get(`/Groups/${group.id}`);
    expect(read.body.displayName).toBe('Test SCIMv2 renamed');
    expect(read.body.members.map((member: { value: string }) => member.value)).toEqual([user.id]);
  });

  it('G5: Replace displayName + Add + Remove in one PATCH apply in order (elimity azuread/update_group)', async () => {
    const client = await scim.client();
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => client.createUser(`${name}@g5.example`)));
    const group = await client.createGroup('G5', [a.id]);
    const response = await client.patch(`/Groups/${group.id}`, [
      { op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' },
      { op: 'Add', path: 'members', value: [{ $ref: null, value: b.id }, { $ref: null, value: c.id }] },
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }] },
    ]);
    expectStatus(response, 204);
    const read = await client.get(`/Groups/${group.id}`);
    expect(read.body.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
    expect(await client.memberIds(group.id)).toEqual([c.id]);
  });

  it('G6: members without type, with display or displayName, and an extra "name" key on the operation', async () => {
    const client = await scim.client();
    const user = await client.createUser('g6@example.com');
    const group = await client.createGroup('G6');
    const response = await client.patch(`/Groups/${group.id}`, [
      { name: 'addMember', op: 'add', path: 'members', value: [{ displayName: 'new User', value: user.id }] },
    ]);
    expectStatus(response, 204);
    const read = await client.get(`/Groups/${group.id}`);
    expect(read.body.members).toEqual([{ value: user.id, $ref: expect.stringMatching(new RegExp(`/Users/${user.id}$`)), type: 'User', display: 'new User' }]);
    const okta = await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id, display: 'test.user@okta.local' }] }]);
    expectStatus(okta, 204);
  });

  it('G7: PUT replaces the group, members included', async () => {
    const client = await scim.client();
    const [a, b] = await Promise.all(['a', 'b'].map((name) => client.createUser(`${name}@g7.example`)));
    const group = await client.createGroup('G7', [a.id], { externalId: 'ext-1' });
    const response = await client.put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'putName', members: [{ value: b.id, display: 'B' }] });
    expectStatus(response, 200);
    expect(response.body.displayName).toBe('putName');
    expect(response.body).not.toHaveProperty('externalId');
    expect(response.body.members.map((member: { value: string }) => member.value)).toEqual([b.id]);
    const emptied = await client.put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Tiffany Ortiz' });
    expectStatus(emptied, 200);
    expect(emptied.body.displayName).toBe('Tiffany Ortiz');
    expect(emptied.body.members).toEqual([]);
  });

  it('nested groups are members of their own; their members do not cascade', async () => {
    const client = await scim.client();
    const user = await client.createUser('nested@example.com');
    const inner = await client.createGroup('Inner', [user.id]);
    const outer = await client.createGroup('Outer', [inner.id]);
    const read = await client.get(`/Groups/${outer.id}`);
    expect(read.body.members).toEqual([expect.objectContaining({ value: inner.id, type: 'Group' })]);
    const byMember = await client.get(`/Groups?filter=${encodeURIComponent(`members[value eq "${user.id}"]`)}`);
    expect(byMember.body.Resources.map((group: { id: string }) => group.id)).toEqual([inner.id]);
    expectScimError(await client.patch(`/Groups/${outer.id}`, [{ op: 'add', path: 'members', value: [{ value: outer.id }] }]), 400, 'invalidValue');
  });

  it('G8: a member change on a large group touches rows, not the member list', async () => {
    const client = await scim.client();
    const group = await client.createGroup('Large');
    const tenantId = (await scim.hub.hub.database.read((tx) => tx.first<{ tenant_id: string }>(tx.knex('groups').select('tenant_id').where({ id: group.id }))))!.tenant_id;
    const memberCount = 10_000;
    await scim.hub.hub.database.transaction(async (tx) => {
      const now = Date.now();
      for (let start = 0; start < memberCount; start += 500) {
        const users = Array.from({ length: Math.min(500, memberCount - start) }, (_, index) => {
          const id = `00000000-0000-4000-8000-${String(start + index).padStart(12, '0')}`;
          return { tenant_id: tenantId, id, user_name: `bulk${start + index}`, user_name_norm: `bulk${start + index}`, active: true, raw: JSON.stringify({ userName: `bulk${start + index}` }), version: 1, created_at: now, updated_at: now };
        });
        await tx.run(tx.knex('users').insert(users));
        await tx.run(tx.knex('group_members').insert(users.map((user) => ({ tenant_id: tenantId, group_id: group.id, member_id: user.id, member_type: 'User', created_at: now }))));
      }
    });
    const newcomer = await client.createUser('newcomer@example.com');
    const statements: string[] = [];
    const logger = scim.hub.hub.orm.config.getLogger();
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (context) => {
      statements.push(context.query ?? "");
      original(context);
    };
    scim.hub.hub.orm.config.set('debug', ['query']);
    try {
      expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: newcomer.id }] }]), 204);
      expectStatus(await client.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${newcomer.id}"]` }]), 204);
    } finally {
      scim.hub.hub.orm.config.set('debug', false);
      logger.logQuery = original;
    }
    // The capture itself must have worked, or the next assertion would hold vacuously.
    expect(statements.some((sql) => /insert into [`"]?group_members/i.test(sql))).toBe(true);
    expect(statements.some((sql) => /delete from [`"]?group_members/i.test(sql))).toBe(true);
    const memberReads = statements.filter((sql) => /from [`"]?group_members/i.test(sql) && /select/i.test(sql));
    expect(memberReads).toEqual([]);
    const filtered = await client.get(`/Groups?filter=${encodeURIComponent('displayName eq "Large"')}&excludedAttributes=members`);
    expect(filtered.body.Resources[0]).not.toHaveProperty('members');
    const whole = await client.get(`/Groups/${group.id}`);
    expect(whole.body.members).toHaveLength(memberCount);
  });

  it('DELETE removes the group and its memberships; a second DELETE is 404', async () => {
    const client = await scim.client();
    const user = await client.createUser('del@example.com');
    const group = await client.createGroup('Doomed', [user.id]);
    expectStatus(await client.delete(`/Groups/${group.id}`), 204);
    expectScimError(await client.get(`/Groups/${group.id}`), 404);
    expectScimError(await client.delete(`/Groups/${group.id}`), 404);
    expect((await client.get(`/Users/${user.id}`)).body).not.toHaveProperty('groups');
    await client.createGroup('Doomed');
  });
});
