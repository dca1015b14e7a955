import { readImportRecords } from '../../src/scim/import-file';
import { createDefaultSchemaRegistry } from '../../src/scim/protocol/schema-definitions';
import { buildTenantExtension } from '../../src/scim/protocol/tenant-extension';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  GroupDocument,
  GroupsDocument,
  GroupsWithMembersDocument,
  NodeDocument,
  UserByUserNameDocument,
  UserDocument,
  UserNamesDocument,
  UserRelationsDocument,
  UsersDocument,
  UsersWithGroupPagesDocument,
  ViewerDocument,
  type UserFilter,
  type UserNamesQuery,
  type UserOrder,
} from '../graphql/generated/operations';

/** Reading the directory over GraphQL (issue 5): users, groups, relations, filters, order, pages, node, tenancy. */
describe(`GraphQL queries on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  /** A small org chart provisioned over SCIM: Ada manages Bob and Cy; Bob and Cy are in Engineering; Dee is inactive. */
  async function provisionOrg(tenant: GraphqlTestTenant) {
    const ada = await tenant.scim.createUser('ada@example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: 'ext-ada',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      title: 'CTO',
      userType: 'Employee',
      emails: [
        { value: 'ada.private@example.org', type: 'home' },
        { value: 'Ada@Example.com', type: 'work', primary: true },
      ],
      [ENTERPRISE]: { department: 'Engineering', division: 'R&D', organization: 'Acme', costCenter: 'CC-1', employeeNumber: 'E-001' },
    });
    const bob = await tenant.scim.createUser('bob@example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      displayName: 'bob builder',
      name: { givenName: 'Bob', familyName: 'Builder' },
      emails: [{ value: 'bob@example.com' }],
      [ENTERPRISE]: { department: 'engineering', employeeNumber: 'E-002', manager: { value: ada.id } },
    });
    const cy = await tenant.scim.createUser('cy@example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      name: { givenName: 'Cy', familyName: 'Young' },
      [ENTERPRISE]: { department: 'Sales', manager: { value: ada.id } },
    });
    const dee = await tenant.scim.createUser('dee@example.com', { active: false, displayName: 'Dee Dormant' });
    const engineering = await tenant.scim.createGroup('Engineering', [bob.id, cy.id], { externalId: 'grp-eng' });
    const leads = await tenant.scim.createGroup('Leads', [ada.id, bob.id]);
    const empty = await tenant.scim.createGroup('Empty');
    return { ada, bob, cy, dee, engineering, leads, empty };
  }

  async function userNames(tenant: GraphqlTestTenant, filter: UserFilter, orderBy?: UserOrder): Promise<string[]> {
    const data = await tenant.admin.data(UserNamesDocument, { filter, orderBy, first: 500 });
    return data.users.nodes.map((user) => user.userName);
  }

  it('viewer names the tenant, the scopes and the credential', async () => {
    const tenant = await graphql.tenant();
    const { viewer } = await tenant.admin.data(ViewerDocument);
    expect(viewer.tenant).toMatchObject({ id: tenant.credentials.tenant.id, slug: tenant.credentials.tenant.slug });
    expect(Date.parse(viewer.tenant.createdAt)).not.toBeNaN();
    expect(viewer.scopes).toEqual(['READ', 'ADMIN']);
    expect(viewer.credential).toBe('API_KEY');
    expect(viewer.subject).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('user(id) returns every identity field under the SCIM id, the mapped email and the manager', async () => {
    const tenant = await graphql.tenant();
    const { ada, bob } = await provisionOrg(tenant);
    const { user } = await tenant.admin.data(UserDocument, { id: ada.id });
    expect(user).toEqual({
      id: ada.id,
      userName: 'ada@example.com',
      externalId: 'ext-ada',
      active: true,
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.com',
      department: 'Engineering',
      division: 'R&D',
      organization: 'Acme',
      costCenter: 'CC-1',
      employeeNumber: 'E-001',
      title: 'CTO',
      userType: 'Employee',
      createdAt: ada.meta.created,
      updatedAt: ada.meta.lastModified,
      manager: null,
    });
    const report = await tenant.admin.data(UserDocument, { id: bob.id });
    expect(report.user?.manager).toEqual({ id: ada.id, userName: 'ada@example.com' });
    expect(report.user?.email).toBe('bob@example.com');
  });

  it('user(id) and userByUserName are null for unknown ids and names; userByUserName matches like SCIM', async () => {
    const tenant = await graphql.tenant();
    const { ada } = await provisionOrg(tenant);
    expect((await tenant.admin.data(UserDocument, { id: '00000000-0000-4000-8000-000000000000' })).user).toBeNull();
    expect((await tenant.admin.data(UserDocument, { id: 'not-a-uuid' })).user).toBeNull();
    expect((await tenant.admin.data(UserByUserNameDocument, { userName: ' ADA@example.COM ' })).userByUserName).toEqual({ id: ada.id, userName: 'ada@example.com' });
    expect((await tenant.admin.data(UserByUserNameDocument, { userName: 'nobody@example.com' })).userByUserName).toBeNull();
  });

  it('ids of another tenant resolve to null everywhere, and its users never appear in lists', async () => {
    const mine = await graphql.tenant();
    const theirs = await graphql.tenant();
    const org = await provisionOrg(theirs);
    const { admin } = mine;
    expect((await admin.data(UserDocument, { id: org.ada.id })).user).toBeNull();
    expect((await admin.data(UserByUserNameDocument, { userName: 'ada@example.com' })).userByUserName).toBeNull();
    expect((await admin.data(GroupDocument, { id: org.engineering.id })).group).toBeNull();
    expect((await admin.data(NodeDocument, { id: org.ada.id })).node).toBeNull();
    expect((await admin.data(UsersDocument, {})).users.totalCount).toBe(0);
    expect((await admin.data(GroupsDocument, {})).groups.totalCount).toBe(0);
    expect(await userNames(mine, { groupId: org.engineering.id })).toEqual([]);
  });

  it('users: a Relay connection with totalCount, edges, nodes and pageInfo; oldest first by default', async () => {
    const tenant = await graphql.tenant();
    const org = await provisionOrg(tenant);
    const everyone = (await tenant.admin.data(UsersDocument, {})).users.nodes;
    // Oldest first; users created in the same millisecond are ordered by id.
    const byCreation = [...everyone].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    expect(everyone.map((user) => user.id)).toEqual(byCreation.map((user) => user.id));
    expect(everyone.map((user) => user.id).sort()).toEqual([org.ada.id, org.bob.id, org.cy.id, org.dee.id].sort());
    const order = everyone.map((user) => user.id);
    const { users } = await tenant.admin.data(UsersDocument, { first: 3 });
    expect(users.totalCount).toBe(4);
    expect(users.nodes.map((user) => user.id)).toEqual(order.slice(0, 3));
    expect(users.edges.map((edge) => edge.node.id)).toEqual(order.slice(0, 3));
    expect(users.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: users.edges[0].cursor, endCursor: users.edges[2].cursor });
    const next = await tenant.admin.data(UsersDocument, { first: 3, after: users.pageInfo.endCursor });
    expect(next.users.nodes.map((user) => user.id)).toEqual(order.slice(3));
    expect(next.users.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(next.users.totalCount).toBe(4);
    const after = await tenant.admin.data(UsersDocument, { first: 2, after: users.edges[0].cursor });
    expect(after.users.nodes.map((user) => user.id)).toEqual(order.slice(1, 3));
  });

  it('users: filters on active, group, the indexed identity fields and externalId combine with AND', async () => {
    const tenant = await graphql.tenant();
    await provisionOrg(tenant);
    const byName = (names: string[]) => names.map((name) => `${name}@example.com`);
    expect(await userNames(tenant, { active: false })).toEqual(byName(['dee']));
    expect(await userNames(tenant, { active: true })).toEqual(byName(['ada', 'bob', 'cy']));
    expect(await userNames(tenant, { department: 'ENGINEERING' })).toEqual(byName(['ada', 'bob']));
    expect(await userNames(tenant, { department: 'engineering', employeeNumber: 'e-002' })).toEqual(byName(['bob']));
    expect(await userNames(tenant, { division: 'r&d', organization: 'acme', costCenter: 'cc-1', title: 'cto', userType: 'employee' })).toEqual(byName(['ada']));
    expect(await userNames(tenant, { externalId: 'ext-ada' })).toEqual(byName(['ada']));
    expect(await userNames(tenant, { externalId: 'EXT-ADA' })).toEqual([]);
    expect(await userNames(tenant, { department: 'Marketing' })).toEqual([]);
  });

  it('users: groupId lists direct members, and combines with other conditions', async () => {
    const tenant = await graphql.tenant();
    const { engineering, leads, empty } = await provisionOrg(tenant);
    expect(await userNames(tenant, { groupId: engineering.id })).toEqual(['bob@example.com', 'cy@example.com']);
    expect(await userNames(tenant, { groupId: leads.id, department: 'engineering' })).toEqual(['ada@example.com', 'bob@example.com']);
    expect(await userNames(tenant, { groupId: empty.id })).toEqual([]);
    expect(await userNames(tenant, { groupId: 'no-such-group' })).toEqual([]);
  });

  it('users: search needs every word to start the userName, a mapped name or the mapped email, case-insensitively', async () => {
    const tenant = await graphql.tenant();
    await provisionOrg(tenant);
    expect(await userNames(tenant, { search: 'LOVELACE' })).toEqual(['ada@example.com']);
    expect(await userNames(tenant, { search: 'lovel' })).toEqual(['ada@example.com']);
    // A prefix, not a substring: the search reads index ranges, never every user.
    expect(await userNames(tenant, { search: 'ovelace' })).toEqual([]);
    expect(await userNames(tenant, { search: 'example.com' })).toEqual([]);
    expect(await userNames(tenant, { search: 'b' })).toEqual(['bob@example.com']);
    expect(await userNames(tenant, { search: 'ＡＤＡ' })).toEqual(['ada@example.com']);
    // The preset maps the email from userName: a second address the IdP sent is not the user's email.
    expect(await userNames(tenant, { search: 'ada.private' })).toEqual([]);
    expect(await userNames(tenant, { search: 'ada@example' })).toEqual(['ada@example.com']);
    expect(await userNames(tenant, { search: 'bob build' })).toEqual(['bob@example.com']);
    expect(await userNames(tenant, { search: 'young cy' })).toEqual(['cy@example.com']);
    expect(await userNames(tenant, { search: 'bob young' })).toEqual([]);
    expect(await userNames(tenant, { search: 'dormant', active: true })).toEqual([]);
    expect(await userNames(tenant, { search: '100%_' })).toEqual([]);
    expect(await userNames(tenant, { search: '   ' })).toHaveLength(4);
  });

  it('users: search with a word every user starts with, alone (checked per user) or beside a narrow word (which lists the candidates)', async () => {
    const tenant = await graphql.tenant();
    const services = graphql.hub.hub.services;
    const target = await services.bulkImport.resolveTarget(tenant.credentials.tenant.slug);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(await services.mapping.activeSchema(target.tenant.id))]);
    // 700 users: "member" starts 2,100 index entries (userName, givenName, email), past the 2,000 that still narrow a list.
    async function* lines() {
      for (let index = 0; index < 700; index += 1) yield JSON.stringify({ schemas: [USER_SCHEMA], userName: `member${index}@example.com`, name: { givenName: 'Member', familyName: `F${index}` } });
    }
    await services.bulkImport.import(target, readImportRecords(lines(), registry), { context: { actor: { type: 'system', id: 'test' } }, source: 'test.ndjson' });
    const count = async (search: string) => (await tenant.admin.data(UsersDocument, { filter: { search }, orderBy: { field: 'USER_NAME', direction: 'ASC' }, first: 3 })).users;
    const everyone = await count('MEMBER');
    expect(everyone.totalCount).toBe(700);
    expect(everyone.edges.map((edge) => edge.node.userName)).toEqual(['member0@example.com', 'member100@example.com', 'member101@example.com']);
    const narrowed = await count('member f12');
    expect(narrowed.totalCount).toBe(11);
    expect(narrowed.edges.map((edge) => edge.node.userName)).toEqual(['member120@example.com', 'member121@example.com', 'member122@example.com']);
    expect((await count('member1 member')).totalCount).toBe(111);
    expect((await count('member nobody')).totalCount).toBe(0);
  });

  it('users: orderBy sorts text case-insensitively with empty values last, in both directions, and pages in that order', async () => {
    const tenant = await graphql.tenant();
    await provisionOrg(tenant);
    // Sorted by the mapped displayName: the preset makes Cy's from the names ("Cy Young").
    expect(await userNames(tenant, {}, { field: 'DISPLAY_NAME', direction: 'ASC' })).toEqual(['ada@example.com', 'bob@example.com', 'cy@example.com', 'dee@example.com']);
    expect(await userNames(tenant, {}, { field: 'DISPLAY_NAME', direction: 'DESC' })).toEqual(['dee@example.com', 'cy@example.com', 'bob@example.com', 'ada@example.com']);
    expect(await userNames(tenant, {}, { field: 'USER_NAME', direction: 'DESC' })).toEqual(['dee@example.com', 'cy@example.com', 'bob@example.com', 'ada@example.com']);
    expect(await userNames(tenant, {}, { field: 'FAMILY_NAME', direction: 'ASC' })).toEqual(['bob@example.com', 'ada@example.com', 'cy@example.com', 'dee@example.com']);
    // Walk the department order one user per page: two with "engineering" (a tie broken by id), then Sales, then none.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: UserNamesQuery = await tenant.admin.data(UserNamesDocument, {
        orderBy: { field: 'DEPARTMENT', direction: 'ASC' },
        first: 1,
        after,
      });
      walked.push(...page.users.nodes.map((user) => user.userName));
      after = page.users.pageInfo.hasNextPage ? page.users.pageInfo.endCursor : null;
    } while (after);
    expect(walked.slice(2)).toEqual(['cy@example.com', 'dee@example.com']);
    expect([...walked.slice(0, 2)].sort()).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('users: a cursor of another order or a forged cursor is INVALID_INPUT; a negative first too', async () => {
    const tenant = await graphql.tenant();
    await provisionOrg(tenant);
    const byName = await tenant.admin.data(UserNamesDocument, { orderBy: { field: 'USER_NAME', direction: 'ASC' }, first: 1 });
    const cursor = byName.users.pageInfo.endCursor;
    const mixed = await tenant.admin.send(UserNamesDocument, { orderBy: { field: 'CREATED_AT', direction: 'ASC' }, first: 1, after: cursor });
    expect(errorCodes(mixed)).toEqual(['INVALID_INPUT']);
    const forged = Buffer.from(JSON.stringify(['users/userName/asc', 'x', 42])).toString('base64url');
    expect(errorCodes(await tenant.admin.send(UserNamesDocument, { orderBy: { field: 'USER_NAME', direction: 'ASC' }, after: forged }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(UserNamesDocument, { after: 'not base64 json' }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(UserNamesDocument, { first: -1 }))).toEqual(['INVALID_INPUT']);
  });

  it('user relations: directReports by userName and groups by displayName, each paginated with totalCount', async () => {
    const tenant = await graphql.tenant();
    const { ada, bob, dee } = await provisionOrg(tenant);
    const first = await tenant.admin.data(UserRelationsDocument, { id: ada.id, first: 1 });
    expect(first.user?.directReports.totalCount).toBe(2);
    expect(first.user?.directReports.edges.map((edge) => edge.node.userName)).toEqual(['bob@example.com']);
    expect(first.user?.directReports.pageInfo.hasNextPage).toBe(true);
    const second = await tenant.admin.data(UserRelationsDocument, { id: ada.id, first: 1, reportsAfter: first.user?.directReports.pageInfo.endCursor });
    expect(second.user?.directReports.edges.map((edge) => edge.node.userName)).toEqual(['cy@example.com']);
    expect(second.user?.directReports.pageInfo.hasNextPage).toBe(false);
    expect(first.user?.groups).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false }, nodes: [{ displayName: 'Leads' }] });
    const bobs = await tenant.admin.data(UserRelationsDocument, { id: bob.id, first: 10 });
    expect(bobs.user?.groups.nodes.map((group) => group.displayName)).toEqual(['Engineering', 'Leads']);
    expect(bobs.user?.directReports).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const dees = await tenant.admin.data(UserRelationsDocument, { id: dee.id });
    expect(dees.user?.groups).toMatchObject({ totalCount: 0, nodes: [] });
  });

  it('group(id): fields, memberCount and members paginated by id; nested groups are not user members', async () => {
    const tenant = await graphql.tenant();
    const { ada, bob, cy, engineering, leads } = await provisionOrg(tenant);
    const parent = await tenant.scim.createGroup('Parent', [leads.id, cy.id]);
    const { group } = await tenant.admin.data(GroupDocument, { id: engineering.id, first: 1 });
    expect(group).toMatchObject({ id: engineering.id, displayName: 'Engineering', externalId: 'grp-eng', memberCount: 2, createdAt: engineering.meta.created });
    expect(group?.members.totalCount).toBe(2);
    const ids = [bob.id, cy.id].sort();
    expect(group?.members.nodes.map((user) => user.id)).toEqual([ids[0]]);
    expect(group?.members.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = await tenant.admin.data(GroupDocument, { id: engineering.id, first: 1, after: group?.members.pageInfo.endCursor });
    expect(rest.group?.members.nodes.map((user) => user.id)).toEqual([ids[1]]);
    expect(rest.group?.members.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const nested = await tenant.admin.data(GroupDocument, { id: parent.id });
    expect(nested.group?.memberCount).toBe(1);
    expect(nested.group?.members.nodes.map((user) => user.id)).toEqual([cy.id]);
    expect((await tenant.admin.data(GroupDocument, { id: ada.id })).group).toBeNull();
  });

  it('per-parent pages: more rows than a page per parent are numbered per parent; big parents walk page by page', async () => {
    const tenant = await graphql.tenant();
    const { ada, bob, cy, dee } = await provisionOrg(tenant);
    const byId = (users: Record<string, any>[]) => [...users].sort((left, right) => (left.id < right.id ? -1 : 1)).map((user) => user.userName as string);
    const teams: Record<string, any>[] = [];
    for (const name of ['Team 1', 'Team 2', 'Team 3', 'Team 4', 'Team 5']) teams.push(await tenant.scim.createGroup(name, [ada.id, bob.id, cy.id, dee.id]));
    // 8 groups, 24 memberships: more than a page of one per group (16), so the rows are numbered per group
    // (a read cut at 16 rows would leave the last groups with none).
    const pages = await tenant.admin.data(GroupsWithMembersDocument, { first: 10, members: 1 });
    const everyoneFirst = byId([ada, bob, cy, dee]).slice(0, 1);
    expect(Object.fromEntries(pages.groups.nodes.map((group) => [group.displayName, group.members.nodes.map((member) => member.userName)]))).toEqual({
      Empty: [],
      Engineering: byId([bob, cy]).slice(0, 1),
      Leads: byId([ada, bob]).slice(0, 1),
      'Team 1': everyoneFirst,
      'Team 2': everyoneFirst,
      'Team 3': everyoneFirst,
      'Team 4': everyoneFirst,
      'Team 5': everyoneFirst,
    });
    const walked: string[] = [];
    let after: string | null | undefined;
    for (let hasNextPage = true; hasNextPage; ) {
      const members = (await tenant.admin.data(GroupDocument, { id: teams[0].id, first: 1, after })).group?.members;
      walked.push(...(members?.nodes.map((member) => member.userName) ?? []));
      hasNextPage = members?.pageInfo.hasNextPage ?? false;
      after = members?.pageInfo.endCursor;
    }
    expect(walked).toEqual(byId([ada, bob, cy, dee]));
    // A user's groups: read at once while they fit a page per user (bob's 7 with first: 10), numbered when
    // they do not (24 memberships of 4 users, first: 1: a read cut at 8 rows would leave the last users with none).
    const firstGroups = await tenant.admin.data(UsersWithGroupPagesDocument, { first: 10, groups: 1 });
    expect(Object.fromEntries(firstGroups.users.nodes.map((user) => [user.userName, [user.groups.nodes.map((group) => group.displayName), user.groups.pageInfo.hasNextPage]]))).toEqual({
      'ada@example.com': [['Leads'], true],
      'bob@example.com': [['Engineering'], true],
      'cy@example.com': [['Engineering'], true],
      'dee@example.com': [['Team 1'], true],
    });
    const groupsWalked: string[] = [];
    let groupsAfter: string | null | undefined;
    for (let hasNextPage = true; hasNextPage; ) {
      const groups = (await tenant.admin.data(UserRelationsDocument, { id: ada.id, first: 1, groupsAfter })).user?.groups;
      groupsWalked.push(...(groups?.nodes.map((group) => group.displayName) ?? []));
      hasNextPage = groups?.pageInfo.hasNextPage ?? false;
      groupsAfter = groups?.pageInfo.endCursor;
    }
    expect(groupsWalked).toEqual(['Leads', 'Team 1', 'Team 2', 'Team 3', 'Team 4', 'Team 5']);
    const bobs = await tenant.admin.data(UserRelationsDocument, { id: bob.id, first: 10 });
    expect(bobs.user?.groups.nodes.map((group) => group.displayName)).toEqual(['Engineering', 'Leads', 'Team 1', 'Team 2', 'Team 3', 'Team 4', 'Team 5']);
  });

  it('groups: by displayName, filtered by displayName, externalId or search, paginated', async () => {
    const tenant = await graphql.tenant();
    const { engineering } = await provisionOrg(tenant);
    const all = await tenant.admin.data(GroupsDocument, {});
    expect(all.groups.totalCount).toBe(3);
    expect(all.groups.nodes.map((group) => [group.displayName, group.memberCount])).toEqual([
      ['Empty', 0],
      ['Engineering', 2],
      ['Leads', 2],
    ]);
    const page = await tenant.admin.data(GroupsDocument, { first: 2 });
    expect(page.groups.pageInfo.hasNextPage).toBe(true);
    const last = await tenant.admin.data(GroupsDocument, { first: 2, after: page.groups.pageInfo.endCursor });
    expect(last.groups.nodes.map((group) => group.displayName)).toEqual(['Leads']);
    expect((await tenant.admin.data(GroupsDocument, { filter: { displayName: 'ENGINEERING' } })).groups.nodes.map((group) => group.id)).toEqual([engineering.id]);
    expect((await tenant.admin.data(GroupsDocument, { filter: { externalId: 'grp-eng' } })).groups.totalCount).toBe(1);
    expect((await tenant.admin.data(GroupsDocument, { filter: { search: 'e' } })).groups.totalCount).toBe(3);
    expect((await tenant.admin.data(GroupsDocument, { filter: { search: 'lea' } })).groups.nodes.map((group) => group.displayName)).toEqual(['Leads']);
  });

  it('node(id) refetches users and groups by their SCIM ids and tells them apart by __typename', async () => {
    const tenant = await graphql.tenant();
    const { ada, engineering } = await provisionOrg(tenant);
    expect((await tenant.admin.data(NodeDocument, { id: ada.id })).node).toEqual({ __typename: 'User', id: ada.id, userName: 'ada@example.com' });
    expect((await tenant.admin.data(NodeDocument, { id: engineering.id })).node).toEqual({ __typename: 'Group', id: engineering.id, displayName: 'Engineering' });
    expect((await tenant.admin.data(NodeDocument, { id: '00000000-0000-4000-8000-000000000000' })).node).toBeNull();
  });

  it('reads follow SCIM changes: a deprovisioned user and a removed membership disappear', async () => {
    const tenant = await graphql.tenant();
    const { bob, cy, engineering } = await provisionOrg(tenant);
    await tenant.scim.delete(`/Users/${bob.id}`);
    await tenant.scim.patch(`/Groups/${engineering.id}`, [{ op: 'remove', path: `members[value eq "${cy.id}"]` }]);
    expect((await tenant.admin.data(UserDocument, { id: bob.id })).user).toBeNull();
    const { group } = await tenant.admin.data(GroupDocument, { id: engineering.id });
    expect(group).toMatchObject({ memberCount: 0, members: { totalCount: 0, nodes: [] } });
  });
});
