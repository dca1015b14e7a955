import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, GRAPHQL, recordStatements, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { GroupsWithMembersDocument, UserNamesDocument, UsersWithGroupsAndManagerDocument } from '../graphql/generated/operations';

/** Statements that read the directory (not the credential lookups every request makes). */
const DIRECTORY_TABLE = /\b(from|join)\s+[`"]?(users|groups|group_members|user_emails)[`"]?(\s|$)/i;
/** Statements that authenticate a GraphQL request (API key, its tenant). */
const CREDENTIAL_TABLE = /\b(from|join)\s+[`"]?(api_keys|tenants)[`"]?(\s|$)/i;

/** Cost and safety (issue 5): batched loading, limits checked before any resolver runs, masked errors. */
describe(`GraphQL cost and safety on ${testDatabaseKind()}`, () => {
  // No background workers: the statement counts below are the requests' own.
  const graphql = useGraphqlHub(undefined, { backgroundJobs: false });

  /** `size` users, each with a manager (the first user) and in two of three groups. */
  async function provision(tenant: GraphqlTestTenant, size: number): Promise<void> {
    const boss = await tenant.scim.createUser('boss@example.com');
    const ids = [boss.id];
    for (let index = 1; index < size; index += 1) {
      const user = await tenant.scim.createUser(`user${index}@example.com`, { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: boss.id } } });
      ids.push(user.id);
    }
    await tenant.scim.createGroup('Odd', ids.filter((_, index) => index % 2 === 1));
    await tenant.scim.createGroup('Even', ids.filter((_, index) => index % 2 === 0));
    await tenant.scim.createGroup('All', ids);
  }

  async function directoryStatements(work: () => Promise<void>): Promise<string[]> {
    return (await recordStatements(graphql.hub, work)).filter((sql) => DIRECTORY_TABLE.test(sql));
  }

  it('users(first: 50) { groups manager } runs the same few statements for 5 users as for 50', async () => {
    const counts: number[] = [];
    for (const size of [5, 50]) {
      const tenant = await graphql.tenant();
      await provision(tenant, size);
      let users: { userName: string; groups: { nodes: { displayName: string }[] }; manager: { userName: string } | null }[] = [];
      const statements = await directoryStatements(async () => {
        users = (await tenant.admin.data(UsersWithGroupsAndManagerDocument, { first: 50 })).users.nodes;
      });
      expect(users).toHaveLength(size);
      expect(users.find((user) => user.userName === 'user1@example.com')).toEqual({
        userName: 'user1@example.com',
        groups: { nodes: [{ displayName: 'All' }, { displayName: 'Odd' }] },
        manager: { userName: 'boss@example.com' },
      });
      counts.push(statements.length);
    }
    // One page of users, one batch of their groups; the managers are on the page already.
    expect(counts).toEqual([2, 2]);
  });

  it('a repeated users(first: 100) { groups manager } runs those two statements and nothing else: the API key is remembered', async () => {
    const tenant = await graphql.tenant();
    await provision(tenant, 100);
    // The SCIM requests of the provisioning are logged in the background: written before counting starts.
    await graphql.hub.hub.services.provisioningLog.flush();
    const first = await recordStatements(graphql.hub, async () => {
      expect((await tenant.admin.data(UsersWithGroupsAndManagerDocument, { first: 100 })).users.nodes).toHaveLength(100);
    });
    const again = await recordStatements(graphql.hub, async () => {
      expect((await tenant.admin.data(UsersWithGroupsAndManagerDocument, { first: 100 })).users.nodes).toHaveLength(100);
    });
    // Background work (provisioning log, webhook delivery) may run meanwhile: only what the request reads counts.
    const ofRequest = (statements: string[]) => statements.filter((sql) => DIRECTORY_TABLE.test(sql) || CREDENTIAL_TABLE.test(sql));
    // The first request also looked the key and its tenant up.
    expect(ofRequest(first).filter((sql) => CREDENTIAL_TABLE.test(sql)).length).toBeGreaterThan(0);
    expect(ofRequest(again).map((sql) => (/group_members/i.test(sql) ? 'groups of the page' : /\bfrom [`"]?users/i.test(sql) ? 'page of users' : sql))).toEqual(['page of users', 'groups of the page']);
  });

  it('managers outside the page and members of many groups are one batch each', async () => {
    const tenant = await graphql.tenant();
    await provision(tenant, 30);
    let groups: { displayName: string; memberCount: number; members: { nodes: { userName: string; manager: { userName: string } | null }[] } }[] = [];
    const statements = await directoryStatements(async () => {
      groups = (await tenant.admin.data(GroupsWithMembersDocument, { first: 10, members: 5 })).groups.nodes;
    });
    expect(groups.map((group) => [group.displayName, group.memberCount, group.members.nodes.length])).toEqual([
      ['All', 30, 5],
      ['Even', 15, 5],
      ['Odd', 15, 5],
    ]);
    expect(groups[2].members.nodes.every((member) => member.manager?.userName === 'boss@example.com')).toBe(true);
    // Groups page, member counts, member pages, managers.
    expect(statements).toHaveLength(4);
  });

  it('a depth-50 query is refused before any resolver runs', async () => {
    const tenant = await graphql.tenant();
    // users, nodes, 47 managers, userName: 50 levels.
    const query = `{ users { nodes { ${'manager { '.repeat(47)}userName${' }'.repeat(47)} } } }`;
    let response: Awaited<ReturnType<typeof tenant.admin.sendText>> | undefined;
    const statements = await directoryStatements(async () => {
      response = await tenant.admin.sendText(query);
    });
    expect(response?.status).toBe(400);
    expect(errorCodes(response!)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response?.errors?.[0].message).toMatch(/depth limit of 12 exceeded, found 50/);
    expect(statements).toEqual([]);
  });

  it('a 10,000-alias query is refused before any resolver runs; so is one just over the alias limit', async () => {
    const tenant = await graphql.tenant();
    const aliases = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `a${index}: users(first: 1) { totalCount }`).join(' ')} }`;
    const responses: Awaited<ReturnType<typeof tenant.admin.sendText>>[] = [];
    const statements = await directoryStatements(async () => {
      responses.push(await tenant.admin.sendText(aliases(10_000)));
      responses.push(await tenant.admin.sendText(aliases(31)));
    });
    const [huge, overLimit] = responses;
    expect(huge.status).toBe(400);
    expect(errorCodes(huge)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(huge.errors?.[0].message).toMatch(/more tha\w? 5000 tokens/);
    expect(overLimit.status).toBe(400);
    expect(errorCodes(overLimit)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(overLimit.errors?.[0].message).toMatch(/Aliases limit of 30 exceeded, found 31/);
    expect(statements).toEqual([]);
    expect((await tenant.admin.sendText(aliases(30))).status).toBe(200);
  });

  it('nested pages are priced by their sizes: a query that could return millions of rows is refused, also via variables', async () => {
    const tenant = await graphql.tenant();
    const huge = '{ users(first: 500) { nodes { groups(first: 500) { nodes { members(first: 500) { nodes { userName } } } } } } }';
    const viaVariables = 'query($n: Int) { users(first: $n) { nodes { groups(first: $n) { nodes { displayName } } } } }';
    const responses: Awaited<ReturnType<typeof tenant.admin.sendText>>[] = [];
    const statements = await directoryStatements(async () => {
      responses.push(await tenant.admin.sendText(huge));
      responses.push(await tenant.admin.sendText(viaVariables, { n: 500 }));
    });
    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.errors?.[0].message).toMatch(/^Query cost \d+ exceeds the limit of 100000/);
    }
    expect(statements).toEqual([]);
    expect((await tenant.admin.sendText(viaVariables, { n: 50 })).status).toBe(200);
  });

  it('a page is at most 500 long, whatever first asks for', async () => {
    const tenant = await graphql.tenant();
    const tenantId = tenant.credentials.tenant.id;
    await graphql.hub.hub.database.transaction(async (tx) => {
      const now = Date.now();
      for (let start = 0; start < 501; start += 250) {
        const rows = Array.from({ length: Math.min(250, 501 - start) }, (_, index) => {
          const number = start + index;
          return { tenant_id: tenantId, id: `00000000-0000-4000-8000-${String(number).padStart(12, '0')}`, user_name: `bulk${number}`, user_name_norm: `bulk${number}`, active: true, raw: JSON.stringify({ userName: `bulk${number}` }), version: 1, created_at: now, updated_at: now };
        });
        await tx.run(tx.knex('users').insert(rows));
      }
    });
    const page = await tenant.admin.data(UserNamesDocument, { first: 100_000 });
    expect(page.users.nodes).toHaveLength(500);
    expect(page.users.pageInfo.hasNextPage).toBe(true);
    const rest = await tenant.admin.data(UserNamesDocument, { first: 500, after: page.users.pageInfo.endCursor });
    expect(rest.users.nodes.map((user) => user.userName)).toEqual(['bulk500']);
  });

  it('array batching is off: a list of operations is 400', async () => {
    const tenant = await graphql.tenant();
    const response = await graphql.hub.http
      .post(GRAPHQL)
      .set('Authorization', `Bearer ${tenant.credentials.adminApiKey}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify([{ query: '{ viewer { scopes } }' }, { query: '{ viewer { scopes } }' }]));
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/batch/i);
  });

  it('an unexpected error is masked as "Internal server error" with the request id, and logged with it', async () => {
    const tenant = await graphql.tenant();
    const failure = jest.spyOn(graphql.hub.hub.services.directory, 'groupsByIds').mockRejectedValueOnce(new Error('SQLITE_ERROR: near "SELECT secret_column FROM": syntax error'));
    try {
      const response = await tenant.admin.sendText('{ group(id: "x") { id } viewer { scopes } }');
      expect(response.status).toBe(200);
      expect(response.errors).toEqual([
        { message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['group'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: response.headers['x-request-id'] } },
      ]);
      expect(response.data).toEqual({ group: null, viewer: { scopes: ['READ', 'ADMIN'] } });
      expect(JSON.stringify(response.body)).not.toMatch(/secret_column|SQLITE|stack|at \w+ \(/);
      const logged = graphql.hub.logLines.find((line) => line.msg === 'unexpected error in GraphQL request' && line.requestId === response.headers['x-request-id']);
      expect(JSON.stringify(logged?.err)).toContain('secret_column');
    } finally {
      failure.mockRestore();
    }
  });

  it('outside production, introspection answers and validation errors suggest field names', async () => {
    const tenant = await graphql.tenant();
    const introspection = await tenant.admin.sendText('{ __schema { queryType { name } } }');
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const typo = await tenant.admin.sendText('{ viewer { scope } }');
    expect(typo.errors?.[0].message).toMatch(/Did you mean "scopes"/);
  });
});
