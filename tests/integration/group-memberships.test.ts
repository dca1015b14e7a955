import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, expectStatus } from '../support/scim-client';
import { createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import { EventWatch, type WatchedEvent } from '../support/event-watch';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';

const MEMBER_FIELDS = 'memberId memberType source member { __typename ... on User { userName } ... on Group { displayName } }';
const GROUP = `query($id: ID!) {
  group(id: $id) {
    memberCount
    members { nodes { userName } }
    memberships { totalCount nodes { ${MEMBER_FIELDS} } }
    users: memberships(filter: { memberType: USER }) { totalCount nodes { memberId } }
    groups: memberships(filter: { memberType: GROUP }) { totalCount nodes { memberId } }
    manual: memberships(filter: { source: MANUAL }) { totalCount nodes { memberId } }
  }
}`;
const RESTRICT = `mutation($on: Boolean!) {
  updateTenantSettings(input: { restrictGroupsToIdp: $on }) {
    settings { restrictGroupsToIdp }
    manualMemberships { totalCount nodes { memberId source group { displayName } member { ... on User { userName } } } }
  }
}`;
const REMOVE = 'mutation($groupId: ID) { removeManualMemberships(input: { groupId: $groupId }) { removed remaining } }';
const ADD = 'mutation($groupId: ID!, $userId: ID!) { addGroupMember(input: { groupId: $groupId, userId: $userId }) { group { id } } }';
const REMOVE_ONE = 'mutation($groupId: ID!, $userId: ID!) { removeGroupMember(input: { groupId: $groupId, userId: $userId }) { group { id } } }';

async function data<T = Record<string, any>>(tenant: GraphqlTestTenant, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await tenant.admin.sendText<T>(query, variables);
  if (response.errors || !response.data) throw new Error(JSON.stringify(response.body));
  return response.data;
}

/** Nested groups over GraphQL, the source of each membership, and removing manual memberships before groups are left to the IdP. */
describe(`group memberships over GraphQL on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20' });
  const watches: EventWatch[] = [];
  afterAll(async () => {
    for (const watch of watches) await watch.close();
  });

  it('lists nested groups as typed members without cascading their users; a filter asks for direct users only', async () => {
    const tenant = await graphql.tenant();
    const [inside, outside] = [await tenant.scim.createUser('inside@example.com'), await tenant.scim.createUser('outside@example.com')];
    const inner = await tenant.scim.createGroup('Inner', [inside.id]);
    const outer = await tenant.scim.createGroup('Outer', [outside.id, inner.id]);

    const { group } = await data(tenant, GROUP, { id: outer.id });
    expect(group.memberCount).toBe(1);
    expect(group.members.nodes).toEqual([{ userName: 'outside@example.com' }]);
    expect(group.memberships.totalCount).toBe(2);
    const byId = Object.fromEntries(group.memberships.nodes.map((node: { memberId: string }) => [node.memberId, node]));
    expect(byId[inner.id]).toEqual({ memberId: inner.id, memberType: 'GROUP', source: 'IDP', member: { __typename: 'Group', displayName: 'Inner' } });
    expect(byId[outside.id]).toEqual({ memberId: outside.id, memberType: 'USER', source: 'IDP', member: { __typename: 'User', userName: 'outside@example.com' } });
    expect(group.users).toEqual({ totalCount: 1, nodes: [{ memberId: outside.id }] });
    expect(group.groups).toEqual({ totalCount: 1, nodes: [{ memberId: inner.id }] });
    expect(group.manual).toEqual({ totalCount: 0, nodes: [] });

    const groupsOfInside = await data(tenant, 'query($id: ID!) { user(id: $id) { groups { nodes { displayName } } } }', { id: inside.id });
    expect(groupsOfInside.user.groups.nodes).toEqual([{ displayName: 'Inner' }]);
  });

  it('marks each membership with its source; restricting groups to the IdP lists the manual ones, and one action removes them', async () => {
    const tenant = await graphql.tenant();
    const events = await EventWatch.start(graphql.hub, tenant);
    watches.push(events);
    const [pushed, handMade, other] = [await tenant.scim.createUser('pushed@example.com'), await tenant.scim.createUser('hand@example.com'), await tenant.scim.createUser('other@example.com')];
    const legal = await tenant.scim.createGroup('legal', [pushed.id]);
    const sales = await tenant.scim.createGroup('sales');
    await data(tenant, ADD, { groupId: legal.id, userId: handMade.id });
    await data(tenant, ADD, { groupId: sales.id, userId: other.id });
    await data(tenant, ADD, { groupId: sales.id, userId: handMade.id });
    const sources = (await data(tenant, GROUP, { id: legal.id })).group.memberships.nodes.map((node: { memberId: string; source: string }) => [node.memberId, node.source]);
    expect(Object.fromEntries(sources)).toEqual({ [pushed.id]: 'IDP', [handMade.id]: 'MANUAL' });

    const restricted = (await data(tenant, RESTRICT, { on: true })).updateTenantSettings;
    expect(restricted.settings.restrictGroupsToIdp).toBe(true);
    expect(restricted.manualMemberships.totalCount).toBe(3);
    expect(restricted.manualMemberships.nodes).toEqual(
      expect.arrayContaining([{ memberId: handMade.id, source: 'MANUAL', group: { displayName: 'legal' }, member: { userName: 'hand@example.com' } }]),
    );
    // Under the restriction, manual edits stay refused; removing what admins made by hand is the one allowed step.
    expect(errorCodes(await tenant.admin.sendText(REMOVE_ONE, { groupId: legal.id, userId: handMade.id }))).toEqual(['GROUPS_MANAGED_BY_IDP']);

    expect((await data(tenant, REMOVE, { groupId: sales.id })).removeManualMemberships).toEqual({ removed: 2, remaining: 0 });
    expect((await data(tenant, 'query { manualMemberships { totalCount nodes { memberId } } }')).manualMemberships).toEqual({ totalCount: 1, nodes: [{ memberId: handMade.id }] });
    expect((await data(tenant, REMOVE, {})).removeManualMemberships).toEqual({ removed: 1, remaining: 0 });
    expect((await data(tenant, 'query { manualMemberships { totalCount } }')).manualMemberships.totalCount).toBe(0);
    expect(await tenant.scim.memberIds(legal.id)).toEqual([pushed.id]);
    expect(await tenant.scim.memberIds(sales.id)).toEqual([]);

    // The IdP resynchronises; its memberships are marked as its own.
    expectStatus(await tenant.scim.patch(`/Groups/${sales.id}`, [{ op: 'add', path: 'members', value: [{ value: handMade.id }] }]), 204);
    expect((await data(tenant, GROUP, { id: sales.id })).group.memberships.nodes).toEqual([expect.objectContaining({ memberId: handMade.id, source: 'IDP' })]);

    const removals = (seen: WatchedEvent[]) => seen.filter((event) => event.type === 'membership.removed').map((event) => [event.resource.id, [...event.data.memberIds].sort()]);
    // The two groups' deliveries may arrive in either order, and the replay streams in: wait for both removals on each.
    const bothRemoved = (seen: WatchedEvent[]) => removals(seen).length >= 2;
    for (const seen of [await events.webhooksUntil(bothRemoved, 'both removals'), await events.subscriptionUntil(bothRemoved, 'both removals')]) {
      expect(removals(seen)).toEqual(expect.arrayContaining([[legal.id, [handMade.id]], [sales.id, [handMade.id, other.id].sort()]]));
    }
    const audit = await data(tenant, 'query { auditEvents(filter: { action: "memberships.manual_removed" }) { nodes { diff } } }');
    expect(audit.auditEvents.nodes).toHaveLength(2);
  });

  it('shows memberships a mapping rule granted as RULE; removing manual memberships leaves them', async () => {
    const tenant = await graphql.tenant();
    const { tenant: stored, connection } = tenant.credentials;
    const preset = createPresetMappingSet('generic', customSchemaUrnFor(stored.slug));
    const assignments = [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'], mode: 'merge' as const }];
    await graphql.hub.hub.services.mapping.publishMappingSet(stored, connection, { ...preset, assignments }, 'test');
    const legal = await tenant.scim.createGroup('legal');
    const counsel = await tenant.scim.createUser('counsel@example.com', { [ENTERPRISE]: { department: 'Legal' } });
    const helper = await tenant.scim.createUser('helper@example.com');
    await data(tenant, ADD, { groupId: legal.id, userId: helper.id });

    const sources = (await data(tenant, GROUP, { id: legal.id })).group.memberships.nodes.map((node: { memberId: string; source: string }) => [node.memberId, node.source]);
    expect(Object.fromEntries(sources)).toEqual({ [counsel.id]: 'RULE', [helper.id]: 'MANUAL' });
    expect((await data(tenant, REMOVE, {})).removeManualMemberships).toEqual({ removed: 1, remaining: 0 });
    expect(await tenant.scim.memberIds(legal.id)).toEqual([counsel.id]);
  });
});
