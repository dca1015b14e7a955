import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { SchemaVersionDefinition } from '../../src/services/mapping.service';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  ActivateDomainSchemaDocument,
  AddOptionValueDocument,
  DraftDomainSchemaDocument,
  MappedIdentityUsersDocument,
  MergeOptionValuesDocument,
  OptionListDocument,
  RenameOptionValueDocument,
  RetireOptionValueDocument,
  ReviewOptionValueDocument,
  UserMappedFieldsDocument,
  ValidateDomainSchemaDocument,
} from '../graphql/generated/operations';

/** Issue 16, part 5: option lists are the admin's: declared values, add, rename (aliases kept), merge, retire, approve. */
describe(`Option lists on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function values(tenant: GraphqlTestTenant, key: string) {
    return (await tenant.admin.data(OptionListDocument, { key })).optionList?.values.map(({ value, aliases, reviewStatus }) => ({ value, aliases, reviewStatus }));
  }

  async function departments(tenant: GraphqlTestTenant): Promise<Record<string, string | null>> {
    const users = (await tenant.admin.data(MappedIdentityUsersDocument, { first: 100 })).users.nodes;
    return Object.fromEntries(users.map((user) => [user.userName, user.department]));
  }

  it('values declared in the schema are the list; the IdP sends them in any spelling', async () => {
    const tenant = await graphql.tenant();
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    const base = createDefaultDomainSchema(urn);
    const definition = {
      schema: { ...base, fields: [...base.fields, { key: 'seniority', label: 'Seniority', type: 'option', optionList: 'seniority', scim: { path: `${urn}:seniority` } }] },
      optionLists: [...createDefaultOptionLists().map(({ values: _values, ...policy }) => policy), { key: 'seniority', onUnknown: 'reject', values: ['Junior', 'Senior'] }],
    } as unknown as SchemaVersionDefinition;
    const { version } = (await tenant.admin.data(DraftDomainSchemaDocument, { input: { definition } })).draftDomainSchema;
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version })).validateDomainSchema.ok).toBe(true);
    await tenant.admin.data(ActivateDomainSchemaDocument, { version });
    expect(await values(tenant, 'seniority')).toEqual([
      { value: 'Junior', aliases: [], reviewStatus: 'approved' },
      { value: 'Senior', aliases: [], reviewStatus: 'approved' },
    ]);
    const { credentials } = tenant;
    const preset = createPresetMappingSet(credentials.connection.dialect, urn);
    await graphql.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, { ...preset, rules: [...preset.rules, { id: 'seniority', target: 'seniority', from: `${urn}:seniority` }] }, 'admin@example.com');
    const senior = await tenant.scim.createUser('s@example.com', { schemas: [USER_SCHEMA, urn], [urn]: { seniority: ' senior ' } });
    const { user } = await tenant.admin.data(UserMappedFieldsDocument, { id: senior.id, field: 'seniority' });
    expect(user?.attributes).toMatchObject({ seniority: 'Senior' });
    const refused = await tenant.scim.post('/Users', { schemas: [USER_SCHEMA, urn], userName: 'x@example.com', [urn]: { seniority: 'Lead' } });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('seniority');
    await tenant.admin.data(AddOptionValueDocument, { input: { list: 'seniority', value: 'Principal', aliases: ['Staff'] } });
    expect((await values(tenant, 'seniority'))?.map((option) => option.value)).toEqual(['Junior', 'Principal', 'Senior']);
    expect(errorCodes(await tenant.admin.send(AddOptionValueDocument, { input: { list: 'seniority', value: ' staff ' } }))).toEqual(['CONFLICT']);
    expect(errorCodes(await tenant.admin.send(AddOptionValueDocument, { input: { list: 'noSuchList', value: 'x' } }))).toEqual(['NOT_FOUND']);
  });

  it('a rename keeps the old spelling as an alias and moves the stored users; a merge folds values into one', async () => {
    const tenant = await graphql.tenant();
    const user = (name: string, department: string) => tenant.scim.createUser(name, { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department } });
    await user('a@example.com', 'Legal');
    await user('b@example.com', '  legal ');
    await user('c@example.com', 'Sales');
    await user('d@example.com', 'Sales Team');

    const renamed = (await tenant.admin.data(RenameOptionValueDocument, { input: { list: 'department', value: 'LEGAL', newValue: 'Legal & Compliance' } })).renameOptionValue;
    expect(renamed.remappedUsers).toBe(2);
    expect(renamed.optionList.values.find((option) => option.value === 'Legal & Compliance')?.aliases).toEqual(['Legal']);
    await user('e@example.com', 'legal');

    const merged = (await tenant.admin.data(MergeOptionValuesDocument, { input: { list: 'department', values: ['Sales Team'], into: 'sales' } })).mergeOptionValues;
    expect(merged.remappedUsers).toBe(1);
    expect(merged.optionList.values.map((option) => [option.value, option.aliases])).toEqual([
      ['Legal & Compliance', ['Legal']],
      ['Sales', ['Sales Team']],
    ]);
    expect(await departments(tenant)).toEqual({
      'a@example.com': 'Legal & Compliance',
      'b@example.com': 'Legal & Compliance',
      'c@example.com': 'Sales',
      'd@example.com': 'Sales',
      'e@example.com': 'Legal & Compliance',
    });
    expect(errorCodes(await tenant.admin.send(RenameOptionValueDocument, { input: { list: 'department', value: 'Sales', newValue: 'legal' } }))).toEqual(['CONFLICT']);
    expect(errorCodes(await tenant.admin.send(MergeOptionValuesDocument, { input: { list: 'department', values: ['Nope'], into: 'Sales' } }))).toEqual(['NOT_FOUND']);
  });

  it('retired values leave the list offered for matching; auto-added ones stay pending until approved', async () => {
    const tenant = await graphql.tenant();
    await tenant.scim.createUser('a@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'Temp' } });
    expect(await values(tenant, 'department')).toEqual([{ value: 'Temp', aliases: [], reviewStatus: 'pending' }]);
    await tenant.admin.data(ReviewOptionValueDocument, { input: { list: 'department', value: 'temp', approve: true } });
    expect(await values(tenant, 'department')).toEqual([{ value: 'Temp', aliases: [], reviewStatus: 'approved' }]);
    const retired = (await tenant.admin.data(RetireOptionValueDocument, { input: { list: 'department', value: 'Temp' } })).retireOptionValue;
    expect(retired.optionList.values).toEqual([{ value: 'Temp', aliases: [], reviewStatus: 'retired' }]);
    // An IdP that sends it again brings it back for review (the list's policy adds unknown values).
    await tenant.scim.createUser('b@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'temp' } });
    expect(await values(tenant, 'department')).toEqual([{ value: 'Temp', aliases: [], reviewStatus: 'pending' }]);
  });
});
