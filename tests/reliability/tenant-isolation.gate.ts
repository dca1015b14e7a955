import type { Response } from 'supertest';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, expectStatus, GROUP_SCHEMA, SCIM, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, GRAPHQL, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { inParallel, recordFigure, sized } from './support/gate';

interface Directory {
  readonly users: { id: string; userName: string }[];
  readonly groups: { id: string; displayName: string }[];
}

/** What one id of the other tenant is asked, on every GraphQL entry point that takes an id. */
const BY_ID = `query($id: ID!, $text: String!, $name: String!) {
  user(id: $id) { id }
  group(id: $id) { id }
  node(id: $id) { id }
  userByUserName(userName: $name) { id }
  users(filter: { groupId: $id }, first: 500) { totalCount nodes { id } }
  auditEvents(filter: { targetId: $text }) { nodes { action } }
  provisioningLog(filter: { resourceId: $text }) { nodes { status } } # A's own refused attempts only
}`;
const CONNECTIONS = `{
  users(first: 500) { totalCount nodes { id manager { id } groups(first: 50) { nodes { id } } } }
  groups(first: 100) { nodes { id members(first: 200) { nodes { id } } } }
}`;

/** Issue 8, Tenant isolation: tenant A's credentials against every id of tenant B. */
describe(`Tenant isolation on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ AUTH_FAILURES_PER_MINUTE: '100000' });

  async function provision(tenant: GraphqlTestTenant, prefix: string, userCount: number, groupCount: number): Promise<Directory> {
    const users = await inParallel(Array.from({ length: userCount }, (_, index) => index), 8, async (index) =>
      tenant.scim.createUser(`${prefix}${index}@example.com`, { schemas: [USER_SCHEMA, ENTERPRISE], displayName: `${prefix} ${index}`, [ENTERPRISE]: { department: 'Shared' } }),
    );
    const groups = await inParallel(Array.from({ length: groupCount }, (_, index) => index), 8, async (index) =>
      tenant.scim.createGroup(`${prefix} group ${index}`, users.filter((_, userIndex) => userIndex % groupCount === index).map((user) => user.id)),
    );
    return { users: users.map((user) => ({ id: user.id, userName: user.userName })), groups: groups.map((group) => ({ id: group.id, displayName: group.displayName })) };
  }

  /** Every row of every tenant-scoped table that belongs to `tenantId`, as text. */
  async function storedRows(tenantId: string): Promise<string> {
    const { database } = graphql.hub.hub;
    // Both are written in the background: settle them before reading.
    await graphql.hub.hub.services.provisioningLog.flush();
    await graphql.hub.hub.services.recentRequests.flush();
    return database.read(async (tx) => {
      const tables =
        database.dialect === 'sqlite'
          ? (await tx.all<{ name: string }>(tx.knex.raw("select m.name from sqlite_master m join pragma_table_info(m.name) c on c.name = 'tenant_id' where m.type = 'table' order by m.name")))
          : (await tx.all<{ name: string }>(tx.knex.raw("select table_name as name from information_schema.columns where column_name = 'tenant_id' and table_schema = current_schema() order by table_name")));
      const dump: string[] = [];
      for (const { name } of tables) {
        const rows = await tx.all<Record<string, unknown>>(tx.knex(name).where({ tenant_id: tenantId }));
        dump.push(`${name}: ${rows.map((row) => JSON.stringify(row)).sort().join('\n')}`);
      }
      return dump.join('\n');
    });
  }

  it("every id of tenant B through tenant A's credentials, on every SCIM verb and GraphQL entry point: 0 succeed, B unchanged byte for byte", async () => {
    const userCount = sized(40, 200);
    const groupCount = sized(10, 50);
    const a = await graphql.tenant();
    const b = await graphql.tenant();
    const own = await provision(a, 'a', userCount, groupCount);
    const other = await provision(b, 'b', userCount, groupCount);
    const aGroup = own.groups[0].id;
    const aUser = own.users[0].id;
    const before = await storedRows(b.credentials.tenant.id);
    const leaks: string[] = [];
    let attempts = 0;
    const refuse = (what: string, response: Response, statuses: number[]) => {
      attempts += 1;
      if (!statuses.includes(response.status)) leaks.push(`${what}: HTTP ${response.status} ${response.text.slice(0, 200)}`);
    };

    const ids = [...other.users.map((user) => ({ ...user, kind: 'Users' })), ...other.groups.map((group) => ({ ...group, userName: group.displayName, kind: 'Groups' }))];
    await inParallel(ids, 4, async ({ id, userName, kind }) => {
      for (const collection of ['Users', 'Groups']) {
        refuse(`GET ${collection}/${id}`, await a.scim.get(`/${collection}/${id}`), [404]);
        const body = collection === 'Users' ? { schemas: [USER_SCHEMA], userName: 'taken-over@example.com' } : { schemas: [GROUP_SCHEMA], displayName: 'taken over' };
        refuse(`PUT ${collection}/${id}`, await a.scim.put(`/${collection}/${id}`, body), [404]);
        refuse(`PATCH ${collection}/${id}`, await a.scim.patch(`/${collection}/${id}`, [{ op: 'replace', path: 'displayName', value: 'taken over' }]), [404]);
        refuse(`DELETE ${collection}/${id}`, await a.scim.delete(`/${collection}/${id}`), [404]);
        const listed = await a.scim.get(`/${collection}?filter=${encodeURIComponent(`id eq "${id}"`)}`);
        refuse(`filter id eq ${id}`, listed, [200]);
        if (listed.body.totalResults !== 0) leaks.push(`filter id eq ${id} found ${listed.body.totalResults}`);
      }
      const byName = await a.scim.get(`/${kind}?filter=${encodeURIComponent(`${kind === 'Users' ? 'userName' : 'displayName'} eq "${userName}"`)}`);
      refuse(`filter by name ${userName}`, byName, [200]);
      if (byName.body.totalResults !== 0) leaks.push(`filter by name ${userName} found ${byName.body.totalResults}`);
      // References to B's resources from A's own: a member, a manager.
      refuse(`add member ${id} to A's group`, await a.scim.patch(`/Groups/${aGroup}`, [{ op: 'add', path: 'members', value: [{ value: id }] }]), [400]);
      for (const [collection, filter] of [
        ['Users', `id eq "${id}" or ${ENTERPRISE}:manager.value eq "${id}"`],
        ['Groups', `id eq "${id}" or members.value eq "${id}"`],
      ]) {
        const search = await a.scim.post(`/${collection}/.search`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter });
        refuse(`${collection}/.search for ${id}`, search, [200]);
        if (search.body.totalResults !== 0) leaks.push(`${collection}/.search for ${id} found ${search.body.totalResults}`);
      }

      const answer = await a.admin.sendText(BY_ID, { id, text: id, name: userName });
      attempts += 1;
      const data = answer.data as Record<string, any> | null | undefined;
      if (answer.status !== 200 || answer.errors || !data) {
        leaks.push(`GraphQL by id ${id}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      } else if (data.user || data.group || data.node || data.userByUserName || data.users.totalCount !== 0 || data.auditEvents.nodes.length || data.provisioningLog.nodes.some((entry: { status: number }) => entry.status < 400)) {
        leaks.push(`GraphQL by id ${id}: ${JSON.stringify(data)}`);
      }
      // Removing a non-member from A's own group is a no-op whatever the id: it must answer as for an id no tenant has.
      const nobody = '00000000-0000-4000-8000-000000000000';
      for (const [mutation, input, unknown] of [
        ['addGroupMember', { groupId: aGroup, userId: id }, undefined],
        ['addGroupMember', { groupId: id, userId: aUser }, undefined],
        ['removeGroupMember', { groupId: id, userId: aUser }, undefined],
        ['removeGroupMember', { groupId: aGroup, userId: id }, { groupId: aGroup, userId: nobody }],
      ] as const) {
        const send = (variables: object) => a.admin.sendText(`mutation($input: GroupMemberInput!) { ${mutation}(input: $input) { group { id memberCount } } }`, { input: variables });
        const changed = await send(input);
        attempts += 1;
        if (unknown === undefined) {
          if (!changed.errors || changed.data) leaks.push(`${mutation} ${JSON.stringify(input)}: ${JSON.stringify(changed.body).slice(0, 200)}`);
        } else if (JSON.stringify(changed.body) !== JSON.stringify((await send(unknown)).body)) {
          leaks.push(`${mutation} ${JSON.stringify(input)} answers unlike an unknown id: ${JSON.stringify(changed.body).slice(0, 200)}`);
        }
      }
    });

    const listing = await a.admin.sendText(CONNECTIONS);
    attempts += 1;
    expect(listing.errors).toBeUndefined();
    const otherIds = new Set(ids.map((item) => item.id));
    const seen = JSON.stringify(listing.data).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
    expect((listing.data as any).users.totalCount).toBe(userCount);
    for (const id of seen) if (otherIds.has(id)) leaks.push(`connection shows ${id}`);
    const scimList = await a.scim.get('/Users?count=1000');
    for (const id of JSON.stringify(scimList.body).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []) if (otherIds.has(id)) leaks.push(`SCIM list shows ${id}`);

    // A user of A naming B's user as manager sees no manager (its SCIM representation echoes the id it was sent).
    const dangling = await a.scim.createUser('dangling@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: other.users[0].id } } });
    const managerOf = await a.admin.sendText('query($id: ID!) { user(id: $id) { manager { id userName } } }', { id: dangling.id });
    attempts += 1;
    if ((managerOf.data as any)?.user?.manager) leaks.push(`manager resolved across tenants: ${JSON.stringify(managerOf.data)}`);

    const after = await storedRows(b.credentials.tenant.id);
    expect(leaks).toEqual([]);
    expect(after).toBe(before);
    recordFigure(`${ids.length} ids of B (${userCount} users, ${groupCount} groups), ${attempts} attempts with A's credentials: 0 succeeded; B's stored rows (${before.length} bytes over every tenant table) identical byte for byte`);
  });

  it('cross-credential use is refused: SCIM token on /graphql, API key on /scim/v2, read scope on admin mutations', async () => {
    const tenant = await graphql.tenant();
    const created = await tenant.admin.sendText<{ createApiKey: { secret: string } }>('mutation { createApiKey(input: { name: "reader", scopes: [READ] }) { secret } }');
    const readKey = created.data?.createApiKey.secret ?? '';
    const refused: string[] = [];
    const scimOnGraphql = await graphql.hub.http.post(GRAPHQL).set('Authorization', `Bearer ${tenant.credentials.scimToken}`).set('Content-Type', 'application/json').send({ query: '{ viewer { scopes } }' });
    expect(scimOnGraphql.status).toBe(401);
    refused.push(`SCIM token on /graphql -> ${scimOnGraphql.status}`);
    for (const [name, key] of [['admin API key', tenant.credentials.adminApiKey], ['read API key', readKey]]) {
      const response = await graphql.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${key}`);
      expect(response.status).toBe(401);
      refused.push(`${name} on /scim/v2 -> ${response.status}`);
    }
    const mutations = [
      'mutation { createApiKey(input: { name: "escalate", scopes: [ADMIN] }) { secret } }',
      'mutation { rotateScimToken { scimToken } }',
      'mutation { updateTenantSettings(input: { userPatchStatus: 204 }) { settings { userPatchStatus } } }',
      'mutation { removeOidcProvider { oidcProvider { issuer } } }',
      'mutation { revokeApiKey(input: { id: "x" }) { apiKey { id } } }',
    ];
    let forbidden = 0;
    for (const mutation of mutations) {
      const response = await tenant.client(readKey).sendText(mutation);
      expect({ mutation, codes: errorCodes(response), data: response.data ?? null }).toEqual({ mutation, codes: [expect.stringMatching(/^(FORBIDDEN|GRAPHQL_VALIDATION_FAILED)$/)], data: null });
      if (errorCodes(response)[0] === 'FORBIDDEN') forbidden += 1;
    }
    expectStatus(await tenant.scim.get('/Users'), 200);
    recordFigure(`${refused.join(', ')}; read key on ${mutations.length} admin mutations: ${forbidden} FORBIDDEN, ${mutations.length - forbidden} invalid`);
  });
});
