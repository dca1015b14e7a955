import type { Dialect } from '../../src/domain/tenants/tenant';
import type { MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, GROUP_SCHEMA, ScimClient, USER_SCHEMA, expectScimError, expectStatus, useScimHub } from '../support/scim-client';

/** The mapping engine on every SCIM write: the seeds' IdP runs produce the expected domain values and roles. */
describe(`mapping applied on SCIM writes on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function tenantWith(dialect: Dialect) {
    const credentials = await scim.hub.hub.services.tenants.createTenant({ slug: `m-${dialect}-${Math.random().toString(16).slice(2, 8)}`, dialect });
    return { credentials, client: new ScimClient(scim.hub, credentials.scimToken), urn: customSchemaUrnFor(credentials.tenant.slug) };
  }

  /** field -> value (a list for multi-valued fields), and field -> provenance, as stored. */
  async function valuesOf(tenantId: string, userId: string) {
    const rows = await scim.hub.hub.services.mapping.valuesOf(tenantId, [userId]);
    const values: Record<string, unknown> = {};
    const provenance: Record<string, { ruleId: string | null; mappingVersion: number | null; sourcePath: string | null; rawValue: unknown }> = {};
    for (const row of rows) {
      values[row.fieldKey] = row.fieldKey === 'appRoles' ? [...((values[row.fieldKey] as unknown[]) ?? []), row.value] : row.value;
      provenance[row.fieldKey] = { ruleId: row.ruleId, mappingVersion: row.mappingVersion, sourcePath: row.sourcePath, rawValue: row.rawValue };
    }
    return { values, provenance };
  }

  it('an Entra run: userType -> role, userName -> email, enterprise fields, externalId; PATCH updates the role', async () => {
    const { credentials, client } = await tenantWith('entra');
    const tenantId = credentials.tenant.id;
    const people = [
      { userName: 'Ada@Contoso.com', userType: 'admin', role: 'Admin' },
      { userName: 'max@contoso.com', userType: 'Manager', role: 'Manager' },
      { userName: 'uma@contoso.com', userType: 'user', role: 'Contributor' },
      { userName: 'vic@contoso.com', userType: 'viewer', role: 'Viewer' },
      { userName: 'zed@contoso.com', userType: 'Guest', role: 'Viewer' },
    ];
    const ids: string[] = [];
    for (const person of people) {
      const created = await client.post('/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: `oid-${person.userType}`,
        userName: person.userName,
        active: true,
        userType: person.userType,
        name: { givenName: ' Ada ', familyName: 'Lovelace' },
        emails: [{ primary: true, type: 'work', value: person.userName }],
        [ENTERPRISE]: { department: 'Legal', employeeNumber: '42', costCenter: '4711' },
      });
      expectStatus(created, 201);
      // The IdP reads back exactly what it sent, never the mapped values.
      expect(created.body.userType).toBe(person.userType);
      expect(created.body.name.givenName).toBe(' Ada ');
      ids.push(created.body.id);
      const { values, provenance } = await valuesOf(tenantId, created.body.id);
      expect(values.appRoles).toEqual([person.role]);
      expect(values.email).toBe(person.userName.toLowerCase());
      expect(values.givenName).toBe('Ada');
      expect(values.department).toBe('Legal');
      expect(values.employeeNumber).toBe('42');
      expect(values.externalId).toBe(`oid-${person.userType}`);
      expect(values.active).toBe(true);
      expect(provenance.appRoles).toEqual({ ruleId: 'role', mappingVersion: 1, sourcePath: 'userType', rawValue: person.userType });
    }
    const promoted = await client.patch(`/Users/${ids[2]}`, [{ op: 'Replace', path: 'userType', value: 'manager' }]);
    expectStatus(promoted, 200);
    expect((await valuesOf(tenantId, ids[2])).values.appRoles).toEqual(['Manager']);
    const deactivated = await client.patch(`/Users/${ids[2]}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expectStatus(deactivated, 200);
    const after = await valuesOf(tenantId, ids[2]);
    expect(after.values.active).toBe(false);
    expect(after.values.appRoles).toEqual(['Manager']);
  });

  it('an Okta run (create, PUT, no-path deactivate) and a OneLogin run (role from title, "" as absent)', async () => {
    const okta = await tenantWith('okta');
    const created = await okta.client.createUser('test.user@okta.local', {
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      userType: 'viewer',
      password: 'x',
      active: true,
    });
    expect((await valuesOf(okta.credentials.tenant.id, created.id)).values).toMatchObject({ appRoles: ['Viewer'], email: 'test.user@okta.local', givenName: 'Test' });
    const put = await okta.client.put(`/Users/${created.id}`, { schemas: [USER_SCHEMA], userName: 'test.user@okta.local', name: { givenName: 'Tess', familyName: 'User' }, userType: 'admin', active: true });
    expectStatus(put, 200);
    expect((await valuesOf(okta.credentials.tenant.id, created.id)).values).toMatchObject({ appRoles: ['Admin'], givenName: 'Tess' });
    expectStatus(await okta.client.patch(`/Users/${created.id}`, [{ op: 'replace', value: { active: false } }]), 200);
    expect((await valuesOf(okta.credentials.tenant.id, created.id)).values.active).toBe(false);

    const onelogin = await tenantWith('onelogin');
    const user = await onelogin.client.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'jdoe@onelogin.example',
      name: { familyName: 'Doe', givenName: 'Jane' },
      title: 'manager',
      userType: '',
      active: 'true',
      emails: [{ value: 'jdoe@onelogin.example', type: 'work', primary: true }],
      [ENTERPRISE]: { organization: 'Acme', division: '', department: 'Sales' },
    });
    expectStatus(user, 201);
    const { values } = await valuesOf(onelogin.credentials.tenant.id, user.body.id);
    expect(values).toMatchObject({ appRoles: ['Manager'], organization: 'Acme', department: 'Sales' });
    expect(values).not.toHaveProperty('division');
  });

  it('dropdown values: "europe" joins "Europe", "Nordics" is added and flagged for review; both are filterable over SCIM', async () => {
    const { credentials, client, urn } = await tenantWith('generic');
    const first = await client.post('/Users', { schemas: [USER_SCHEMA, urn], userName: 'eu1@example.com', [urn]: { region: 'Europe', businessUnit: 'Retail' } });
    expectStatus(first, 201);
    expect(first.body[urn]).toEqual({ region: 'Europe', businessUnit: 'Retail' });
    const second = await client.post('/Users', { schemas: [USER_SCHEMA, urn], userName: 'eu2@example.com', [urn]: { region: '  europe ' } });
    const third = await client.post('/Users', { schemas: [USER_SCHEMA, urn], userName: 'no@example.com', [urn]: { region: 'Nordics' } });
    expect((await valuesOf(credentials.tenant.id, second.body.id)).values.region).toBe('Europe');
    expect((await valuesOf(credentials.tenant.id, third.body.id)).values.region).toBe('Nordics');
    const options = await scim.hub.hub.database.read((tx) =>
      tx.all<{ list_key: string; value: string; review_status: string; source_rule_id: string }>(tx.knex('option_values').where({ tenant_id: credentials.tenant.id }).orderBy(['list_key', 'value_norm'])),
    );
    expect(options.map((option) => [option.list_key, option.value, option.review_status])).toEqual([
      ['businessUnit', 'Retail', 'pending'],
      ['region', 'Europe', 'pending'],
      ['region', 'Nordics', 'pending'],
    ]);
    // SCIM filters read what the IdP sent (the raw echo); the mapped "Europe" of the second user is GraphQL's.
    expect((await client.filterUsers(`${urn}:region eq "europe"`)).totalResults).toBe(1);
    expect((await client.filterUsers(`${urn}:region sw "nor"`)).totalResults).toBe(1);
    const schemas = await client.get(`/Schemas/${urn}`);
    expect(schemas.body.attributes.map((attribute: { name: string }) => attribute.name).sort()).toEqual(['businessUnit', 'region']);
  });

  it('a value that fails validation is a 400 naming the field and rule, and changes nothing', async () => {
    const { credentials, client } = await tenantWith('generic');
    const definition: MappingSetDefinition = {
      ...createPresetMappingSet('generic', customSchemaUrnFor(credentials.tenant.slug)),
      rules: [
        ...createPresetMappingSet('generic', customSchemaUrnFor(credentials.tenant.slug)).rules.filter((rule) => rule.id !== 'role'),
        { id: 'role-strict', target: 'appRoles', from: 'userType' },
      ],
    };
    await scim.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, definition, 'test');
    const user = await client.createUser('strict@example.com', { userType: 'Admin' });
    const refused = await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'userType', value: 'Superhero' }]);
    expectScimError(refused, 400, 'invalidValue');
    expect(refused.body.detail).toMatch(/appRoles/);
    expect(refused.body.detail).toMatch(/role-strict/);
    const read = await client.get(`/Users/${user.id}`);
    expect(read.body.userType).toBe('Admin');
    expect(read.body.meta.version).toBe(user.meta.version);
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Admin']);
  });

  it('group rules: membership of "App-Admins" grants Admin (highest priority), leaving the group removes it', async () => {
    const { credentials, client } = await tenantWith('generic');
    const preset = createPresetMappingSet('generic', customSchemaUrnFor(credentials.tenant.slug));
    const definition: MappingSetDefinition = {
      ...preset,
      rules: [
        ...preset.rules.filter((rule) => rule.id !== 'role'),
        {
          id: 'groups-to-roles',
          target: 'appRoles',
          mode: 'highestPriority',
          fromGroups: [
            { name: 'App-Admins', value: 'Admin', priority: 1 },
            { namePattern: '^App-Mgr-.*$', value: 'Manager', priority: 2 },
          ],
        },
      ],
    };
    await scim.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, definition, 'test');
    const user = await client.createUser('grouped@example.com');
    const admins = await client.createGroup('app-admins');
    const managers = await client.createGroup('App-Mgr-Berlin', [user.id]);
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Manager']);
    expectStatus(await client.patch(`/Groups/${admins.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]), 204);
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Admin']);
    expectStatus(await client.patch(`/Groups/${admins.id}`, [{ op: 'remove', path: 'members' }]), 204);
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Manager']);
    expectStatus(await client.patch(`/Groups/${managers.id}`, [{ op: 'replace', path: 'displayName', value: 'Former managers' }]), 204);
    const renamed = (await valuesOf(credentials.tenant.id, user.id)).values.appRoles;
    expect(renamed === undefined || (Array.isArray(renamed) && renamed.length === 0)).toBe(true);
  });

  it('assignment rules: "department eq Legal" -> group legal and role Manager, revoked when the condition stops holding', async () => {
    const { credentials, client } = await tenantWith('entra');
    const preset = createPresetMappingSet('entra', customSchemaUrnFor(credentials.tenant.slug));
    await scim.hub.hub.services.mapping.publishMappingSet(
      credentials.tenant,
      credentials.connection,
      { ...preset, assignments: [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'], set: { appRoles: 'Manager' }, mode: 'merge' }] },
      'test',
    );
    const legal = await client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Legal' });
    expectStatus(legal, 201);
    const user = await client.createUser('counsel@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], userType: 'user', [ENTERPRISE]: { department: 'Legal' } });
    expect(await client.memberIds(legal.body.id)).toEqual([user.id]);
    expect(((await valuesOf(credentials.tenant.id, user.id)).values.appRoles as string[]).sort()).toEqual(['Contributor', 'Manager']);
    expectStatus(await client.patch(`/Users/${user.id}`, [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' }]), 200);
    expect(await client.memberIds(legal.body.id)).toEqual([]);
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Contributor']);
  });

  it('a mapping set that does not compile is refused with located errors and the active version stays', async () => {
    const { credentials, client } = await tenantWith('generic');
    await client.createUser('seeded@example.com');
    const broken: MappingSetDefinition = { rules: [{ id: 'bad', target: 'title', expr: 'lower(src.title' }, { id: 'nowhere', target: 'noSuchField', from: 'title' }] };
    await expect(scim.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, broken, 'test')).rejects.toThrow(/rules\.0.*line 1, column|noSuchField/);
    const pointer = await scim.hub.hub.database.read((tx) => tx.first<{ active_mapping_version: number }>(tx.knex('connections').where({ tenant_id: credentials.tenant.id })));
    expect(Number(pointer?.active_mapping_version)).toBe(1);
  });

  it('an admin-defined dropdown field, exposed under the tenant extension, is filled by a new mapping version', async () => {
    const { credentials, client, urn } = await tenantWith('generic');
    const mapping = scim.hub.hub.services.mapping;
    const schema = createDefaultDomainSchema(urn);
    await mapping.publishDomainSchema(
      credentials.tenant,
      {
        schema: { ...schema, fields: [...schema.fields, { key: 'site', label: 'Site', type: 'option', optionList: 'site', scim: { path: `${urn}:site` } }, { key: 'badge', label: 'Badge', type: 'text', validators: { pattern: '^B-[0-9]{3}$' } }] },
        optionLists: [...createDefaultOptionLists().map(({ values: _values, ...policy }) => policy), { key: 'site', label: 'Site', onUnknown: 'reject' }],
      },
      'admin@example.com',
    );
    const preset = createPresetMappingSet('generic', urn);
    const version = await mapping.publishMappingSet(
      credentials.tenant,
      credentials.connection,
      { ...preset, rules: [...preset.rules, { id: 'site', target: 'site', from: `${urn}:site` }, { id: 'badge', target: 'badge', from: 'nickName', pipe: ['trim', 'upper'] }] },
      'admin@example.com',
    );
    expect(version).toBe(2);
    const refused = await client.post('/Users', { schemas: [USER_SCHEMA, urn], userName: 'site@example.com', [urn]: { site: 'Atlantis' } });
    expectScimError(refused, 400, 'invalidValue');
    expect(refused.body.detail).toMatch(/site/);
    const badBadge = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'badge@example.com', nickName: 'x-1' });
    expectScimError(badBadge, 400, 'invalidValue');
    expect(badBadge.body.detail).toMatch(/badge/);
    const ok = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'badge@example.com', nickName: ' b-123 ' });
    expectStatus(ok, 201);
    const { values, provenance } = await valuesOf(credentials.tenant.id, ok.body.id);
    expect(values.badge).toBe('B-123');
    expect(provenance.badge).toMatchObject({ ruleId: 'badge', mappingVersion: 2, sourcePath: 'nickName', rawValue: ' b-123 ' });
    const schemas = await client.get(`/Schemas/${urn}`);
    expect(schemas.body.attributes.map((attribute: { name: string }) => attribute.name).sort()).toEqual(['badge', 'businessUnit', 'region', 'site']);
  });

  it('DELETE removes the mapped values with the user', async () => {
    const { credentials, client } = await tenantWith('generic');
    const user = await client.createUser('temp@example.com', { userType: 'admin' });
    expect((await valuesOf(credentials.tenant.id, user.id)).values.appRoles).toEqual(['Admin']);
    expectStatus(await client.delete(`/Users/${user.id}`), 204);
    expect(await scim.hub.hub.services.mapping.valuesOf(credentials.tenant.id, [user.id])).toEqual([]);
  });
});
