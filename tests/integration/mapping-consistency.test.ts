import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import type { SchemaVersionDefinition } from '../../src/services/mapping.service';
import { renderMappingFile } from '../../src/services/mapping-file';
import { testDatabaseKind } from '../support/test-app';
import { databaseUrl, runCli } from '../support/processes';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  ActivateDomainSchemaDocument,
  ActivateMappingSetDocument,
  DraftDomainSchemaDocument,
  DraftMappingSetDocument,
  RollbackMappingSetDocument,
  ValidateDomainSchemaDocument,
  ValidateMappingSetDocument,
} from '../graphql/generated/operations';

/** Issue 16, part 4: a schema and the mappings that run under it never contradict each other. */
describe(`Schema and mapping consistency on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  function schemaOf(tenant: GraphqlTestTenant, change: (fields: SchemaVersionDefinition['schema']['fields']) => SchemaVersionDefinition['schema']['fields']): SchemaVersionDefinition {
    const schema = createDefaultDomainSchema(customSchemaUrnFor(tenant.credentials.tenant.slug));
    return { schema: { ...schema, fields: change(schema.fields) }, optionLists: createDefaultOptionLists().map(({ values: _values, ...policy }) => policy) };
  }

  const withoutManager = (fields: SchemaVersionDefinition['schema']['fields']) => fields.map((field) => (field.key === 'appRoles' ? { ...field, values: ['Admin', 'Contributor', 'Viewer'] } : field));

  function mappingOf(tenant: GraphqlTestTenant, overrides: readonly MappingRuleDefinition[], drop: readonly string[] = []): MappingSetDefinition {
    const preset = createPresetMappingSet(tenant.credentials.connection.dialect, customSchemaUrnFor(tenant.credentials.tenant.slug));
    const byId = new Map(overrides.map((rule) => [rule.id, rule]));
    return { ...preset, rules: preset.rules.filter((rule) => !drop.includes(rule.id)).map((rule) => byId.get(rule.id) ?? rule) };
  }

  async function draftSchema(tenant: GraphqlTestTenant, definition: SchemaVersionDefinition): Promise<number> {
    return (await tenant.admin.data(DraftDomainSchemaDocument, { input: { definition } })).draftDomainSchema.version;
  }

  async function activeMapping(tenant: GraphqlTestTenant, definition: MappingSetDefinition): Promise<number> {
    const { version } = (await tenant.admin.data(DraftMappingSetDocument, { input: { definition } })).draftMappingSet;
    expect((await tenant.admin.data(ValidateMappingSetDocument, { version })).validateMappingSet.ok).toBe(true);
    await tenant.admin.data(ActivateMappingSetDocument, { version });
    return version;
  }

  const noManager: MappingRuleDefinition = { id: 'role', target: 'appRoles', from: 'userType', pipe: ['trim', { map: { admin: 'Admin', manager: 'Admin', user: 'Contributor', viewer: 'Viewer' }, default: 'Viewer' }] };

  it('a schema without a role the active mapping writes does not validate or activate, naming the rule and the field', async () => {
    const tenant = await graphql.tenant();
    const version = await draftSchema(tenant, schemaOf(tenant, withoutManager));
    const validation = (await tenant.admin.data(ValidateDomainSchemaDocument, { version })).validateDomainSchema;
    expect(validation.ok).toBe(false);
    expect(validation.errors.map((error) => error.message).join(' ')).toMatch(/rule 'role'.*appRoles.*Manager/);
    const activation = await tenant.admin.send(ActivateDomainSchemaDocument, { version });
    expect(errorCodes(activation)).toEqual(['PRECONDITION_FAILED']);
  });

  it('once the mapping stops writing Manager the schema activates; a rollback to the mapping that wrote it is refused', async () => {
    const tenant = await graphql.tenant();
    const v2 = await activeMapping(tenant, mappingOf(tenant, [noManager]));
    const schema = await draftSchema(tenant, schemaOf(tenant, withoutManager));
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version: schema })).validateDomainSchema.ok).toBe(true);
    await tenant.admin.data(ActivateDomainSchemaDocument, { version: schema });

    const rollback = await tenant.admin.send(RollbackMappingSetDocument, { version: 1 });
    expect(errorCodes(rollback)).toEqual(['INVALID_INPUT']);
    expect(rollback.errors?.[0].message).toMatch(/rule 'role'.*appRoles.*Manager/);

    // A draft that writes Manager does not validate under the active schema, so it cannot be activated.
    const { version: draft } = (await tenant.admin.data(DraftMappingSetDocument, { input: { definition: mappingOf(tenant, []) } })).draftMappingSet;
    expect((await tenant.admin.data(ValidateMappingSetDocument, { version: draft })).validateMappingSet.ok).toBe(false);
    expect(errorCodes(await tenant.admin.send(ActivateMappingSetDocument, { version: draft }))).toEqual(['PRECONDITION_FAILED']);
    expect(v2).toBe(2);
  });

  it('a validated schema is checked again at activation against the mapping active then', async () => {
    const tenant = await graphql.tenant();
    await activeMapping(tenant, mappingOf(tenant, [noManager]));
    const schema = await draftSchema(tenant, schemaOf(tenant, withoutManager));
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version: schema })).validateDomainSchema.ok).toBe(true);
    // Meanwhile the preset (which writes Manager) is active again.
    await tenant.admin.data(RollbackMappingSetDocument, { version: 1 });
    const activation = await tenant.admin.send(ActivateDomainSchemaDocument, { version: schema });
    expect(errorCodes(activation)).toEqual(['INVALID_INPUT']);
    expect(activation.errors?.[0].message).toMatch(/rule 'role'.*appRoles.*Manager/);
  });

  it('mapping validate --tenant checks a file against that tenant’s active schema', async () => {
    const tenant = await graphql.tenant();
    // The tenant's roles include Approver; it has no cost center field.
    await activeMapping(tenant, mappingOf(tenant, [], ['costCenter']));
    const schema = await draftSchema(
      tenant,
      schemaOf(tenant, (fields) => fields.filter((field) => field.key !== 'costCenter').map((field) => (field.key === 'appRoles' ? { ...field, values: [...(field.values ?? []), 'Approver'] } : field))),
    );
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version: schema })).validateDomainSchema.ok).toBe(true);
    await tenant.admin.data(ActivateDomainSchemaDocument, { version: schema });

    const directory = mkdtempSync(path.join(os.tmpdir(), 'mapping-validate-'));
    try {
      const approver = path.join(directory, 'approver.yaml');
      writeFileSync(approver, renderMappingFile(mappingOf(tenant, [{ id: 'role', target: 'appRoles', from: 'userType', pipe: [{ map: { approver: 'Approver' }, default: 'Viewer' }] }], ['costCenter'])));
      const costCenter = path.join(directory, 'cost-center.yaml');
      writeFileSync(costCenter, renderMappingFile(mappingOf(tenant, [])));
      const env = { DATABASE_URL: databaseUrl(graphql.hub.config.database) };
      const slug = tenant.credentials.tenant.slug;
      const valid = await runCli(['mapping', 'validate', approver, '--tenant', slug], env);
      expect(valid.stdout).toContain('valid');
      expect(valid.status).toBe(0);
      const invalid = await runCli(['mapping', 'validate', costCenter, '--tenant', slug], env);
      expect(invalid.status).not.toBe(0);
      expect(invalid.stdout).toContain("'costCenter' is not a field");
      const unknown = await runCli(['mapping', 'validate', approver, '--tenant', 'no-such-tenant'], env);
      expect(unknown.status).not.toBe(0);
      expect(unknown.stderr).toContain('no-such-tenant');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
