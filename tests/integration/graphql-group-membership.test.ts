import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { AddGroupMemberDocument, CreateApiKeyDocument, GroupDocument, RemoveGroupMemberDocument } from '../graphql/generated/operations';

/** Issue 7 over GraphQL: manual membership edits, marked manual, refused while the tenant restricts groups to its IdP. */
describe(`GraphQL manual group membership on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function sourceOf(tenantId: string, groupId: string, memberId: string): Promise<string | undefined> {
    const row = await graphql.hub.hub.database.read((tx) => tx.first<{ source: string }>(tx.knex('group_members').where({ tenant_id: tenantId, group_id: groupId, member_id: memberId })));
    return row?.source;
  }

  it('addGroupMember adds a user marked manual; a membership from the IdP keeps its source; removeGroupMember removes', async () => {
    const tenant = await graphql.tenant();
    const tenantId = tenant.credentials.tenant.id;
    const ada = await tenant.scim.createUser('ada@example.com');
    const bob = await tenant.scim.createUser('bob@example.com');
    const group = await tenant.scim.createGroup('Engineering', [bob.id]);
    const added = await tenant.admin.data(AddGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } });
    expect(added.addGroupMember.group).toEqual({ id: group.id, memberCount: 2 });
    expect(await sourceOf(tenantId, group.id, ada.id)).toBe('manual');
    await tenant.admin.data(AddGroupMemberDocument, { input: { groupId: group.id, userId: bob.id } });
    expect(await sourceOf(tenantId, group.id, bob.id)).toBe('idp');
    // The edit went through GroupService: the SCIM view and version follow it.
    const scimGroup = await tenant.scim.get(`/Groups/${group.id}`);
    expect(scimGroup.body.members.map((member: { value: string }) => member.value).sort()).toEqual([ada.id, bob.id].sort());
    expect(scimGroup.body.meta.version).not.toBe(group.meta.version);

    const removed = await tenant.admin.data(RemoveGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } });
    expect(removed.removeGroupMember.group.memberCount).toBe(1);
    expect(await sourceOf(tenantId, group.id, ada.id)).toBeUndefined();
  });

  it('unknown or foreign groups and users are NOT_FOUND; a read key is FORBIDDEN', async () => {
    const tenant = await graphql.tenant();
    const other = await graphql.tenant();
    const ada = await tenant.scim.createUser('ada@example.com');
    const group = await tenant.scim.createGroup('Team');
    const stranger = await other.scim.createUser('stranger@example.com');
    const foreignGroup = await other.scim.createGroup('Theirs');
    expect(errorCodes(await tenant.admin.send(AddGroupMemberDocument, { input: { groupId: group.id, userId: stranger.id } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await tenant.admin.send(AddGroupMemberDocument, { input: { groupId: foreignGroup.id, userId: ada.id } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await tenant.admin.send(RemoveGroupMemberDocument, { input: { groupId: foreignGroup.id, userId: ada.id } }))).toEqual(['NOT_FOUND']);
    const key = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    expect(errorCodes(await tenant.client(key.createApiKey.secret).send(AddGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } }))).toEqual(['FORBIDDEN']);
    expect((await other.admin.data(GroupDocument, { id: foreignGroup.id })).group?.memberCount).toBe(0);
  });

  it('with restrictGroupsToIdp on, both mutations are GROUPS_MANAGED_BY_IDP and change nothing', async () => {
    const tenant = await graphql.tenant();
    const ada = await tenant.scim.createUser('ada@example.com');
    const bob = await tenant.scim.createUser('bob@example.com');
    const group = await tenant.scim.createGroup('Team', [bob.id]);
    await graphql.hub.hub.services.tenants.updateSettings(tenant.credentials.tenant.slug, { restrictGroupsToIdp: true });
    expect(errorCodes(await tenant.admin.send(AddGroupMemberDocument, { input: { groupId: group.id, userId: ada.id } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    expect(errorCodes(await tenant.admin.send(RemoveGroupMemberDocument, { input: { groupId: group.id, userId: bob.id } }))).toEqual(['GROUPS_MANAGED_BY_IDP']);
    const { group: unchanged } = await tenant.admin.data(GroupDocument, { id: group.id });
    expect(unchanged?.members.nodes.map((member) => member.id)).toEqual([bob.id]);
  });
});
