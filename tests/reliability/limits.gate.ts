import { testDatabaseKind } from '../support/test-app';
import { expectScimError, expectStatus, PATCH_OP, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, GRAPHQL, recordStatements, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { recordFigure } from './support/gate';

const MAX_RESULTS = 50;
/** Statements that read the directory (not the credential lookups every request makes). */
const DIRECTORY_TABLE = /\b(from|join)\s+[`"]?(users|groups|group_members|user_emails)[`"]?(\s|$)/i;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Issue 8, Limits: what an oversized, overdeep or overwide request gets, on SCIM and on GraphQL. */
describe(`Limits on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ SCIM_MAX_RESULTS: String(MAX_RESULTS) });

  it('SCIM body of 2 MiB is 413; count=1000000 is clamped to the server maximum', async () => {
    const tenant = await graphql.tenant();
    const huge = await tenant.scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'big@example.com', displayName: 'x'.repeat(2 * 1024 * 1024) });
    expectScimError(huge, 413);
    for (let index = 0; index < MAX_RESULTS + 10; index += 1) await tenant.scim.createUser(`page${index}@example.com`);
    const page = await tenant.scim.get('/Users?count=1000000');
    expectStatus(page, 200);
    expect(page.body.totalResults).toBe(MAX_RESULTS + 10);
    expect(page.body.itemsPerPage).toBe(MAX_RESULTS);
    expect(page.body.Resources).toHaveLength(MAX_RESULTS);
    const search = await tenant.scim.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 1_000_000 });
    expectStatus(search, 200);
    expect(search.body.Resources).toHaveLength(MAX_RESULTS);
    recordFigure(`2 MiB body -> ${huge.status}; count=1000000 -> ${page.body.itemsPerPage} of ${page.body.totalResults} (max ${MAX_RESULTS})`);
  });

  it('deeply nested JSON (10,000-deep arrays and objects) is 400, never a crash', async () => {
    const tenant = await graphql.tenant();
    const user = await tenant.scim.createUser('deep@example.com');
    const arrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const scimBodies: [string, string, string][] = [
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"n@example.com","nickName":${arrays}}`],
      ['POST', '/Users', `{"schemas":["${USER_SCHEMA}"],"userName":"n@example.com","urn:x":${objects}}`],
      ['POST', '/Users', arrays],
      ['PUT', `/Users/${user.id}`, `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","emails":${arrays}}`],
      ['PATCH', `/Users/${user.id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":${objects}}]}`],
      ['PATCH', `/Users/${user.id}`, `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"nickName","value":${arrays}}]}`],
      ['POST', '/Users/.search', `{"filter":${arrays}}`],
    ];
    const statuses: number[] = [];
    for (const [method, path, body] of scimBodies) {
      const call = method === 'POST' ? tenant.scim.post(path, body) : method === 'PUT' ? tenant.scim.put(path, body) : tenant.scim.patch(path, []).send(body);
      const response = await call;
      expectScimError(response, 400);
      statuses.push(response.status);
    }
    const graphqlDeep = await graphql.hub.http
      .post(GRAPHQL)
      .set('Authorization', `Bearer ${tenant.credentials.adminApiKey}`)
      .set('Content-Type', 'application/json')
      .send(`{"query":"query($f: UserFilter) { users(filter: $f) { totalCount } }","variables":{"f":{"attribute":${arrays}}}}`);
    expect(graphqlDeep.status).toBe(400);
    statuses.push(graphqlDeep.status);
    // The server is still there and the user is as it was.
    const after = await tenant.scim.get(`/Users/${user.id}`);
    expectStatus(after, 200);
    expect(after.body.meta.version).toBe(user.meta.version);
    recordFigure(`${statuses.length} deep bodies (SCIM POST/PUT/PATCH/.search, GraphQL variables) -> ${[...new Set(statuses)].join(', ')}`);
  });

  it('GraphQL depth-50 and 10,000-alias queries are refused before any resolver runs, in under 50 ms; batching is off', async () => {
    const tenant: GraphqlTestTenant = await graphql.tenant();
    await tenant.scim.createUser('someone@example.com');
    const depth50 = `{ users { nodes { ${'manager { '.repeat(47)}userName${' }'.repeat(47)} } } }`;
    const aliases = `{ ${Array.from({ length: 10_000 }, (_, index) => `a${index}: users(first: 1) { totalCount }`).join(' ')} }`;
    const timings: Record<string, number[]> = { depth: [], aliases: [] };
    /** The hub's own measure (its request log: body read, parse, validation, answer), not the test client's share of a loaded machine. */
    const serverDuration = async (requestId: string): Promise<number> => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const line = graphql.hub.logLines.find((entry) => entry.msg === 'request' && entry.requestId === requestId);
        if (line) return Number(line.durationMs);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no request log line for ${requestId}`);
    };
    const statements = await recordStatements(graphql.hub, async () => {
      for (let round = 0; round < 20; round += 1) {
        for (const [name, query] of [['depth', depth50], ['aliases', aliases]] as const) {
          const response = await tenant.admin.sendText(query);
          timings[name].push(await serverDuration(response.headers['x-request-id']));
          expect(response.status).toBe(400);
          expect(response.data).toBeUndefined();
          expect(errorCodes(response)).toEqual([name === 'depth' ? 'GRAPHQL_VALIDATION_FAILED' : 'GRAPHQL_PARSE_FAILED']);
        }
      }
    });
    expect(statements.filter((sql) => DIRECTORY_TABLE.test(sql))).toEqual([]);
    const batch = await graphql.hub.http
      .post(GRAPHQL)
      .set('Authorization', `Bearer ${tenant.credentials.adminApiKey}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify([{ query: '{ viewer { scopes } }' }, { query: '{ viewer { scopes } }' }]));
    expect(batch.status).toBe(400);
    const depthMs = median(timings.depth);
    const aliasMs = median(timings.aliases);
    recordFigure(
      `depth 50 refused in ${depthMs.toFixed(1)} ms, 10,000 aliases in ${aliasMs.toFixed(1)} ms (server-side median of 20, budget 50 ms), 0 directory statements; batch -> ${batch.status}`,
      depthMs < 50 && aliasMs < 50,
    );
  });
});
