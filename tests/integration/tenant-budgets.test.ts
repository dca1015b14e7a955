import { MAX_YAML_ANCHORS_AND_ALIASES, MAX_YAML_DEPTH } from '../../src/services/mapping-file';
import { MAX_START_INDEX } from '../../src/scim/protocol/list-query';
import { expectScimError, expectStatus } from '../support/scim-client';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { DraftMappingSetDocument } from '../graphql/generated/operations';

/** Issue 13, event-loop budgets: what one tenant sends is bounded, and refused with a clear error. */
describe(`tenant budgets on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('draftMappingSet refuses YAML with many single-use anchors or deep nesting, naming the limit (no RangeError text)', async () => {
    const tenant = await graphql.tenant();
    const anchors = `rules: [${Array.from({ length: 20_000 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]\n`;
    const deep = `rules: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
    for (const [yaml, message] of [
      [anchors, `more than ${MAX_YAML_ANCHORS_AND_ALIASES} anchors and aliases`],
      [deep, `deeper than ${MAX_YAML_DEPTH} levels`],
    ] as const) {
      const response = await tenant.admin.send(DraftMappingSetDocument, { input: { yaml } });
      expect(errorCodes(response)).toEqual(['INVALID_INPUT']);
      expect(response.errors![0]!.message).toContain(message);
      expect(response.errors![0]!.message).not.toMatch(/RangeError|call stack/i);
    }
  });

  it('a huge startIndex or count is clamped (RFC 7644 3.4.2.4), never a 500', async () => {
    const tenant = await graphql.tenant();
    await tenant.scim.createUser('ada@contoso.com');
    for (const query of ['startIndex=99999999999999999999', 'startIndex=1e300', 'startIndex=9007199254740993&count=1', 'startIndex=2147483648']) {
      const response = await tenant.scim.get(`/Users?${query}`);
      expectStatus(response, 200);
      expect(response.body).toMatchObject({ totalResults: 1, Resources: [], startIndex: MAX_START_INDEX });
    }
    for (const search of [{ startIndex: 1e300 }, { startIndex: 99999999999999999999, count: 1e300 }]) {
      const response = await tenant.scim.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...search });
      expectStatus(response, 200);
      expect(response.body.totalResults).toBe(1);
    }
    for (const query of ['count=99999999999999999999', 'count=1e300', 'startIndex=-1e300&count=-1e300']) {
      const response = await tenant.scim.get(`/Users?${query}`);
      expectStatus(response, 200);
      expect(response.body.totalResults).toBe(1);
    }
    expectScimError(await tenant.scim.get('/Users?startIndex=1e400'), 400, 'invalidValue');
    expectScimError(await tenant.scim.get('/Users?count=1.5'), 400, 'invalidValue');
  });
});
