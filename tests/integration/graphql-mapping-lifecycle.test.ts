import { createPresetMappingSet, customSchemaUrnFor, SEED_ROLE_TABLE } from '../../src/domain/mapping/presets';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { renderMappingFile } from '../../src/services/mapping-file';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  ActivateDomainSchemaDocument,
  ActivateMappingSetDocument,
  CreateApiKeyDocument,
  DomainSchemaVersionsDocument,
  DraftDomainSchemaDocument,
  DraftMappingSetDocument,
  ExplainValueDocument,
  MappingJobDocument,
  MappingJobsDocument,
  MappingSetDocument,
  MappingSetsDocument,
  PreviewMappingDocument,
  RollbackMappingSetDocument,
  StartImpactAnalysisDocument,
  StartReapplyDocument,
  UsersFromMappingVersionDocument,
  ValidateDomainSchemaDocument,
  ValidateMappingSetDocument,
  type MappingJobFieldsFragment,
} from '../graphql/generated/operations';

/** Issues 4 and 5: the mapping lifecycle over GraphQL (admin scope), jobs run by the hub's own runner. */
describe(`GraphQL mapping lifecycle on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  function promoting(slug: string): MappingSetDefinition {
    const preset = createPresetMappingSet('entra', customSchemaUrnFor(slug));
    return {
      ...preset,
      rules: preset.rules.map((rule): MappingRuleDefinition => (rule.id === 'role' ? { ...rule, pipe: ['trim', { map: { ...SEED_ROLE_TABLE, user: 'Manager' }, default: 'Viewer' }] } : rule)),
    };
  }

  async function waitForJob(tenant: GraphqlTestTenant, id: string): Promise<MappingJobFieldsFragment> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      const { mappingJob } = await tenant.admin.data(MappingJobDocument, { id });
      if (mappingJob && mappingJob.state !== 'QUEUED' && mappingJob.state !== 'RUNNING') return mappingJob;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${id} did not finish`);
  }

  async function auditOf(tenant: GraphqlTestTenant, action: string) {
    const page = await graphql.hub.hub.services.audit.list(tenant.credentials.tenant.id, { action }, { limit: 20 });
    return page.items.map((item) => item.node);
  }

  async function createUsers(tenant: GraphqlTestTenant, userTypes: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [index, userType] of userTypes.entries()) ids.push((await tenant.scim.createUser(`u${index}@contoso.com`, { schemas: [USER_SCHEMA, ENTERPRISE], userType })).id as string);
    return ids;
  }

  it('drafts from YAML or structured input, validates with located errors, refuses to activate a draft, activates, rolls back; every mutation is audited', async () => {
    const tenant = await graphql.tenant();
    const slug = tenant.credentials.tenant.slug;
    const fromYaml = await tenant.admin.data(DraftMappingSetDocument, { input: { yaml: renderMappingFile(promoting(slug)), comment: 'user -> Manager' } });
    expect(fromYaml.draftMappingSet).toMatchObject({ version: 2, state: 'DRAFT', comment: 'user -> Manager', author: expect.stringMatching(/^apiKey:/), validationErrors: [] });
    const broken = await tenant.admin.data(DraftMappingSetDocument, { input: { definition: { dialect: 'entra', rules: [{ id: 'role', target: 'appRoles', expr: 'lower(src.userType' }] } } });
    expect(broken.draftMappingSet.version).toBe(3);
    expect(errorCodes(await tenant.admin.send(DraftMappingSetDocument, { input: { yaml: 'rules: [' } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(DraftMappingSetDocument, { input: {} }))).toEqual(['INVALID_INPUT']);

    const failed = await tenant.admin.data(ValidateMappingSetDocument, { version: 3 });
    expect(failed.validateMappingSet.ok).toBe(false);
    expect(failed.validateMappingSet.errors[0]).toMatchObject({ path: 'rules.0.expr', line: 1, column: expect.any(Number) });
    expect((await tenant.admin.data(MappingSetDocument, { version: 3 })).mappingSet?.validationErrors).toHaveLength(1);

    const refused = await tenant.admin.send(ActivateMappingSetDocument, { version: 2 });
    expect(errorCodes(refused)).toEqual(['PRECONDITION_FAILED']);
    expect(errorCodes(await tenant.admin.send(ActivateMappingSetDocument, { version: 3 }))).toEqual(['PRECONDITION_FAILED']);
    expect((await tenant.admin.data(ValidateMappingSetDocument, { version: 2 })).validateMappingSet).toMatchObject({ ok: true, mappingSet: { version: 2, state: 'VALIDATED' } });
    expect((await tenant.admin.data(ActivateMappingSetDocument, { version: 2 })).activateMappingSet).toMatchObject({ version: 2, state: 'ACTIVE' });
    expect((await tenant.admin.data(MappingSetDocument, {})).mappingSet?.version).toBe(2);
    expect((await tenant.admin.data(MappingSetsDocument)).mappingSets.map((set) => [set.version, set.state])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'ACTIVE'],
      [3, 'DRAFT'],
    ]);
    expect(errorCodes(await tenant.admin.send(RollbackMappingSetDocument, { version: 3 }))).toEqual(['PRECONDITION_FAILED']);
    expect((await tenant.admin.data(RollbackMappingSetDocument, { version: 1 })).rollbackMappingSet).toEqual({ version: 1, state: 'ACTIVE' });
    expect((await tenant.admin.data(MappingSetDocument, { version: 99 })).mappingSet).toBeNull();

    const apiKeyActor = { type: 'apiKey', id: expect.any(String) };
    expect((await auditOf(tenant, 'mapping.draft.create')).map((event) => event.actor)).toEqual([apiKeyActor, apiKeyActor]);
    expect((await auditOf(tenant, 'mapping.validate')).map((event) => event.diff)).toEqual([{ before: { state: 'draft' }, after: { state: 'validated' } }, { details: { ok: false, errors: 1 } }]);
    expect((await auditOf(tenant, 'mapping.activate')).map((event) => [event.actor, event.diff, event.requestId])).toEqual([[apiKeyActor, { before: { activeMappingVersion: 1 }, after: { activeMappingVersion: 2 } }, expect.any(String)]]);
    expect((await auditOf(tenant, 'mapping.rollback')).map((event) => event.diff)).toEqual([{ before: { activeMappingVersion: 2 }, after: { activeMappingVersion: 1 } }]);
  });

  it('previewMapping maps pasted requests, the dialect samples and the last requests received, and changes nothing', async () => {
    const tenant = await graphql.tenant();
    const slug = tenant.credentials.tenant.slug;
    const draft = (await tenant.admin.data(DraftMappingSetDocument, { input: { definition: promoting(slug) } })).draftMappingSet.version;
    const versionsBefore = (await tenant.admin.data(MappingSetsDocument)).mappingSets;

    const pasted = await tenant.admin.data(PreviewMappingDocument, {
      input: {
        version: draft,
        payloads: [
          {
            label: 'ada',
            requests: [
              { method: 'POST', body: { schemas: [USER_SCHEMA], userName: 'ada@contoso.com', userType: 'user' } },
              { method: 'PATCH', body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userType', value: 'admin' }] } },
            ],
          },
        ],
      },
    });
    const [ada] = pasted.previewMapping.results;
    expect(ada!.label).toBe('ada');
    expect(ada!.steps.map((step) => (step.values as Record<string, unknown>).appRoles)).toEqual([['Manager'], ['Admin']]);
    expect((ada!.steps[0]!.trace as Record<string, unknown[]>).appRoles!.length).toBeGreaterThan(0);
    // An unsaved definition (the preset) against the same request.
    const unsaved = await tenant.admin.data(PreviewMappingDocument, { input: { yaml: renderMappingFile(createPresetMappingSet('entra', customSchemaUrnFor(slug))), payloads: [{ requests: [{ method: 'POST', body: { schemas: [USER_SCHEMA], userName: 'x@contoso.com', userType: 'user' } }] }] } });
    expect((unsaved.previewMapping.results[0]!.steps[0]!.values as Record<string, unknown>).appRoles).toEqual(['Contributor']);

    const samples = await tenant.admin.data(PreviewMappingDocument, { input: { version: draft, dialectSamples: true } });
    expect(samples.previewMapping.notes).toEqual(['built-in samples of the generic dialect']);
    expect(samples.previewMapping.results[0]!.steps.map((step) => (step.values as Record<string, unknown>).appRoles)).toEqual([['Manager'], ['Viewer']]);

    await tenant.scim.createUser('logged@contoso.com', { userType: 'user' });
    await graphql.hub.hub.services.recentRequests.flush();
    const recent = await tenant.admin.data(PreviewMappingDocument, { input: { recentRequests: 5 } });
    expect(recent.previewMapping.results.map((result) => result.steps.map((step) => (step.values as Record<string, unknown>).email))).toEqual([['logged@contoso.com']]);

    expect(errorCodes(await tenant.admin.send(PreviewMappingDocument, { input: { version: draft } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(PreviewMappingDocument, { input: { version: draft, dialectSamples: true, recentRequests: 3 } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(PreviewMappingDocument, { input: { version: 42, dialectSamples: true } }))).toEqual(['NOT_FOUND']);
    expect((await tenant.admin.data(MappingSetsDocument)).mappingSets).toEqual(versionsBefore);
    expect(await auditOf(tenant, 'mapping.activate')).toEqual([]);
  });

  it('impact analysis and re-apply run as jobs with readable progress; explain and "users from version N" follow the values', async () => {
    const tenant = await graphql.tenant();
    const slug = tenant.credentials.tenant.slug;
    const ids = await createUsers(tenant, ['user', 'user', 'admin']);
    const draft = (await tenant.admin.data(DraftMappingSetDocument, { input: { definition: promoting(slug) } })).draftMappingSet.version;

    const queued = (await tenant.admin.data(StartImpactAnalysisDocument, { version: draft })).startImpactAnalysis;
    expect(queued).toMatchObject({ kind: 'IMPACT', mappingVersion: draft, total: 3 });
    const impact = await waitForJob(tenant, queued.id);
    expect(impact).toMatchObject({ state: 'SUCCEEDED', processed: 3, failed: 0, error: null });
    expect(impact.impact).toMatchObject({ usersEvaluated: 3, unchanged: 1, failingValidation: 0 });
    expect(impact.impact!.changes).toEqual([{ field: 'appRoles', transition: 'Contributor -> Manager', count: 2, sampleUserIds: [ids[0], ids[1]].sort() }]);
    expect((await tenant.admin.data(ExplainValueDocument, { userId: ids[0]!, field: 'appRoles' })).explainValue.values).toEqual([
      expect.objectContaining({ value: 'Contributor', ruleId: 'role', mappingVersion: 1, sourcePath: 'userType', rawValue: 'user' }),
    ]);

    await tenant.admin.data(ValidateMappingSetDocument, { version: draft });
    await tenant.admin.data(ActivateMappingSetDocument, { version: draft });
    const reapply = (await tenant.admin.data(StartReapplyDocument)).startReapply;
    expect(reapply).toMatchObject({ kind: 'REAPPLY', mappingVersion: draft, total: 3 });
    const done = await waitForJob(tenant, reapply.id);
    expect(done).toMatchObject({ state: 'SUCCEEDED', processed: 3, failed: 0, attempts: 1, reapply: { written: 3, failedSampleUserIds: [] } });
    expect((await tenant.admin.data(MappingJobsDocument)).mappingJobs.map((job) => [job.id, job.kind])).toEqual([
      [reapply.id, 'REAPPLY'],
      [queued.id, 'IMPACT'],
    ]);

    expect((await tenant.admin.data(ExplainValueDocument, { userId: ids[0]!, field: 'appRoles' })).explainValue.values).toEqual([
      expect.objectContaining({ value: 'Manager', ruleId: 'role', mappingVersion: draft, sourcePath: 'userType', rawValue: 'user' }),
    ]);
    expect((await tenant.admin.data(ExplainValueDocument, { userId: ids[0]!, field: 'nothing' })).explainValue.values).toEqual([]);
    const sorted = [...ids].sort();
    const first = (await tenant.admin.data(UsersFromMappingVersionDocument, { version: draft, first: 2 })).usersFromMappingVersion;
    expect(first).toEqual({ userIds: sorted.slice(0, 2), endCursor: sorted[1] });
    expect((await tenant.admin.data(UsersFromMappingVersionDocument, { version: draft, first: 2, after: first.endCursor })).usersFromMappingVersion).toEqual({ userIds: [sorted[2]], endCursor: null });
    expect((await tenant.admin.data(UsersFromMappingVersionDocument, { version: 1 })).usersFromMappingVersion.userIds).toEqual([]);

    // Ids of another tenant's job are not found here.
    const other = await graphql.tenant();
    expect((await other.admin.data(MappingJobDocument, { id: reapply.id })).mappingJob).toBeNull();
    expect((await auditOf(tenant, 'mapping.impact.start')).map((event) => event.diff)).toEqual([{ details: { jobId: queued.id } }]);
    expect((await auditOf(tenant, 'mapping.reapply.start')).map((event) => [event.actor.type, event.target, event.diff])).toEqual([
      ['apiKey', { type: 'mappingSet', id: `${tenant.credentials.connection.id}:${draft}` }, { details: { jobId: reapply.id } }],
    ]);
    expect((await auditOf(tenant, 'mapping.reapply')).map((event) => event.diff)).toEqual([{ details: { jobId: reapply.id, processed: 3, failed: 0, written: 3 } }]);
    expect(errorCodes(await tenant.admin.send(StartImpactAnalysisDocument, { version: 77 }))).toEqual(['NOT_FOUND']);
  });

  it('domain schema versions: draft, validate, activate (exactly one active), refused drafts, audited', async () => {
    const tenant = await graphql.tenant();
    const [seeded] = (await tenant.admin.data(DomainSchemaVersionsDocument)).domainSchemaVersions;
    expect(seeded).toMatchObject({ version: 1, state: 'ACTIVE' });
    const definition = seeded!.definition as { schema: { customSchemaUrn: string; fields: Record<string, unknown>[] }; optionLists: unknown[] };
    const withBadge = { ...definition, schema: { ...definition.schema, fields: [...definition.schema.fields, { key: 'badge', label: 'Badge', type: 'text' }] } };
    const drafted = (await tenant.admin.data(DraftDomainSchemaDocument, { input: { definition: withBadge, comment: 'badge' } })).draftDomainSchema;
    expect(drafted).toEqual({ version: 2, state: 'DRAFT', comment: 'badge' });
    expect(errorCodes(await tenant.admin.send(DraftDomainSchemaDocument, { input: { definition: { fields: 'nope' } } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(ActivateDomainSchemaDocument, { version: 2 }))).toEqual(['PRECONDITION_FAILED']);
    expect((await tenant.admin.data(ValidateDomainSchemaDocument, { version: 2 })).validateDomainSchema).toEqual({ ok: true, errors: [], domainSchema: { version: 2, state: 'VALIDATED' } });
    expect((await tenant.admin.data(ActivateDomainSchemaDocument, { version: 2 })).activateDomainSchema).toEqual({ version: 2, state: 'ACTIVE' });
    expect((await tenant.admin.data(DomainSchemaVersionsDocument)).domainSchemaVersions.map((version) => [version.version, version.state])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'ACTIVE'],
    ]);
    expect((await auditOf(tenant, 'domain_schema.activate')).map((event) => event.diff)).toEqual([{ before: { activeSchemaVersion: 1 }, after: { activeSchemaVersion: 2 } }]);
    expect((await auditOf(tenant, 'domain_schema.draft.create'))).toHaveLength(1);
    expect((await auditOf(tenant, 'domain_schema.validate'))).toHaveLength(1);
  });

  it('the lifecycle needs the admin scope', async () => {
    const tenant = await graphql.tenant();
    const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    const reader = tenant.client(createApiKey.secret);
    expect(errorCodes(await reader.send(MappingSetsDocument))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await reader.send(StartReapplyDocument))).toEqual(['FORBIDDEN']);
  });
});
