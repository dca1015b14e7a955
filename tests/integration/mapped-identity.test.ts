import { createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { MappingRuleDefinition } from '../../src/domain/mapping/mapping-set';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, SCIM, USER_SCHEMA } from '../support/scim-client';
import { useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { MappedIdentityUserDocument, MappedIdentityUsersDocument, OptionListDocument, type UserFilter, type UserOrder } from '../graphql/generated/operations';

/** Issue 16, part 1: every domain field GraphQL serves is the mapped value; SCIM echoes what the IdP sent. */
describe(`GraphQL reads the mapped identity on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  /** The tenant's preset with some rules replaced (by id). */
  async function withRules(tenant: GraphqlTestTenant, overrides: readonly MappingRuleDefinition[], drop: readonly string[] = []): Promise<void> {
    const { credentials } = tenant;
    const preset = createPresetMappingSet(credentials.connection.dialect, customSchemaUrnFor(credentials.tenant.slug));
    const byId = new Map(overrides.map((rule) => [rule.id, rule]));
    const rules = preset.rules.filter((rule) => !drop.includes(rule.id)).map((rule) => byId.get(rule.id) ?? rule);
    await graphql.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, { ...preset, rules }, 'admin@example.com');
  }

  async function list(tenant: GraphqlTestTenant, filter?: UserFilter, orderBy?: UserOrder) {
    return (await tenant.admin.data(MappedIdentityUsersDocument, { filter, orderBy, first: 100 })).users.nodes;
  }

  async function names(tenant: GraphqlTestTenant, filter?: UserFilter, orderBy?: UserOrder): Promise<string[]> {
    return (await list(tenant, filter, orderBy)).map((user) => user.userName);
  }

  it('typed fields, filters and sorts follow the active mapping; SCIM reads echo the raw resource', async () => {
    const tenant = await graphql.tenant();
    await withRules(tenant, [
      { id: 'department', target: 'department', from: `${ENTERPRISE}:department`, pipe: ['trim', { expr: 'replace(value, " Ops", "")' }] },
      { id: 'email', target: 'email', from: 'emails[type eq "work"].value', pipe: ['trim', 'lower'] },
      { id: 'givenName', target: 'givenName', from: 'nickName', pipe: ['trim'] },
      { id: 'title', target: 'title', from: 'title', pipe: ['trim', 'upper'] },
      { id: 'costCenter', target: 'costCenter', from: `${ENTERPRISE}:costCenter`, pipe: [{ expr: 'prepend(value, "CC-")' }] },
    ]);
    const boss = await tenant.scim.createUser('boss@example.com', { nickName: 'Bo', name: { givenName: 'Amy' } });
    const jane = await tenant.scim.createUser('jane.d@example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      nickName: 'Al',
      name: { givenName: 'Zed', familyName: 'Doe' },
      title: 'lawyer',
      emails: [{ value: 'jane.d@example.com', primary: true }, { value: 'Jane.Doe@Corp.Example.com', type: 'work' }],
      [ENTERPRISE]: { department: 'Legal Ops', costCenter: '4711', manager: { value: boss.id } },
    });

    const { user } = await tenant.admin.data(MappedIdentityUserDocument, { id: jane.id });
    expect(user).toMatchObject({ email: 'jane.doe@corp.example.com', department: 'Legal', givenName: 'Al', familyName: 'Doe', title: 'LAWYER', costCenter: 'CC-4711', manager: { userName: 'boss@example.com' } });
    expect(await names(tenant, { department: 'legal' })).toEqual(['jane.d@example.com']);
    expect(await names(tenant, { department: 'Legal Ops' })).toEqual([]);
    expect(await names(tenant, { costCenter: 'cc-4711' })).toEqual(['jane.d@example.com']);
    expect(await names(tenant, { title: 'LAWYER' })).toEqual(['jane.d@example.com']);
    expect(await names(tenant, { search: 'Jane.Doe@Corp' })).toEqual(['jane.d@example.com']);
    expect(await names(tenant, undefined, { field: 'GIVEN_NAME', direction: 'ASC' })).toEqual(['jane.d@example.com', 'boss@example.com']);
    expect((await list(tenant, { department: 'legal' }))[0].attributes).toMatchObject({ department: 'Legal', email: 'jane.doe@corp.example.com' });
    const reports = (await list(tenant, { search: 'boss' }))[0].directReports.nodes.map((report) => report.userName);
    expect(reports).toEqual(['jane.d@example.com']);

    const echoed = await graphql.hub.http.get(`${SCIM}/Users/${jane.id}`).set('Authorization', `Bearer ${tenant.credentials.scimToken}`);
    expect(echoed.body).toMatchObject({ name: { givenName: 'Zed' }, title: 'lawyer', [ENTERPRISE]: { department: 'Legal Ops', costCenter: '4711' } });
  });

  it('a field the mapping does not write is empty over GraphQL, whatever the IdP sent', async () => {
    const tenant = await graphql.tenant();
    await withRules(tenant, [], ['manager', 'division']);
    const boss = await tenant.scim.createUser('boss@example.com');
    const jane = await tenant.scim.createUser('jane@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { division: 'North', manager: { value: boss.id } } });
    const { user } = await tenant.admin.data(MappedIdentityUserDocument, { id: jane.id });
    expect(user).toMatchObject({ division: null, manager: null });
    expect(await names(tenant, { division: 'North' })).toEqual([]);
  });

  it('the preset keeps the values IdPs send, and department becomes an option list', async () => {
    const tenant = await graphql.tenant();
    const ada = await tenant.scim.createUser('Ada@Example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      displayName: 'Ada L.',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      title: 'Engineer',
      userType: 'Employee',
      [ENTERPRISE]: { department: 'Legal', division: 'North', organization: 'Acme', costCenter: '4711', employeeNumber: '42' },
    });
    await tenant.scim.createUser('bob@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: '  legal ' } });
    const { user } = await tenant.admin.data(MappedIdentityUserDocument, { id: ada.id });
    expect(user).toMatchObject({
      displayName: 'Ada L.',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.com',
      title: 'Engineer',
      userType: 'Employee',
      department: 'Legal',
      division: 'North',
      organization: 'Acme',
      costCenter: '4711',
      employeeNumber: '42',
    });
    expect((await list(tenant, { department: 'LEGAL' })).map((each) => each.department)).toEqual(['Legal', 'Legal']);
    const departments = (await tenant.admin.data(OptionListDocument, { key: 'department' })).optionList;
    expect(departments?.values.map((option) => option.value)).toEqual(['Legal']);
  });
});

describe(`A tenant's mapping defaults on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('are seeded when the tenant is created, before anything reads them', async () => {
    const { credentials } = await graphql.tenant();
    const { directory, mappingLifecycle } = graphql.hub.hub.services;
    const definition = await directory.activeSchemaDefinition(credentials.tenant.id);
    expect(definition?.schema.fields.map((field) => field.key)).toContain('department');
    const versions = await mappingLifecycle.listVersions(credentials.tenant, credentials.connection);
    expect(versions.map((version) => [version.version, version.state])).toEqual([[1, 'active']]);
  });
});
