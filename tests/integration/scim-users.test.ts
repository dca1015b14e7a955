import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, USER_SCHEMA, expectScimError, expectStatus, useScimHub } from '../support/scim-client';

/** Users over HTTP: scim-clients.md section 5, rows U1-U17 (the IdP bodies of section 3 verbatim where given). */
describe(`SCIM Users on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  it('U1: Entra create body answers 201 with id, meta and what was sent echoed', async () => {
    const client = await scim.client();
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    };
    const response = await client.post('/Users', body);
    expectStatus(response, 201);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    const user = response.body;
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.externalId).toBe(body.externalId);
    expect(user.userName).toBe(body.userName);
    expect(user.name).toEqual(body.name);
    expect(user.meta.resourceType).toBe('User');
    expect(Date.parse(user.meta.created)).not.toBeNaN();
    expect(Date.parse(user.meta.lastModified)).not.toBeNaN();
    expect(user.meta.location).toMatch(new RegExp(`/scim/v2/Users/${user.id}$`));
    expect(response.headers.location).toBe(user.meta.location);
    expect(response.headers.etag).toBe(user.meta.version);
  });

  it('U1: Entra "Example 2" with nulls and a malformed extension URN is accepted', async () => {
    const client = await scim.client();
    const response = await client.post('/Users', {
      schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    });
    expectStatus(response, 201);
    expect(response.body.displayName).toBe('Joy Young');
    expect(response.body).not.toHaveProperty('addresses');
    expect(response.body).not.toHaveProperty('department');
  });

  it('U2: Okta create body answers 201; password is neither stored nor echoed; groups:[] is tolerated', async () => {
    const client = await scim.client();
    const response = await client.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expectStatus(response, 201);
    expect(JSON.stringify(response.body)).not.toContain('1mz050nq');
    const stored = await scim.hub.hub.database.read((tx) => tx.all<{ raw: unknown }>(tx.knex('users').select('raw')));
    expect(JSON.stringify(stored)).not.toContain('1mz050nq');
    const read = await client.get(`/Users/${response.body.id}`);
    expect(read.body.locale).toBe('en-US');
  });

  it('U3: OneLogin Enterprise template: "" means absent, "id": null is ignored, active as a string', async () => {
    const client = await scim.client();
    const response = await client.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      id: null,
      userName: 'jdoe@onelogin.example',
      name: { familyName: 'Doe', givenName: 'Jane' },
      title: '',
      userType: 'manager',
      timezone: '',
      active: 'true',
      emails: [{ value: 'jdoe@onelogin.example', type: 'work', primary: true }],
      addresses: [{ locality: 'Berlin', region: '', country: 'DE' }],
      [ENTERPRISE]: { organization: 'Acme', division: '', department: 'Legal', manager: { value: '', displayName: ' ' } },
      meta: { resourceType: 'User' },
    });
    expectStatus(response, 201);
    expect(response.body.active).toBe(true);
    expect(response.body).not.toHaveProperty('title');
    expect(response.body.userType).toBe('manager');
    expect(response.body[ENTERPRISE].department).toBe('Legal');
    expect(response.body[ENTERPRISE]).not.toHaveProperty('division');
    const found = await client.filterUsers(`${ENTERPRISE}:department eq "legal"`);
    expect(found.totalResults).toBe(1);
  });

  it('U3: the SCIM 1.1 core schema is refused with a clear 400', async () => {
    const client = await scim.client();
    const response = await client.post('/Users', { schemas: ['urn:scim:schemas:core:1.0'], userName: 'old@example.com' });
    expectScimError(response, 400, 'invalidValue');
  });

  it('U4: a duplicate userName in any letter case or width is 409 uniqueness; the stored userName keeps its case', async () => {
    const client = await scim.client();
    const first = await client.createUser('Alice@Example.com');
    expect(first.userName).toBe('Alice@Example.com');
    for (const variant of ['alice@example.com', 'ALICE@EXAMPLE.COM', ' alice@example.com ', 'Ａlice@example.com']) {
      const response = await client.post('/Users', { schemas: [USER_SCHEMA], userName: variant });
      expectScimError(response, 409, 'uniqueness');
      expect(response.body.detail).toContain('userName');
    }
    const found = await client.filterUsers('userName eq "ALICE@example.COM"');
    expect(found.Resources.map((user: { id: string }) => user.id)).toEqual([first.id]);
  });

  it('U4: externalId is not unique (the Microsoft collection reuses one)', async () => {
    const client = await scim.client();
    await client.createUser('a@example.com', { externalId: 'same' });
    await client.createUser('b@example.com', { externalId: 'same' });
    expect((await client.filterUsers('externalId eq "same"')).totalResults).toBe(2);
  });

  it('U5: missing userName is 400 invalidValue; invalid JSON is 400 invalidSyntax', async () => {
    const client = await scim.client();
    expectScimError(await client.post('/Users', { schemas: [USER_SCHEMA], displayName: 'x' }), 400, 'invalidValue');
    expectScimError(await client.post('/Users', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","acve": tre'), 400, 'invalidSyntax');
    expectScimError(await client.post('/Users', { schemas: [USER_SCHEMA], userName: '' }), 400, 'invalidValue');
  });

  it('U6: "True"/"False" strings are coerced; other wrong types are 400 invalidValue', async () => {
    const client = await scim.client();
    const created = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'emp1', active: 'True' });
    expectStatus(created, 201);
    expect(created.body.active).toBe(true);
    const inactive = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'emp2', active: 'False' });
    expect(inactive.body.active).toBe(false);
    expectScimError(await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'emp3', active: 'maybe' }), 400, 'invalidValue');
    expectScimError(await client.post('/Users', { schemas: [USER_SCHEMA], userName: { nested: true } }), 400, 'invalidValue');
    expectScimError(await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'emp4', emails: 42 }), 400, 'invalidValue');
  });

  it('U7/U8: unknown attributes and extension URNs are ignored; attribute names match case-insensitively', async () => {
    const client = await scim.client();
    const response = await client.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      UserName: 'UserName123',
      DisplayName: 'BobIsAmazing',
      Name: { FamilyName: 'Bob', GivenName: 'Amazing' },
      Emails: [{ Value: 'bob@example.com', Type: 'work', Primary: true }],
      adreses: [{ street: 'nowhere' }],
      'urn:example:unknown:2.0:Thing': { a: 1 },
      [ENTERPRISE]: { Department: 'bob', Manager: { Value: 'SuzzyQ' } },
    });
    expectStatus(response, 201);
    const user = response.body;
    expect(user.userName).toBe('UserName123');
    expect(user.displayName).toBe('BobIsAmazing');
    expect(user.name).toEqual({ familyName: 'Bob', givenName: 'Amazing' });
    expect(user.emails).toEqual([{ value: 'bob@example.com', type: 'work', primary: true }]);
    expect(user[ENTERPRISE]).toEqual({ department: 'bob', manager: { value: 'SuzzyQ' } });
    expect(JSON.stringify(user)).not.toMatch(/adreses|urn:example:unknown/);
    expect(user.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect((await client.filterUsers('DisplayName eq "BobIsAmazing"')).totalResults).toBe(1);
  });

  it('U9: GET of an unknown id is 404 with a SCIM error', async () => {
    const client = await scim.client();
    expectScimError(await client.get('/Users/010101001010101011001010101011'), 404);
  });

  it('U10: PUT replaces the resource: omitted attributes are cleared, id and meta.created are kept', async () => {
    const client = await scim.client();
    const user = await client.createUser('put@example.com', { displayName: 'Before', nickName: 'nick', name: { givenName: 'A' } });
    const response = await client.put(`/Users/${user.id}`, {
      schemas: [USER_SCHEMA],
      id: 'some-other-id',
      userName: 'put@example.com',
      name: { formatted: 'NewName' },
      meta: { created: '2000-01-01T00:00:00Z' },
      adreses: [],
    });
    expectStatus(response, 200);
    expect(response.body.id).toBe(user.id);
    expect(response.body.name).toEqual({ formatted: 'NewName' });
    expect(response.body).not.toHaveProperty('nickName');
    expect(response.body).not.toHaveProperty('displayName');
    expect(response.body.meta.created).toBe(user.meta.created);
    expect(response.body.meta.version).not.toBe(user.meta.version);
    expectScimError(await client.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userame: 'typo' }), 400, 'invalidValue');
  });

  it('U11: PATCH Replace/replace on userName, name.familyName, emails[type eq "work"].value and active', async () => {
    const client = await scim.client();
    const user = await client.createUser('patch@example.com', {
      name: { givenName: 'P', familyName: 'Before' },
      emails: [{ value: 'old@example.com', type: 'work', primary: true }],
    });
    const response = await client.patch(`/Users/${user.id}`, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      { op: 'replace', path: 'userName', value: 'renamed@example.com' },
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
    expectStatus(response, 200);
    expect(response.body.emails).toEqual([{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    expect(response.body.name.familyName).toBe('updatedFamilyName');
    expect(response.body.userName).toBe('renamed@example.com');
    expect(response.body.active).toBe(false);
    expect((await client.filterUsers('emails[type eq "work"].value eq "updatedemail@microsoft.com"')).totalResults).toBe(1);
    expect((await client.filterUsers('userName eq "patch@example.com"')).totalResults).toBe(0);
    expect((await client.filterUsers('active eq false')).totalResults).toBe(1);
  });

  it('U12: PATCH without path: Entra flag form with dotted and URN keys; Okta active', async () => {
    const client = await scim.client();
    const user = await client.createUser('nopath@example.com', { active: true });
    const entra = await client.patch(`/Users/${user.id}`, [
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
        },
      },
    ]);
    expectStatus(entra, 200);
    expect(entra.body.displayName).toBe('Bjfe');
    expect(entra.body.name).toEqual({ givenName: 'Kkom', familyName: 'Unua' });
    expect(entra.body[ENTERPRISE].employeeNumber).toBe('Aklq');
    expect(Object.keys(entra.body)).not.toContain('name.givenName');
    const okta = await client.patch(`/Users/${user.id}`, [{ op: 'replace', value: { active: false } }]);
    expect(okta.body.active).toBe(false);
    expect((await client.filterUsers(`${ENTERPRISE}:employeeNumber eq "Aklq"`)).totalResults).toBe(1);
  });

  it('U13: PATCH Add on emails[type eq "work"].value creates the work email when absent and replaces it when present', async () => {
    const client = await scim.client();
    const user = await client.createUser('add@example.com', { emails: [{ value: 'home@example.com', type: 'home' }] });
    const created = await client.patch(`/Users/${user.id}`, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'work@example.com' }]);
    expectStatus(created, 200);
    expect(created.body.emails).toEqual(expect.arrayContaining([{ value: 'work@example.com', type: 'work' }, { value: 'home@example.com', type: 'home' }]));
    const replaced = await client.patch(`/Users/${user.id}`, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'work2@example.com' }]);
    expect(replaced.body.emails.filter((email: { type: string }) => email.type === 'work')).toEqual([{ value: 'work2@example.com', type: 'work' }]);
  });

  it('U14: PATCH of the manager in all three forms', async () => {
    const client = await scim.client();
    const manager = await client.createUser('boss@example.com');
    const other = await client.createUser('boss2@example.com');
    const third = await client.createUser('boss3@example.com');
    const user = await client.createUser('report@example.com');
    const arrayForm = await client.patch(`/Users/${user.id}`, [
      { op: 'Add', path: 'manager', value: [{ $ref: `http://example/scim/Users/${manager.id}`, value: manager.id }] },
    ]);
    expectStatus(arrayForm, 200);
    expect(arrayForm.body[ENTERPRISE].manager.value).toBe(manager.id);
    const urnForm = await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: other.id } }]);
    expect(urnForm.body[ENTERPRISE].manager.value).toBe(other.id);
    const dotForm = await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: `${ENTERPRISE}.manager`, value: third.id }]);
    expect(dotForm.body[ENTERPRISE].manager.value).toBe(third.id);
    const reports = await client.filterUsers(`${ENTERPRISE}:manager.value eq "${third.id}"`);
    expect(reports.Resources.map((found: { id: string }) => found.id)).toEqual([user.id]);
  });

  it('U15: PATCH of enterprise attributes by full URN path, and remove by URN path', async () => {
    const client = await scim.client();
    const user = await client.createUser('ent@example.com');
    const attributes = { department: 'Sales', organization: 'Org', division: 'Div', costCenter: '4711', employeeNumber: 'E1' };
    const added = await client.patch(
      `/Users/${user.id}`,
      Object.entries(attributes).map(([name, value]) => ({ op: 'Add', path: `${ENTERPRISE}:${name}`, value })),
    );
    expectStatus(added, 200);
    expect(added.body[ENTERPRISE]).toEqual(attributes);
    expect(added.body.schemas).toContain(ENTERPRISE);
    expect((await client.filterUsers(`${ENTERPRISE}:department eq "Sales"`)).totalResults).toBe(1);
    const removed = await client.patch(`/Users/${user.id}`, [{ op: 'Remove', path: `${ENTERPRISE}:department` }]);
    expect(removed.body[ENTERPRISE]).not.toHaveProperty('department');
    expect((await client.filterUsers(`${ENTERPRISE}:department eq "Sales"`)).totalResults).toBe(0);
  });

  it('U16: User PATCH answers 200 with the resource by default, 204 when the tenant chooses it, 200 when attributes are asked for', async () => {
    const client = await scim.client();
    const user = await client.createUser('status@example.com');
    expectStatus(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'A' }]), 200);
    const tenant = await scim.hub.createTenant();
    await scim.hub.hub.services.tenants.updateSettings(tenant.tenant.slug, { userPatchStatus: 204 });
    const quiet = new (client.constructor as typeof import('../support/scim-client').ScimClient)(scim.hub, tenant.scimToken);
    const other = await quiet.createUser('status@example.com');
    const noContent = await quiet.patch(`/Users/${other.id}`, [{ op: 'replace', path: 'displayName', value: 'B' }]);
    expectStatus(noContent, 204);
    expect(noContent.text).toBe('');
    expect((await quiet.get(`/Users/${other.id}`)).body.displayName).toBe('B');
    const asked = await quiet.patch(`/Users/${other.id}?attributes=displayName`, [{ op: 'replace', path: 'displayName', value: 'C' }]);
    expectStatus(asked, 200);
    expect(asked.body.displayName).toBe('C');
  });

  it('U16: a PATCH whose second operation fails changes nothing', async () => {
    const client = await scim.client();
    const user = await client.createUser('atomic@example.com', { displayName: 'Kept' });
    const response = await client.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'displayName', value: 'Changed' },
      { op: 'replace', path: 'id', value: 'new-id' },
    ]);
    expectScimError(response, 400, 'mutability');
    const read = await client.get(`/Users/${user.id}`);
    expect(read.body.displayName).toBe('Kept');
    expect(read.body.meta.version).toBe(user.meta.version);
    expectScimError(await client.patch(`/Users/${user.id}`, [{ op: 'jump', path: 'displayName', value: 'x' }]), 400, 'invalidValue');
    expectScimError(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'emails[type eq', value: 'x' }]), 400);
  });

  it('U17: DELETE answers 204, then 404; the userName becomes free; an inactive user stays readable and filterable', async () => {
    const client = await scim.client();
    const user = await client.createUser('gone@example.com');
    const group = await client.createGroup('with-gone', [user.id]);
    expectStatus(await client.delete(`/Users/${user.id}`), 204);
    expectScimError(await client.get(`/Users/${user.id}`), 404);
    expectScimError(await client.delete(`/Users/${user.id}`), 404);
    expect(await client.memberIds(group.id)).toEqual([]);
    await client.createUser('gone@example.com');
    const inactive = await client.createUser('sleeping@example.com', { active: false });
    expectStatus(await client.get(`/Users/${inactive.id}`), 200);
    expect((await client.filterUsers('userName eq "sleeping@example.com"')).Resources[0].active).toBe(false);
  });

  it('ETags: If-Match with a stale version is 412 and changes nothing; the current version succeeds', async () => {
    const client = await scim.client();
    const user = await client.createUser('etag@example.com');
    const first = await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'One' }], { 'If-Match': user.meta.version });
    expectStatus(first, 200);
    const stale = await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'Two' }], { 'If-Match': user.meta.version });
    expectScimError(stale, 412);
    expectScimError(await client.delete(`/Users/${user.id}`, { 'If-Match': user.meta.version }), 412);
    expect((await client.get(`/Users/${user.id}`)).body.displayName).toBe('One');
    expectStatus(await client.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'etag@example.com' }, { 'If-Match': first.body.meta.version }), 200);
  });

  it('a user read by id lists its groups (readOnly, computed)', async () => {
    const client = await scim.client();
    const user = await client.createUser('member@example.com');
    const group = await client.createGroup('Readers', [user.id]);
    const read = await client.get(`/Users/${user.id}`);
    expect(read.body.groups).toEqual([expect.objectContaining({ value: group.id, display: 'Readers' })]);
    expectScimError(await client.patch(`/Users/${user.id}`, [{ op: 'add', path: 'groups', value: [{ value: group.id }] }]), 400, 'mutability');
  });
});
