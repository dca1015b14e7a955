import { GROUP_SCHEMA, SCIM, USER_SCHEMA, expectScimError, expectStatus, useScimHub, type ScimClient } from '../support/scim-client';
import { testDatabaseKind } from '../support/test-app';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** SCIM POST /Bulk (RFC 7644 §3.7): bulkId references, failOnErrors, limits. */
describe(`SCIM /Bulk on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  function bulk(client: ScimClient, operations: unknown[], extra: Record<string, unknown> = {}) {
    return client.post('/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations: operations });
  }

  const user = (bulkId: string, userName: string) => ({ method: 'POST', path: '/Users', bulkId, data: { schemas: [USER_SCHEMA], userName } });

  it('runs every operation through the SCIM path; bulkIds resolve in paths and data, also forward references', async () => {
    const client = await scim.client();
    const answer = await bulk(client, [
      { method: 'POST', path: '/Groups', bulkId: 'team', data: { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: 'bulkId:ada' }, { value: 'bulkId:max' }] } },
      user('ada', 'ada@example.com'),
      user('max', 'max@example.com'),
      user('eve', 'eve@example.com'),
      { method: 'PATCH', path: '/Groups/bulkId:team', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:eve' }] }] } },
      { method: 'PUT', path: '/Users/bulkId:max', data: { schemas: [USER_SCHEMA], userName: 'max@example.com', displayName: 'Max' } },
    ]);
    expectStatus(answer, 200);
    expect(answer.body.schemas).toEqual([BULK_RESPONSE]);
    const operations = answer.body.Operations as Record<string, string>[];
    expect(operations.map((operation) => [operation.method, operation.bulkId, operation.status])).toEqual([
      ['POST', 'team', '201'],
      ['POST', 'ada', '201'],
      ['POST', 'max', '201'],
      ['POST', 'eve', '201'],
      ['PATCH', undefined, '204'],
      ['PUT', undefined, '200'],
    ]);
    const ids = Object.fromEntries(operations.slice(0, 4).map((operation) => [operation.bulkId, operation.location.split('/').pop()!]));
    expect(operations[1].location).toMatch(new RegExp(`${SCIM}/Users/${ids.ada}$`));
    expect(operations[1].version).toBe('W/"1"');
    expect(operations[5].version).toBe('W/"2"');
    expect(await client.memberIds(ids.team)).toEqual([ids.ada, ids.max, ids.eve].sort());
    expect((await client.get(`/Users/${ids.max}`)).body.displayName).toBe('Max');
  });

  it('a failed operation does not undo the others; references to it and circular references are 409; failOnErrors stops', async () => {
    const client = await scim.client();
    await client.createUser('taken@example.com');
    const answer = await bulk(client, [
      user('dup', 'taken@example.com'),
      { method: 'POST', path: '/Groups', bulkId: 'needs-dup', data: { schemas: [GROUP_SCHEMA], displayName: 'Needs dup', members: [{ value: 'bulkId:dup' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'a', data: { schemas: [GROUP_SCHEMA], displayName: 'A', members: [{ value: 'bulkId:b' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'b', data: { schemas: [GROUP_SCHEMA], displayName: 'B', members: [{ value: 'bulkId:a' }] } },
      { method: 'GET', path: '/Users' },
      user('ok', 'ok@example.com'),
    ]);
    expectStatus(answer, 200);
    const operations = answer.body.Operations as Record<string, any>[];
    expect(operations.map((operation) => [operation.bulkId, operation.status, operation.response?.scimType])).toEqual([
      ['dup', '409', 'uniqueness'],
      ['needs-dup', '409', 'invalidValue'],
      ['a', '409', 'invalidValue'],
      ['b', '409', 'invalidValue'],
      [undefined, '400', 'invalidSyntax'],
      ['ok', '201', undefined],
    ]);
    expect(operations[0].response.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect((await client.filterUsers('userName eq "ok@example.com"')).totalResults).toBe(1);
    expect((await client.get('/Groups')).body.totalResults).toBe(0);

    const stopped = await bulk(client, [user('again', 'taken@example.com'), user('later', 'later@example.com')], { failOnErrors: 1 });
    expectStatus(stopped, 200);
    expect(stopped.body.Operations.map((operation: Record<string, string>) => [operation.bulkId, operation.status])).toEqual([['again', '409']]);
    expect((await client.filterUsers('userName eq "later@example.com"')).totalResults).toBe(0);
  });

  it('answers the request as a whole: 413 beyond maxOperations, 400 for a body that is no BulkRequest, 405 for GET, 401 without a token; discovery advertises it', async () => {
    const client = await scim.client();
    const config = await client.get('/ServiceProviderConfig');
    expect(config.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
    const tooMany = await bulk(client, Array.from({ length: 1001 }, (_, index) => ({ method: 'DELETE', path: `/Users/${index}` })));
    expectScimError(tooMany, 413);
    expect(tooMany.body.detail).toContain('maxOperations is 1000');
    expectScimError(await client.post('/Bulk', { schemas: [BULK_REQUEST] }), 400, 'invalidSyntax');
    expectScimError(await client.post('/Bulk', { Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await bulk(client, [], { failOnErrors: 0 }), 400, 'invalidSyntax');
    expectScimError(await client.get('/Bulk'), 405);
    const anonymous = await scim.hub.http.post(`${SCIM}/Bulk`).set('Content-Type', 'application/scim+json').send(JSON.stringify({ schemas: [BULK_REQUEST], Operations: [] }));
    expectScimError(anonymous, 401);
  });
});
