import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import { testDatabaseKind } from '../support/test-app';
import { USER_SCHEMA } from '../support/scim-client';
import { errorCodes, recordStatements, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { CreateApiKeyDocument, UserMappedFieldsDocument, UserNamesDocument, UserProvenanceDocument, UsersWithMappedFieldsDocument, type UserFilter } from '../graphql/generated/operations';

/** Statements that read users, memberships or mapped values (not the credential lookups every request makes). */
const DIRECTORY_TABLE = /\b(from|join)\s+[`"]?(users|groups|group_members|user_emails|user_values|domain_schemas)[`"]?(\s|$)/i;

/** Issue 5: the mapping engine's values on User (appRoles, businessUnit, region, attributes, provenance) and filters on them. */
describe(`GraphQL mapped user fields on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  /** A tenant with an admin-defined text field `badge`, filled from nickName by mapping version 2. */
  async function tenantWithBadge(): Promise<{ tenant: GraphqlTestTenant; urn: string }> {
    const tenant = await graphql.tenant();
    const { credentials } = tenant;
    const mapping = graphql.hub.hub.services.mapping;
    const urn = customSchemaUrnFor(credentials.tenant.slug);
    const schema = createDefaultDomainSchema(urn);
    await mapping.publishDomainSchema(
      credentials.tenant,
      { schema: { ...schema, fields: [...schema.fields, { key: 'badge', label: 'Badge', type: 'text' }] }, optionLists: createDefaultOptionLists().map(({ values: _values, ...policy }) => policy) },
      'admin@example.com',
    );
    const preset = createPresetMappingSet(credentials.connection.dialect, urn);
    await mapping.publishMappingSet(credentials.tenant, credentials.connection, { ...preset, rules: [...preset.rules, { id: 'badge', target: 'badge', from: 'nickName', pipe: ['trim', 'upper'] }] }, 'admin@example.com');
    return { tenant, urn };
  }

  async function userNames(tenant: GraphqlTestTenant, filter: UserFilter): Promise<string[]> {
    return (await tenant.admin.data(UserNamesDocument, { filter, first: 500 })).users.nodes.map((user) => user.userName);
  }

  it('a user carries its mapped roles, dropdown values and every domain field, with provenance for admins', async () => {
    const { tenant, urn } = await tenantWithBadge();
    const ada = await tenant.scim.createUser('Ada@Example.com', { schemas: [USER_SCHEMA, urn], userType: 'admin', nickName: ' b-7 ', name: { givenName: 'Ada' }, [urn]: { region: '  europe ', businessUnit: 'Retail' } });
    await tenant.scim.createUser('eu@example.com', { schemas: [USER_SCHEMA, urn], [urn]: { region: 'Europe' } });
    const { user } = await tenant.admin.data(UserMappedFieldsDocument, { id: ada.id, field: 'appRoles' });
    expect(user).toMatchObject({ appRoles: ['Admin'], businessUnit: 'Retail', region: 'europe' });
    expect(user?.attributes).toMatchObject({ appRoles: ['Admin'], badge: 'B-7', region: 'europe', businessUnit: 'Retail', givenName: 'Ada', email: 'ada@example.com', active: true });
    expect(user?.provenance).toMatchObject({ ruleId: 'role', mappingVersion: 2, sourcePath: 'userType', rawValue: 'admin' });
    expect(Date.parse(user?.provenance?.updatedAt ?? '')).not.toBeNaN();
    const badge = await tenant.admin.data(UserProvenanceDocument, { id: ada.id, field: 'badge' });
    expect(badge.user?.provenance).toEqual({ ruleId: 'badge' });
    expect((await tenant.admin.data(UserProvenanceDocument, { id: ada.id, field: 'noSuchField' })).user?.provenance).toBeNull();

    const plain = await tenant.scim.createUser('plain@example.com');
    const { user: unmapped } = await tenant.admin.data(UserMappedFieldsDocument, { id: plain.id, field: 'region' });
    // The preset's default role; no dropdown values.
    expect(unmapped).toMatchObject({ appRoles: ['Viewer'], businessUnit: null, region: null, provenance: null });
  });

  it('provenance needs the admin scope; the other mapped fields need read', async () => {
    const tenant = await graphql.tenant();
    const user = await tenant.scim.createUser('reader@example.com', { userType: 'viewer' });
    const key = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    const reader = tenant.client(key.createApiKey.secret);
    expect(errorCodes(await reader.send(UserProvenanceDocument, { id: user.id, field: 'appRoles' }))).toEqual(['FORBIDDEN']);
    expect((await reader.data(UsersWithMappedFieldsDocument, { first: 5 })).users.nodes[0].appRoles).toEqual(['Viewer']);
  });

  it('users filter on appRole, businessUnit, region and attribute conditions, folded like the stored values', async () => {
    const { tenant, urn } = await tenantWithBadge();
    await tenant.scim.createUser('ada@example.com', { schemas: [USER_SCHEMA, urn], userType: 'admin', nickName: 'b-100', [urn]: { region: 'Europe', businessUnit: 'Retail' } });
    await tenant.scim.createUser('max@example.com', { schemas: [USER_SCHEMA, urn], userType: 'manager', nickName: 'b-200', [urn]: { region: 'Nordics' } });
    await tenant.scim.createUser('vic@example.com', { schemas: [USER_SCHEMA, urn], userType: 'viewer', nickName: 'x_1', [urn]: { region: ' europe ', businessUnit: 'Wholesale' } });
    expect(await userNames(tenant, { appRole: 'ADMIN' })).toEqual(['ada@example.com']);
    expect(await userNames(tenant, { region: 'EUROPE' })).toEqual(['ada@example.com', 'vic@example.com']);
    expect(await userNames(tenant, { region: 'europe', businessUnit: 'wholesale' })).toEqual(['vic@example.com']);
    expect(await userNames(tenant, { appRole: 'Manager', region: 'Europe' })).toEqual([]);
    expect(await userNames(tenant, { attribute: [{ key: 'badge', startsWith: 'b-' }] })).toEqual(['ada@example.com', 'max@example.com']);
    // LIKE wildcards in a prefix match literally.
    expect(await userNames(tenant, { attribute: [{ key: 'badge', startsWith: 'X_' }] })).toEqual(['vic@example.com']);
    expect(await userNames(tenant, { attribute: [{ key: 'badge', startsWith: '_' }] })).toEqual([]);
    expect(await userNames(tenant, { attribute: [{ key: 'badge', in: ['B-200', 'x_1'] }, { key: 'appRoles', eq: 'viewer' }] })).toEqual(['vic@example.com']);
    expect(await userNames(tenant, { attribute: [{ key: 'region', eq: 'nordics' }], search: 'max' })).toEqual(['max@example.com']);
    expect(await userNames(tenant, { attribute: [{ key: 'noSuchField', eq: 'x' }] })).toEqual([]);
    const ambiguous = await tenant.admin.send(UserNamesDocument, { filter: { attribute: [{ key: 'badge', eq: 'a', startsWith: 'b' }] } });
    expect(errorCodes(ambiguous)).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(UserNamesDocument, { filter: { attribute: [{ key: 'badge' }] } }))).toEqual(['INVALID_INPUT']);
  });

  it('users(first: 50) with appRoles, attributes, groups and manager runs the same few statements for 5 users as for 50', async () => {
    const counts: number[] = [];
    for (const size of [5, 50]) {
      const tenant = await graphql.tenant();
      const boss = await tenant.scim.createUser('boss@example.com', { userType: 'admin' });
      const ids = [boss.id];
      for (let index = 1; index < size; index += 1) ids.push((await tenant.scim.createUser(`user${index}@example.com`, { userType: 'viewer' })).id);
      await tenant.scim.createGroup('All', ids);
      let nodes: { userName: string; appRoles: string[]; attributes: unknown }[] = [];
      const statements = (
        await recordStatements(graphql.hub, async () => {
          nodes = (await tenant.admin.data(UsersWithMappedFieldsDocument, { first: 50 })).users.nodes;
        })
      ).filter((sql) => DIRECTORY_TABLE.test(sql));
      expect(nodes).toHaveLength(size);
      expect(nodes.find((user) => user.userName === 'user1@example.com')).toMatchObject({ appRoles: ['Viewer'], attributes: { appRoles: ['Viewer'] } });
      counts.push(statements.length);
    }
    // The page of users, their groups, their mapped values, the domain schema.
    expect(counts).toEqual([4, 4]);
  });
});
