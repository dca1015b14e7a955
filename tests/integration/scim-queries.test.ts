import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, SCIM, USER_SCHEMA, expectScimError, expectStatus, useScimHub, type ScimClient } from '../support/scim-client';

/** Filters, pagination, projection, discovery, authentication, content types: rows F1-F6, P1-P2, D1-D3, A1-A2, R1-R2. */
describe(`SCIM queries on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function seedEmployees(client: ScimClient) {
    const specs = [
      { userName: 'OMalley', family: 'Employee', email: 'o@example.com', title: 'Boss', dept: 'Sales', active: true },
      { userName: 'emp1', family: 'Employee', email: 'e1@example.org', title: 'Dev', dept: 'R&D', active: true },
      { userName: 'emp2', family: 'Employee', email: 'e2@example.com', title: null, dept: 'Sales', active: false },
      { userName: 'emp3', family: 'Employee', email: 'e3@example.com', title: 'Dev', dept: null, active: true },
      { userName: 'other', family: 'Contractor', email: 'c@example.com', title: 'Dev_100%', dept: 'Legal', active: true },
    ];
    const users: Record<string, any>[] = [];
    for (const spec of specs) {
      users.push(
        await client.createUser(spec.userName, {
          name: { familyName: spec.family, givenName: spec.userName },
          emails: [{ value: spec.email, type: 'work', primary: true }, { value: `home-${spec.email}`, type: 'home' }],
          active: spec.active,
          ...(spec.title ? { title: spec.title } : {}),
          ...(spec.dept ? { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: spec.dept } } : {}),
        }),
      );
    }
    return users;
  }

  async function count(client: ScimClient, filter: string): Promise<number> {
    return (await client.filterUsers(filter)).totalResults;
  }

  it('F1: userName and externalId lookups give 0 or 1 results in a ListResponse with Resources: [] when empty', async () => {
    const client = await scim.client();
    await client.createUser('jyoung@testuser.com', { externalId: 'jyoung' });
    const none = await client.filterUsers('userName eq "AzureAD_Test-00aa00aa-bb11-cc22-dd33-44ee44ee44ee"');
    expect(none).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    expect(await count(client, 'externalId eq jyoung')).toBe(1);
    expect(await count(client, 'externalId eq "JYOUNG"')).toBe(0);
    const okta = await client.get('/Users?filter=userName+eq+%22JYOUNG%40testuser.com%22&startIndex=1&count=100');
    expect(okta.body.totalResults).toBe(1);
    expect(typeof okta.body.itemsPerPage).toBe('number');
    expect(typeof okta.body.startIndex).toBe('number');
  });

  it('F2/F3/F5: the Microsoft collection filters, every operator, logic, parentheses, bare values and + as space', async () => {
    const client = await scim.client();
    await seedEmployees(client);
    expect(await count(client, 'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)')).toBe(4);
    expect(await count(client, 'userName sw O')).toBe(2);
    expect(await count(client, 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00')).toBe(5);
    expect(await count(client, 'meta.lastModified lt "2015-10-10T14:38:21Z"')).toBe(0);
    expect(await count(client, 'emails[type eq "work"].value eq "e1@example.org"')).toBe(1);
    expect(await count(client, 'emails[type eq "home" and value ew ".org"]')).toBe(1);
    expect(await count(client, 'emails[type eq "work" and value ew ".org"]')).toBe(1);
    expect(await count(client, 'emails[type eq "other"]')).toBe(0);
    expect(await count(client, 'emails.value co "@example.com"')).toBe(4);
    expect(await count(client, 'emails.value co "@EXAMPLE.org"')).toBe(1);
    expect(await count(client, 'emails co "example.org"')).toBe(1);
    expect(await count(client, 'title pr')).toBe(4);
    expect(await count(client, 'not (title pr)')).toBe(1);
    expect(await count(client, 'title ne "Dev"')).toBe(3);
    expect(await count(client, 'title eq "dev"')).toBe(2);
    expect(await count(client, 'title co "_100%"')).toBe(1);
    expect(await count(client, 'title co "%"')).toBe(1);
    expect(await count(client, 'title sw "d"')).toBe(3);
    expect(await count(client, 'title ew "ss"')).toBe(1);
    expect(await count(client, 'userName gt "emp2"')).toBe(3);
    expect(await count(client, 'userName ge "emp2"')).toBe(4);
    expect(await count(client, 'userName lt "emp2"')).toBe(1);
    expect(await count(client, 'userName le "EMP2"')).toBe(2);
    expect(await count(client, 'active eq false')).toBe(1);
    expect(await count(client, '(ActiVe eq true) and meta.lastmodified ge "0001-01-03T00:00:00.0000000Z"')).toBe(4);
    expect(await count(client, 'userType eq "Employee" or userName eq "emp1"')).toBe(1);
    expect(await count(client, 'not (emails.value co "example.com" or emails.value co "example.org")')).toBe(0);
    expect(await count(client, 'not (emails.value co "example.com")')).toBe(1);
    const plus = await client.get('/Users/?filter=userName+eq+%22emp1%22');
    expect(plus.body.totalResults).toBe(1);
  });

  it('F4: filters on enterprise URN attributes, and on raw attributes outside the indexed columns', async () => {
    const client = await scim.client();
    const users = await seedEmployees(client);
    expect(await count(client, `${ENTERPRISE}:department eq "Sales"`)).toBe(2);
    expect(await count(client, `${ENTERPRISE}:department eq "r&d"`)).toBe(1);
    expect(await count(client, `${ENTERPRISE}:department pr`)).toBe(4);
    const report = await client.createUser('report@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: users[0].id } } });
    const reports = await client.filterUsers(`${ENTERPRISE}:manager.value eq "${users[0].id}"`);
    expect(reports.Resources.map((user: { id: string }) => user.id)).toEqual([report.id]);
    await client.createUser('nick@example.com', { nickName: 'Babs', addresses: [{ type: 'work', country: 'DE', locality: 'Berlin' }] });
    expect(await count(client, 'nickName eq "babs"')).toBe(1);
    expect(await count(client, 'addresses[type eq "work" and country eq "DE"]')).toBe(1);
    expect(await count(client, 'addresses.locality sw "ber"')).toBe(1);
    expect(await count(client, `schemas eq "${ENTERPRISE}"`)).toBe(5);
    expect(await count(client, `id eq "${users[1].id}"`)).toBe(1);
  });

  it('F6: invalid filters are 400 invalidFilter, never 500', async () => {
    const client = await scim.client();
    const invalid = [
      'userName eq',
      'userName xx "a"',
      '(userName eq "a"',
      'userName eq "a" and',
      'bogusAttribute eq "x"',
      'emails[type eq "work"',
      'meta.created gt "not a date"',
      'active gt true',
      `${'('.repeat(1000)}userName eq "a"${')'.repeat(1000)}`,
      'name eq "x"',
    ];
    for (const filter of invalid) {
      expectScimError(await client.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
    expectScimError(await client.get(`/Groups?filter=${encodeURIComponent('userName eq "x"')}`), 400, 'invalidFilter');
    // Longer than an HTTP request line may be, so it arrives by POST .search.
    const long = await client.post('/Users/.search', { filter: `userName eq "${'x'.repeat(25_000)}"` });
    expectScimError(long, 400, 'invalidFilter');
    expect((await client.get(`/Users?filter=${encodeURIComponent(`userName eq "${'x'.repeat(10_000)}"`)}`)).body.totalResults).toBe(0);
  });

  it('P1: a page walk with startIndex/count returns every user once, in a stable order; counts are integers', async () => {
    const client = await scim.client();
    const created = new Set<string>();
    for (let index = 0; index < 23; index += 1) created.add((await client.createUser(`page${String(index).padStart(2, '0')}@example.com`)).id);
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 23; startIndex += 5) {
      const page = await client.get(`/Users?startIndex=${startIndex}&count=5`);
      expectStatus(page, 200);
      expect(page.body.totalResults).toBe(23);
      expect(page.body.startIndex).toBe(startIndex);
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
      seen.push(...page.body.Resources.map((user: { id: string }) => user.id));
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(created);
    const zero = await client.get('/Users?startindex=0&COUNT=2');
    expect(zero.body.startIndex).toBe(1);
    expect(zero.body.Resources.map((user: { id: string }) => user.id)).toEqual(seen.slice(0, 2));
    const countOnly = await client.get('/Users?count=0');
    expect(countOnly.body).toMatchObject({ totalResults: 23, itemsPerPage: 0, Resources: [] });
    const clamped = await client.get('/Users?count=1000000');
    expect(clamped.body.itemsPerPage).toBe(23);
    expectScimError(await client.get('/Users?count=lots'), 400, 'invalidValue');
    const sorted = await client.get('/Users?sortBy=userName&sortOrder=descending&count=3');
    expect(sorted.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['page22@example.com', 'page21@example.com', 'page20@example.com']);
    expectScimError(await client.get('/Users?sortBy=nickName'), 400, 'invalidValue');
  });

  it('P2: attributes and excludedAttributes projections; id and schemas are always returned', async () => {
    const client = await scim.client();
    await client.createUser('proj@example.com', { displayName: 'P', emails: [{ value: 'emailName357', type: 'work' }, { value: 'x@y', type: 'home' }], name: { givenName: 'G', familyName: 'F' } });
    const selected = await client.get('/Users?attributes=userName,emails');
    const resource = selected.body.Resources[0];
    expect(Object.keys(resource).sort()).toEqual(['emails', 'id', 'schemas', 'userName']);
    const withFilter = await client.get(`/Users?attributes=${encodeURIComponent('emails[type eq "work"]')}`);
    expectStatus(withFilter, 200);
    expect(JSON.stringify(withFilter.body)).toContain('emailName357');
    const sub = await client.get('/Users?attributes=name.givenName');
    expect(sub.body.Resources[0].name).toEqual({ givenName: 'G' });
    const excluded = await client.get('/Users?excludedAttributes=emails,meta');
    expect(excluded.body.Resources[0]).not.toHaveProperty('emails');
    expect(excluded.body.Resources[0]).not.toHaveProperty('meta');
    expect(excluded.body.Resources[0].id).toBeDefined();
    expect(excluded.body.Resources[0].displayName).toBe('P');
  });

  it('POST /.search on /Users and at the root', async () => {
    const client = await scim.client();
    const user = await client.createUser('search@example.com');
    await client.createGroup('Searchers', [user.id]);
    const users = await client.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName eq "search@example.com"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expectStatus(users, 200);
    expect(users.body.Resources).toEqual([{ schemas: [USER_SCHEMA], id: user.id, userName: 'search@example.com' }]);
    const all = await client.post('/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 10 });
    expectStatus(all, 200);
    expect(all.body.totalResults).toBe(2);
    expect(all.body.Resources.map((resource: { meta: { resourceType: string } }) => resource.meta.resourceType)).toEqual(['User', 'Group']);
  });

  it('D1-D3: ServiceProviderConfig (and its alias), ResourceTypes with Users first, Schemas and Schemas/{urn}', async () => {
    const client = await scim.client();
    for (const path of ['/ServiceProviderConfig', '/serviceConfiguration']) {
      const config = await client.get(path);
      expectStatus(config, 200);
      expect(config.body.patch.supported).toBe(true);
      expect(config.body.filter).toEqual({ supported: true, maxResults: 1000 });
      expect(config.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
      expect(config.body.etag.supported).toBe(true);
      expect(config.body.sort.supported).toBe(true);
      expect(config.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
    }
    const types = await client.get('/ResourceTypes');
    expect(types.body.Resources[0].endpoint).toBe('/Users');
    expect(types.body.Resources[0].schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: expect.stringMatching(/^urn:ietf:params:scim:schemas:extension:t-[0-9a-f]+:2\.0:User$/), required: false },
    ]);
    expect(types.body.Resources[1].endpoint).toBe('/Groups');
    expectStatus(await client.get('/ResourceTypes/User'), 200);
    const schemas = await client.get('/Schemas');
    expect(schemas.text).toContain('User Account');
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group']));
    const enterprise = await client.get(`/Schemas/${ENTERPRISE}`);
    expect(enterprise.body.attributes.map((attribute: { name: string }) => attribute.name)).toContain('department');
    expectScimError(await client.get('/Schemas/urn:nope'), 404);
    const anonymous = await scim.hub.http.get(`${SCIM}/ServiceProviderConfig`);
    expectStatus(anonymous, 200);
  });

  it('A1/A2: no, wrong, query-string or another kind of token is 401; a token sees only its own tenant', async () => {
    const tenantA = await scim.client();
    const tenantB = await scim.client();
    const user = await tenantB.createUser('private@b.example');
    const group = await tenantB.createGroup('B only', [user.id]);
    const noToken = await scim.hub.http.get(`${SCIM}/Users`);
    expectScimError(noToken, 401);
    expect(noToken.headers['www-authenticate']).toMatch(/^Bearer/);
    expectScimError(await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', 'non-token'), 401);
    expectScimError(await scim.hub.http.get(`${SCIM}/Users?access_token=${tenantA.token}`), 401);
    for (const path of [`/Users/${user.id}`, `/Groups/${group.id}`]) {
      expectScimError(await tenantA.get(path), 404);
      expectScimError(await tenantA.delete(path), 404);
      expectScimError(await tenantA.patch(path, [{ op: 'replace', path: 'displayName', value: 'hijacked' }]), 404);
    }
    expect((await tenantA.filterUsers('userName eq "private@b.example"')).totalResults).toBe(0);
    expect((await tenantB.get(`/Groups/${group.id}`)).body.displayName).toBe('B only');
  });

  it('A1 after rotation: the old token is refused at once, the new one works; an expired token is refused', async () => {
    const created = await scim.hub.createTenant();
    const rotated = await scim.hub.hub.services.tenants.rotateScimToken(created.tenant.slug);
    expectScimError(await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${created.scimToken}`), 401);
    expectStatus(await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${rotated.scimToken}`), 200);
    await scim.hub.hub.database.transaction((tx) => tx.run(tx.knex('connections').where({ tenant_id: created.tenant.id }).update({ token_expires_at: Date.now() - 1 })));
    expectScimError(await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', `Bearer ${rotated.scimToken}`), 401);
  });

  it('R2: responses are application/scim+json, errors included; bodies are accepted as scim+json, json or untyped', async () => {
    const client = await scim.client();
    for (const type of ['application/scim+json; charset=utf-8', 'application/json', 'application/json; charset=utf-8']) {
      const response = await scim.hub.http
        .post(`${SCIM}/Users`)
        .set('Authorization', `Bearer ${client.token}`)
        .set('Content-Type', type)
        .send(JSON.stringify({ schemas: [USER_SCHEMA], userName: `ct-${type}` }));
      expectStatus(response, 201);
      expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    }
    const notFound = await client.get('/Nowhere');
    expectScimError(notFound, 404);
    const tooLarge = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'big', displayName: 'x'.repeat(2 * 1024 * 1024) });
    expectScimError(tooLarge, 413);
    expectScimError(await client.put('/Users', { userName: 'x' }), 405);
  });
});

describe(`SCIM failed-authentication throttle on ${testDatabaseKind()}`, () => {
  const scim = useScimHub({ AUTH_FAILURES_PER_MINUTE: '3' });

  it('R1: repeated failed authentication from one address is answered 429 with an integer Retry-After', async () => {
    let last = await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', 'Bearer wrong');
    for (let attempt = 0; attempt < 4 && last.status !== 429; attempt += 1) {
      last = await scim.hub.http.get(`${SCIM}/Users`).set('Authorization', 'Bearer wrong');
    }
    expectScimError(last, 429);
    expect(last.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});
