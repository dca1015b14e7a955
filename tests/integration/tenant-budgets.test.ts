import { MAX_YAML_ANCHORS_AND_ALIASES, MAX_YAML_DEPTH } from '../../src/services/mapping-file';
import { MAX_FILTER_TERMS } from '../../src/domain/filter/filter-parser';
import { MAX_FILTER_SUBQUERIES } from '../../src/persistence/filter-sql';
import { MAX_START_INDEX } from '../../src/scim/protocol/list-query';
import { expectScimError, expectStatus, PATCH_OP, USER_SCHEMA } from '../support/scim-client';
import { PREVIEW_PAYLOADS_MAX, PREVIEW_REQUESTS_MAX } from '../../src/services/mapping-lifecycle.service';
import { testDatabaseKind } from '../support/test-app';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { DraftMappingSetDocument, PreviewMappingDocument, type PreviewPayloadInput } from '../graphql/generated/operations';

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

  it('previewMapping maps at most 100 payloads and 200 requests in all (TOO_MANY beyond), off the event loop', async () => {
    const tenant = await graphql.tenant();
    const payload = (index: number, requests = 1): PreviewPayloadInput => ({
      label: `p${index}`,
      requests: Array.from({ length: requests }, (_, step) =>
        step === 0 ? { method: 'POST' as const, body: { schemas: [USER_SCHEMA], userName: `u${index}@contoso.com` } } : { method: 'PATCH' as const, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${step}` }] } },
      ),
    });
    const mapped = await tenant.admin.data(PreviewMappingDocument, { input: { payloads: Array.from({ length: PREVIEW_PAYLOADS_MAX }, (_, index) => payload(index)) } });
    expect(mapped.previewMapping.results).toHaveLength(PREVIEW_PAYLOADS_MAX);
    const tooMany = await tenant.admin.send(PreviewMappingDocument, { input: { payloads: Array.from({ length: PREVIEW_PAYLOADS_MAX + 1 }, (_, index) => payload(index)) } });
    expect(errorCodes(tooMany)).toEqual(['TOO_MANY']);
    expect(tooMany.errors![0]!.message).toContain(`at most ${PREVIEW_PAYLOADS_MAX} payloads`);
    expect((await tenant.admin.data(PreviewMappingDocument, { input: { payloads: [payload(0, 100), payload(1, 100)] } })).previewMapping.results).toHaveLength(2);
    const tooLong = await tenant.admin.send(PreviewMappingDocument, { input: { payloads: [payload(0, 100), payload(1, 101)] } });
    expect(errorCodes(tooLong)).toEqual(['TOO_MANY']);
    expect(tooLong.errors![0]!.message).toContain(`at most ${PREVIEW_REQUESTS_MAX} requests in all`);
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

  it('filters: tests on one attribute joined by or are merged and find the same users; more than 100 terms or 10 subqueries are 400 invalidFilter', async () => {
    const tenant = await graphql.tenant();
    const ids: Record<string, string> = {};
    for (const name of ['ada', 'max', 'eve', 'bob']) {
      ids[name] = (await tenant.scim.createUser(`${name}@contoso.com`, { emails: [{ value: `${name}.mail@fabrikam.com`, type: 'work' }] })).id as string;
    }
    const found = async (filter: string) => ((await tenant.scim.filterUsers(filter)).Resources as { id: string }[]).map((user) => user.id).sort();
    const expected = (...names: string[]) => names.map((name) => ids[name]).sort();
    const padding = Array.from({ length: 90 }, (_, index) => `emails[value co "nobody${index}"]`);
    expect(await found([...padding, 'emails[value co "ada.mail"]', 'emails.value eq "max.mail@fabrikam.com"', 'userName eq "eve@contoso.com"', 'userName eq "nobody@contoso.com"'].join(' or '))).toEqual(expected('ada', 'max', 'eve'));
    expect(await found('emails[type eq "work"] and not (emails[value sw "ada"] or emails.value sw "max" or userName eq "eve@contoso.com")')).toEqual(expected('bob'));

    const terms = (count: number) => Array.from({ length: count }, (_, index) => `emails[value co "${index}"]`).join(' or ');
    expect((await tenant.scim.filterUsers(terms(MAX_FILTER_TERMS))).totalResults).toBe(0);
    const tooManyTerms = await tenant.scim.get(`/Users?filter=${encodeURIComponent(terms(MAX_FILTER_TERMS + 1))}`);
    expectScimError(tooManyTerms, 400, 'invalidFilter');
    expect(tooManyTerms.body.detail).toContain(`more than ${MAX_FILTER_TERMS} attribute expressions`);
    // The filter of issue 13 (800 terms, 21 KB): refused before it reaches the database.
    expectScimError(await tenant.scim.post('/Users/.search', { filter: terms(800).slice(0, 20_000).replace(/ or [^ ]*$/, '') }), 400, 'invalidFilter');

    const subqueries = (count: number) => Array.from({ length: count }, (_, index) => `emails co "${index}"`).join(' and ');
    expect((await tenant.scim.filterUsers(subqueries(MAX_FILTER_SUBQUERIES))).totalResults).toBe(0);
    const tooManySubqueries = await tenant.scim.get(`/Users?filter=${encodeURIComponent(subqueries(MAX_FILTER_SUBQUERIES + 1))}`);
    expectScimError(tooManySubqueries, 400, 'invalidFilter');
    expect(tooManySubqueries.body.detail).toContain(`more than ${MAX_FILTER_SUBQUERIES} subqueries`);
  });
});

describe(`the filter read budget on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ FILTER_READ_BUDGET_MS: '1' });

  it('a filtered read no index pins is refused with 400 tooMany once it runs past FILTER_READ_BUDGET_MS; a pinned one is not budgeted', async () => {
    const tenant = await graphql.tenant();
    const operations = Array.from({ length: 600 }, (_, index) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${index}`,
      data: { schemas: [USER_SCHEMA], userName: `user${index}@contoso.com`, name: { formatted: `User Number ${index}`, givenName: 'User' }, nickName: `nick${index}` },
    }));
    expectStatus(await tenant.scim.post('/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: operations }), 200);
    const slow = (terms: number) => Array.from({ length: terms }, (_, index) => (index % 2 === 0 ? `name.formatted co "zz${index}"` : `nickName ew "zz${index}"`)).join(' or ');
    const refused = await tenant.scim.get(`/Users?filter=${encodeURIComponent(slow(MAX_FILTER_TERMS))}`);
    expectScimError(refused, 400, 'tooMany');
    expect(refused.body.detail).toContain('longer than 1 ms');
    const pinned = await tenant.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "user7@contoso.com" and (${slow(MAX_FILTER_TERMS - 2)} or nickName eq "nick7")`)}`);
    expectStatus(pinned, 200);
    expect(pinned.body.totalResults).toBe(1);
  });
});

describe(`offloaded mapping work past its deadline on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ OFFLOAD_TASK_TIMEOUT_MS: '1' });

  it('draftMappingSet and previewMapping answer TOO_MANY when the worker does not finish within OFFLOAD_TASK_TIMEOUT_MS', async () => {
    const tenant = await graphql.tenant();
    const draft = await tenant.admin.send(DraftMappingSetDocument, { input: { yaml: 'rules: []\n' } });
    expect(errorCodes(draft)).toEqual(['TOO_MANY']);
    expect(draft.errors![0]!.message).toContain('did not finish within 1 ms');
    expect(errorCodes(await tenant.admin.send(PreviewMappingDocument, { input: { dialectSamples: true } }))).toEqual(['TOO_MANY']);
  });
});
