import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { SchemaVersionDefinition } from '../../src/services/mapping.service';
import { testDatabaseKind } from '../support/test-app';
import { expectStatus, USER_SCHEMA } from '../support/scim-client';
import { useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { ActivateDomainSchemaDocument, DomainSchemaDocument, DraftDomainSchemaDocument, UserMappedFieldsDocument, ValidateDomainSchemaDocument } from '../graphql/generated/operations';

/** Issue 16, part 6: a custom field gets its SCIM attribute under the tenant's extension without the admin naming one. */
describe(`Custom fields over SCIM on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function tenantExtension(tenant: GraphqlTestTenant): Promise<Record<string, any> | undefined> {
    const response = await tenant.scim.get('/Schemas');
    expectStatus(response, 200);
    return (response.body.Resources as Record<string, any>[]).find((schema) => schema.id === customSchemaUrnFor(tenant.credentials.tenant.slug));
  }

  it('a custom field without a SCIM path is exposed as <extension>:<key>, shown to the admin and in /Schemas at once', async () => {
    const tenant = await graphql.tenant();
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    expect((await tenantExtension(tenant))?.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['businessUnit', 'region']);

    const base = createDefaultDomainSchema(urn);
    const definition: SchemaVersionDefinition = {
      schema: { ...base, fields: [...base.fields, { key: 'badgeNumber', label: 'Badge number', type: 'text' }, { key: 'remote', label: 'Remote', type: 'boolean' }] },
      optionLists: createDefaultOptionLists().map(({ values: _values, ...policy }) => policy),
    };
    const { version } = (await tenant.admin.data(DraftDomainSchemaDocument, { input: { definition } })).draftDomainSchema;
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version })).validateDomainSchema.ok).toBe(true);
    await tenant.admin.data(ActivateDomainSchemaDocument, { version });

    const fields = (await tenant.admin.data(DomainSchemaDocument)).domainSchema.fields;
    expect(fields.find((field) => field.key === 'badgeNumber')?.scimPath).toBe(`${urn}:badgeNumber`);
    expect(fields.find((field) => field.key === 'remote')?.scimPath).toBe(`${urn}:remote`);
    expect(fields.find((field) => field.key === 'givenName')?.scimPath).toBeNull();
    const extension = await tenantExtension(tenant);
    expect(extension?.attributes.map((attribute: { name: string; type: string }) => [attribute.name, attribute.type])).toEqual([
      ['businessUnit', 'string'],
      ['region', 'string'],
      ['badgeNumber', 'string'],
      ['remote', 'boolean'],
    ]);

    // The IdP sends it under the derived name; a rule reading that path maps it (the mapping change is what makes it a value).
    const { credentials } = tenant;
    const preset = createPresetMappingSet(credentials.connection.dialect, urn);
    await graphql.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, { ...preset, rules: [...preset.rules, { id: 'badge', target: 'badgeNumber', from: `${urn}:badgeNumber` }] }, 'admin@example.com');
    const user = await tenant.scim.createUser('ada@example.com', { schemas: [USER_SCHEMA, urn], [urn]: { badgeNumber: 'B-7', remote: true } });
    expect(user[urn]).toEqual({ badgeNumber: 'B-7', remote: true });
    const { user: read } = await tenant.admin.data(UserMappedFieldsDocument, { id: user.id, field: 'badgeNumber' });
    expect(read?.attributes).toMatchObject({ badgeNumber: 'B-7' });
  });

  it('a derived path that collides with an explicit one is refused, naming both fields', async () => {
    const tenant = await graphql.tenant();
    const urn = customSchemaUrnFor(tenant.credentials.tenant.slug);
    const base = createDefaultDomainSchema(urn);
    const definition: SchemaVersionDefinition = {
      schema: { ...base, fields: [...base.fields, { key: 'site', label: 'Site', type: 'text', scim: { path: `${urn}:badge` } }, { key: 'badge', label: 'Badge', type: 'text' }] },
      optionLists: createDefaultOptionLists().map(({ values: _values, ...policy }) => policy),
    };
    const { version } = (await tenant.admin.data(DraftDomainSchemaDocument, { input: { definition } })).draftDomainSchema;
    const validation = (await tenant.admin.data(ValidateDomainSchemaDocument, { version })).validateDomainSchema;
    expect(validation.ok).toBe(false);
    expect(validation.errors.map((error) => error.message).join(' ')).toMatch(/badge.*already used by 'site'/);
  });
});
