import { testDatabaseKind } from '../support/test-app';
import { expectStatus, GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { customSchemaUrnFor } from '../../src/domain/mapping/presets';
import {
  AddGroupMemberDocument,
  CreateGroupDocument,
  DeleteGroupDocument,
  ReviewOptionValueDocument,
  SetGroupMembersDocument,
  UpdateAllTenantSettingsDocument,
  UpdateGroupDocument,
  UpdateUserDocument,
} from '../graphql/generated/operations';

/** Issue 7 over GraphQL: manual group edits, marked manual in their transaction, refused while groups are the IdP's. */
describe(`GraphQL manual group edits on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function sources(tenant: GraphqlTestTenant, groupId: string): Promise<Record<string, string>> {
    const rows = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ member_id: string; source: string }>(tx.knex('group_members').select('member_id', 'source').where({ tenant_id: tenant.credentials.tenant.id, group_id: groupId })),
    );
    return Object.fromEntries(rows.map((row) => [row.member_id, row.source]));
  }

  async function auditRows(tenant: GraphqlTestTenant): Promise<{ action: string; actor_type: string; diff: any }[]> {
    const rows = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ action: string; actor_type: string; diff: unknown }>(
        tx.knex('audit_events').select('action', 'actor_type', 'diff').where({ tenant_id: tenant.credentials.tenant.id }).where((query) => query.where('action', 'like', 'group.%').orWhere('action', 'like', 'membership.%')).orderBy('id'),
      ),
    );
    return rows.map((row) => ({ ...row, diff: typeof row.diff === 'string' ? JSON.parse(row.diff) : row.diff }));
  }

  it('createGroup makes a MANUAL group with manual memberships, audited as the admin, visible over SCIM and as an event', async () => {
    const tenant = await graphql.tenant();
    const ada = await tenant.scim.createUser('ada@example.com');
    const { createGroup } = await tenant.admin.data(CreateGroupDocument, { input: { displayName: ' Project X ', externalId: 'px-1', memberIds: [ada.id, ada.id] } });
    expect(createGroup.group).toMatchObject({ displayName: 'Project X', externalId: 'px-1', managedBy: 'MANUAL', memberCount: 1, members: { nodes: [{ id: ada.id }] } });
    expect(await sources(tenant, createGroup.group.id)).toEqual({ [ada.id]: 'manual' });
    const scim = await tenant.scim.get(`/Groups/${createGroup.group.id}`);
    expectStatus(scim, 200);
    expect(scim.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Project X', externalId: 'px-1', members: [{ value: ada.id }] });
    expect((await auditRows(tenant)).map((row) => [row.action, row.actor_type])).toEqual([
      ['group.created', 'apiKey'],
      ['membership.added', 'apiKey'],
    ]);
    const events = await graphql.hub.hub.database.read((tx) => tx.all<{ type: string }>(tx.knex('outbox_events').select('type').where({ resource_id: createGroup.group.id }).orderBy('id')));
    expect(events.map((event) => event.type)).toEqual(['group.created', 'membership.added']);

    expect(errorCodes(await tenant.admin.send(CreateGroupDocument, { input: { displayName: 'project x' } }))).toEqual(['CONFLICT']);
    expect(errorCodes(await tenant.admin.send(CreateGroupDocument, { input: { displayName: '  ' } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(CreateGroupDocument, { input: { displayName: 'Y', memberIds: ['00000000-0000-4000-8000-000000000000'] } }))).toEqual(['INVALID_INPUT']);
  });

  it('setGroupMembers writes only the difference: staying IdP memberships keep their source, new ones are manual; the audit names both sides', async () => {
    const tenant = await graphql.tenant();
    const [ada, bob, carol] = [await tenant.scim.createUser('ada@example.com'), await tenant.scim.createUser('bob@example.com'), await tenant.scim.createUser('carol@example.com')];
    const group = await tenant.scim.createGroup('Engineering', [bob.id, carol.id]);
    const { setGroupMembers } = await tenant.admin.data(SetGroupMembersDocument, { input: { groupId: group.id, memberIds: [ada.id, bob.id] } });
    expect(setGroupMembers.group.members.nodes.map((member) => member.id).sort()).toEqual([ada.id, bob.id].sort());
    expect(setGroupMembers.group.managedBy).toBe('IDP');
    expect(await sources(tenant, group.id)).toEqual({ [ada.id]: 'manual', [bob.id]: 'idp' });
    const manualRows = async () => (await auditRows(tenant)).filter((row) => row.actor_type === 'apiKey');
    expect(await manualRows()).toEqual([
      { action: 'membership.removed', actor_type: 'apiKey', diff: { details: { memberIds: [carol.id], count: 1 } } },
      { action: 'membership.added', actor_type: 'apiKey', diff: { details: { memberIds: [ada.id], count: 1 } } },
    ]);
    // Setting the same members again changes nothing and audits nothing.
    await tenant.admin.data(SetGroupMembersDocument, { input: { groupId: group.id, memberIds: [bob.id, ada.id] } });
    expect(await manualRows()).toHaveLength(2);
  });

  it("the IdP's next push wins: a PUT replaces manual memberships and names, and a manual member the IdP adds stays a member", async () => {
    const tenant = await graphql.tenant();
    const [ada, bob] = [await tenant.scim.createUser('ada@example.com'), await tenant.scim.createUser('bob@example.com')];
    const group = await tenant.scim.createGroup('Team', [bob.id]);
    await tenant.admin.data(AddGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } });
    await tenant.admin.data(UpdateGroupDocument, { input: { id: group.id, displayName: 'Renamed by hand' } });
    expectStatus(await tenant.scim.put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: bob.id }] }), 200);
    expect(await sources(tenant, group.id)).toEqual({ [bob.id]: 'idp' });
    expect((await tenant.scim.get(`/Groups/${group.id}`)).body.displayName).toBe('Team');

    await tenant.admin.data(AddGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } });
    expectStatus(await tenant.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ada.id }] }]), 204);
    expect(await tenant.scim.memberIds(group.id)).toEqual([ada.id, bob.id].sort());
    // An add of a membership that exists changes nothing, its mark included.
    expect(await sources(tenant, group.id)).toEqual({ [ada.id]: 'manual', [bob.id]: 'idp' });
    expectStatus(await tenant.scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${ada.id}"]` }]), 204);
    expect(await sources(tenant, group.id)).toEqual({ [bob.id]: 'idp' });
  });

  it('updateGroup renames and sets or clears externalId; deleteGroup deletes; foreign ids are NOT_FOUND', async () => {
    const tenant = await graphql.tenant();
    const other = await graphql.tenant();
    const group = await tenant.scim.createGroup('Old', [], { externalId: 'ext-1' });
    const kept = await tenant.admin.data(UpdateGroupDocument, { input: { id: group.id, displayName: 'New' } });
    expect(kept.updateGroup.group).toMatchObject({ displayName: 'New', externalId: 'ext-1' });
    const cleared = await tenant.admin.data(UpdateGroupDocument, { input: { id: group.id, displayName: 'New', externalId: null } });
    expect(cleared.updateGroup.group.externalId).toBeNull();
    expect((await tenant.scim.get(`/Groups/${group.id}`)).body.externalId).toBeUndefined();
    expect(errorCodes(await other.admin.send(UpdateGroupDocument, { input: { id: group.id, displayName: 'Mine' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await other.admin.send(DeleteGroupDocument, { input: { id: group.id } }))).toEqual(['NOT_FOUND']);
    expect((await tenant.admin.data(DeleteGroupDocument, { input: { id: group.id } })).deleteGroup.id).toBe(group.id);
    expectStatus(await tenant.scim.get(`/Groups/${group.id}`), 404);
    expect((await auditRows(tenant)).map((row) => [row.action, row.actor_type]).slice(-3)).toEqual([
      ['group.updated', 'apiKey'],
      ['group.updated', 'apiKey'],
      ['group.deleted', 'apiKey'],
    ]);
  });

  it('with restrictGroupsToIdp on, every manual group edit is GROUPS_MANAGED_BY_IDP and changes nothing; SCIM still works', async () => {
    const tenant = await graphql.tenant();
    const ada = await tenant.scim.createUser('ada@example.com');
    const group = await tenant.scim.createGroup('Team');
    await tenant.admin.data(UpdateAllTenantSettingsDocument, { input: { restrictGroupsToIdp: true } });
    const before = await auditRows(tenant);
    expect(errorCodes(await tenant.admin.send(CreateGroupDocument, { input: { displayName: 'Sneaky' } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    expect(errorCodes(await tenant.admin.send(UpdateGroupDocument, { input: { id: group.id, displayName: 'Sneaky' } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    expect(errorCodes(await tenant.admin.send(SetGroupMembersDocument, { input: { groupId: group.id, memberIds: [ada.id] } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    expect(errorCodes(await tenant.admin.send(DeleteGroupDocument, { input: { id: group.id } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    expect(await auditRows(tenant)).toEqual(before);
    const listed = await tenant.scim.get('/Groups');
    expect(listed.body.Resources.map((resource: { displayName: string }) => resource.displayName)).toEqual(['Team']);
    expect(await tenant.scim.memberIds(group.id)).toEqual([]);
    expectStatus(await tenant.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ada.id }] }]), 204);
  });

  it('reviewOptionValue writes an audit row with the reviewer', async () => {
    const tenant = await graphql.tenant();
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    await tenant.scim.createUser('eu@example.com', { schemas: [USER_SCHEMA, urn], [urn]: { region: 'Nordics' } });
    await tenant.admin.data(ReviewOptionValueDocument, { input: { list: 'region', value: 'nordics', approve: true } });
    const rows = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ actor_type: string; target_id: string }>(
        tx.knex('audit_events').select('actor_type', 'target_id').where({ tenant_id: tenant.credentials.tenant.id, action: 'option_value.reviewed' }),
      ),
    );
    expect(rows).toEqual([{ actor_type: 'apiKey', target_id: 'region:nordics' }]);
  });

  it('updateUser sets and removes displayName and title by hand, audited as the admin; the IdP overwrites them on its next PUT', async () => {
    const tenant = await graphql.tenant();
    const ada = await tenant.scim.createUser('ada@example.com', { displayName: 'Ada', title: 'Engineer' });
    const { updateUser } = await tenant.admin.data(UpdateUserDocument, { input: { id: ada.id, displayName: ' Ada L. ' } });
    expect(updateUser.user).toEqual({ id: ada.id, userName: 'ada@example.com', displayName: 'Ada L.', title: 'Engineer' });
    const cleared = await tenant.admin.data(UpdateUserDocument, { input: { id: ada.id, title: null } });
    expect(cleared.updateUser.user).toMatchObject({ displayName: 'Ada L.', title: null });
    expect((await tenant.scim.get(`/Users/${ada.id}`)).body).toMatchObject({ displayName: 'Ada L.', userName: 'ada@example.com' });
    const rows = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ actor_type: string; diff: unknown }>(tx.knex('audit_events').select('actor_type', 'diff').where({ tenant_id: tenant.credentials.tenant.id, action: 'user.updated' }).orderBy('id')),
    );
    expect(rows.map((row) => [row.actor_type, typeof row.diff === 'string' ? JSON.parse(row.diff) : row.diff])).toEqual([
      ['apiKey', { before: { displayName: 'Ada' }, after: { displayName: 'Ada L.' } }],
      ['apiKey', { before: { title: 'Engineer' }, after: { title: null } }],
    ]);
    expectStatus(await tenant.scim.put(`/Users/${ada.id}`, { schemas: [USER_SCHEMA], userName: 'ada@example.com', displayName: 'Ada', title: 'Engineer' }), 200);
    expect((await tenant.scim.get(`/Users/${ada.id}`)).body).toMatchObject({ displayName: 'Ada', title: 'Engineer' });
    expect(errorCodes(await tenant.admin.send(UpdateUserDocument, { input: { id: '00000000-0000-4000-8000-000000000000', title: 'x' } }))).toEqual(['NOT_FOUND']);
  });
});
