import type { Actor } from '../../src/domain/audit';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { createPresetMappingSet, customSchemaUrnFor, SEED_ROLE_TABLE } from '../../src/domain/mapping/presets';
import type { Tx } from '../../src/persistence/database';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';

const ADMIN: Actor = { type: 'user', id: 'admin@example.com' };

/** Versions, dry run, impact diff, activation, rollback, re-apply and explain of a connection's mapping sets. */
describe(`mapping lifecycle on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();
  const lifecycle = () => scim.hub.hub.services.mappingLifecycle;

  async function entraTenant() {
    const credentials = await scim.hub.hub.services.tenants.createTenant({ slug: `ml-${Math.random().toString(16).slice(2, 8)}`, dialect: 'entra' });
    return { ...credentials, client: new ScimClient(scim.hub, credentials.scimToken), urn: customSchemaUrnFor(credentials.tenant.slug) };
  }

  /** The Entra preset with "user" promoted to Manager and the region taken from the title (adds options). */
  function promotingDefinition(urn: string): MappingSetDefinition {
    const preset = createPresetMappingSet('entra', urn);
    const rules = preset.rules.map((rule): MappingRuleDefinition => {
      if (rule.id === 'role') return { ...rule, pipe: ['trim', { map: { ...SEED_ROLE_TABLE, user: 'Manager' }, default: 'Viewer' }] };
      if (rule.id === 'region') return { ...rule, from: 'title' };
      return rule;
    });
    return { ...preset, rules };
  }

  async function createUsers(client: ScimClient, people: readonly { userName: string; userType: string; title?: string }[]): Promise<string[]> {
    const ids: string[] = [];
    for (const person of people) {
      const created = await client.post('/Users', { schemas: [USER_SCHEMA, ENTERPRISE], userName: person.userName, userType: person.userType, title: person.title, active: true });
      expectStatus(created, 201);
      ids.push(created.body.id);
    }
    return ids;
  }

  async function rolesOf(tenantId: string, userId: string): Promise<{ roles: unknown[]; versions: (number | null)[] }> {
    const rows = (await scim.hub.hub.services.mapping.valuesOf(tenantId, [userId])).filter((row) => row.fieldKey === 'appRoles');
    return { roles: rows.map((row) => row.value), versions: rows.map((row) => row.mappingVersion) };
  }

  /** The tenant's mapping audit actions, oldest first (SCIM writes audit too). */
  async function auditActions(tenantId: string): Promise<string[]> {
    const page = await scim.hub.hub.services.audit.list(tenantId, {}, { limit: 100 });
    return page.items.map((item) => item.node.action).filter((action) => action.startsWith('mapping.')).reverse();
  }

  /** Every row of every table, to prove a call wrote nothing at all. */
  async function snapshotAllTables(): Promise<string> {
    return scim.hub.hub.database.read(async (tx: Tx) => {
      const tables =
        tx.dialect === 'postgresql'
          ? await tx.all<{ name: string }>(tx.knex.select('tablename as name').from('pg_catalog.pg_tables').whereRaw('schemaname = current_schema()'))
          : await tx.all<{ name: string }>(tx.knex.select('name').from('sqlite_master').where('type', 'table'));
      const contents: Record<string, string[]> = {};
      for (const { name } of tables.sort((left, right) => left.name.localeCompare(right.name))) {
        contents[name] = (await tx.all<Record<string, unknown>>(tx.knex(name).select('*'))).map((row) => JSON.stringify(row)).sort();
      }
      return JSON.stringify(contents);
    });
  }

  it('drafts are listed with author and comment; validation stores located errors or moves the draft to validated', async () => {
    const { tenant, connection, urn } = await entraTenant();
    const broken = { ...promotingDefinition(urn), rules: [{ id: 'role', target: 'appRoles', expr: 'lower(src.userType' }] } as MappingSetDefinition;
    const brokenVersion = await lifecycle().createDraft(tenant, connection, broken, ADMIN, 'typo');
    const goodVersion = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN, 'user -> Manager');
    expect([brokenVersion, goodVersion]).toEqual([2, 3]);

    const failed = await lifecycle().validate(tenant, connection, brokenVersion, ADMIN);
    expect(failed.ok).toBe(false);
    expect(failed.ok ? [] : failed.errors.map((error) => error.path)).toContain('rules.0.expr');
    expect(await lifecycle().validate(tenant, connection, goodVersion, ADMIN)).toEqual({ ok: true, version: goodVersion });

    const versions = await lifecycle().listVersions(tenant, connection);
    expect(versions.map((version) => [version.version, version.state, version.author, version.comment])).toEqual([
      [1, 'active', 'system (tenant defaults)', 'entra preset'],
      [2, 'draft', 'user:admin@example.com', 'typo'],
      [3, 'validated', 'user:admin@example.com', 'user -> Manager'],
    ]);
    expect((versions[1]!.report?.validation as { ok: boolean }).ok).toBe(false);
    expect(versions[2]!.validatedAt).not.toBeNull();
    await expect(lifecycle().activate(tenant, connection, brokenVersion, ADMIN)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await auditActions(tenant.id)).toEqual(['mapping.draft.create', 'mapping.draft.create', 'mapping.validate']);
  });

  it('a dry run maps a POST and the resources after each PATCH with a trace and option additions, and writes nothing', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    await createUsers(client, [{ userName: 'pre@contoso.com', userType: 'user' }]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    const before = await snapshotAllTables();

    const posted = { schemas: [USER_SCHEMA], userName: 'Ada@Contoso.com', userType: 'user', title: 'Nordics' };
    const [fromVersion] = await lifecycle().preview(tenant, connection, { version: draft }, [{ label: 'ada', resources: [posted, { ...posted, userType: 'admin' }] }]);
    const [fromDefinition] = await lifecycle().preview(tenant, connection, { definition: createPresetMappingSet('entra', urn) }, [{ resources: [posted] }]);

    expect(await snapshotAllTables()).toBe(before);
    expect(fromVersion!.label).toBe('ada');
    expect(fromVersion!.steps.map((step) => step.values.appRoles)).toEqual([['Manager'], ['Admin']]);
    expect(fromVersion!.steps[0]!.values).toMatchObject({ email: 'ada@contoso.com', region: 'Nordics' });
    expect(fromVersion!.steps[0]!.optionAdditions).toEqual([expect.objectContaining({ list: 'region', value: 'Nordics' })]);
    expect(fromVersion!.steps[0]!.trace.appRoles!.length).toBeGreaterThan(0);
    expect(fromVersion!.steps[0]!.errors).toEqual([]);
    expect(fromDefinition!.steps[0]!.values.appRoles).toEqual(['Contributor']);
  });

  it('the impact diff counts unchanged users, value transitions per field, options to add and validation failures', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const ids = await createUsers(client, [
      { userName: 'u1@contoso.com', userType: 'user' },
      { userName: 'u2@contoso.com', userType: 'user', title: 'Nordics' },
      { userName: 'u3@contoso.com', userType: 'user' },
      { userName: 'a1@contoso.com', userType: 'admin' },
      { userName: 'v1@contoso.com', userType: 'viewer' },
    ]);
    const failing = { ...promotingDefinition(urn) };
    const strict = await lifecycle().createDraft(
      tenant,
      connection,
      { ...failing, rules: failing.rules.map((rule) => (rule.id === 'role' ? { ...rule, pipe: ['trim'] } : rule)) },
      ADMIN,
    );
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    const progress: number[] = [];

    const report = await lifecycle().impactDiff(tenant, connection, draft, { batchSize: 2, onProgress: (processed) => progress.push(processed) });
    expect(progress).toEqual([2, 4, 5]);
    expect(report.usersEvaluated).toBe(5);
    expect(report.unchanged).toBe(2);
    expect(report.changedFields.appRoles!['Contributor -> Manager']).toEqual({ count: 3, sampleUserIds: [ids[0], ids[1], ids[2]].sort() });
    expect(report.changedFields.region).toEqual({ '(none) -> Nordics': { count: 1, sampleUserIds: [ids[1]] } });
    expect(report.optionsToAdd['region: Nordics']!.count).toBe(1);
    expect(report.failingValidation.count).toBe(0);

    // Without the table, "admin" and "viewer" still match the roles (case-insensitively); "user" does not.
    const job = lifecycle().startJob('impact', tenant, connection, { version: strict, author: ADMIN });
    expect(job.status).toBe('running');
    const finished = await lifecycle().waitForJob(job.id);
    expect(finished).toMatchObject({ status: 'succeeded', processed: 5 });
    expect((finished.result as typeof report).failingValidation).toMatchObject({ count: 3, sampleUserIds: [ids[0], ids[1], ids[2]].sort() });
    expect((await rolesOf(tenant.id, ids[0]!)).roles).toEqual(['Contributor']);
  });

  it('activation swaps the pointer and supersedes the previous version; rollback re-activates it; both are audited', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const [userId] = await createUsers(client, [{ userName: 'u1@contoso.com', userType: 'user' }]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);

    await lifecycle().activate(tenant, connection, draft, ADMIN);
    expect((await lifecycle().listVersions(tenant, connection)).map((version) => version.state)).toEqual(['superseded', 'active']);
    // New writes use the new version at once; stored values of others wait for re-apply.
    expectStatus(await client.patch(`/Users/${userId}`, [{ op: 'replace', path: 'title', value: 'x' }]), 200);
    expect(await rolesOf(tenant.id, userId!)).toEqual({ roles: ['Manager'], versions: [2] });

    await lifecycle().rollback(tenant, connection, 1, ADMIN);
    expect((await lifecycle().listVersions(tenant, connection)).map((version) => version.state)).toEqual(['active', 'superseded']);
    expectStatus(await client.patch(`/Users/${userId}`, [{ op: 'replace', path: 'title', value: 'y' }]), 200);
    expect(await rolesOf(tenant.id, userId!)).toEqual({ roles: ['Contributor'], versions: [1] });
    const page = await scim.hub.hub.services.audit.list(tenant.id, { action: 'mapping.rollback' }, { limit: 10 });
    expect(page.items.map((item) => item.node.diff)).toEqual([{ before: { activeMappingVersion: 2 }, after: { activeMappingVersion: 1 } }]);
    expect(await auditActions(tenant.id)).toEqual(['mapping.draft.create', 'mapping.activate', 'mapping.rollback']);
  });

  it('re-apply recomputes every user in batches, resumes after the stored last user id, and keeps concurrent SCIM writes', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const ids = await createUsers(
      client,
      Array.from({ length: 7 }, (_, index) => ({ userName: `u${index}@contoso.com`, userType: 'user' })),
    );
    const sorted = [...ids].sort();
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await lifecycle().activate(tenant, connection, draft, ADMIN);

    // A run that crashed after its first batch of two: only the users after the stored id are recomputed.
    await scim.hub.hub.database.transaction((tx) =>
      tx.run(
        tx
          .knex('mapping_sets')
          .where({ tenant_id: tenant.id, connection_id: connection.id, version: draft })
          .update({ report: JSON.stringify({ reapply: { status: 'running', lastUserId: sorted[1], processed: 2, failed: 0, failedSampleUserIds: [], startedAt: 1, finishedAt: null } }) }),
      ),
    );
    const resumed = await lifecycle().reapply(tenant, connection, ADMIN, { batchSize: 2 });
    expect(resumed).toMatchObject({ status: 'completed', processed: 7, failed: 0, lastUserId: sorted[6] });
    expect((await rolesOf(tenant.id, sorted[0]!)).versions).toEqual([1]);
    expect(await rolesOf(tenant.id, sorted[2]!)).toEqual({ roles: ['Manager'], versions: [2] });

    // A full run as a job, with a SCIM write racing it: the newer raw wins either way.
    const job = lifecycle().startJob('reapply', tenant, connection, { author: ADMIN, batchSize: 2 });
    expectStatus(await client.patch(`/Users/${sorted[3]}`, [{ op: 'replace', path: 'userType', value: 'admin' }]), 200);
    expect(await lifecycle().waitForJob(job.id)).toMatchObject({ status: 'succeeded', processed: 7, result: expect.objectContaining({ status: 'completed', processed: 7 }) });
    expect(await rolesOf(tenant.id, sorted[0]!)).toEqual({ roles: ['Manager'], versions: [2] });
    expect((await rolesOf(tenant.id, sorted[3]!)).roles).toEqual(['Admin']);
    const stored = (await lifecycle().listVersions(tenant, connection)).find((version) => version.version === draft)!;
    expect(stored.report?.reapply).toMatchObject({ status: 'completed', lastUserId: sorted[6] });
    expect((await auditActions(tenant.id)).filter((action) => action === 'mapping.reapply')).toHaveLength(2);
  });

  it('explain names the rule, version, source path and raw value; users are found by the version that produced their values', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const ids = await createUsers(client, [
      { userName: 'u1@contoso.com', userType: ' user ' },
      { userName: 'u2@contoso.com', userType: 'admin' },
    ]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await lifecycle().activate(tenant, connection, draft, ADMIN);
    expectStatus(await client.patch(`/Users/${ids[0]}`, [{ op: 'replace', path: 'title', value: 'Nordics' }]), 200);

    const explained = await lifecycle().explain(tenant.id, ids[0]!, 'appRoles');
    expect(explained.values).toEqual([expect.objectContaining({ value: 'Manager', ruleId: 'role', mappingVersion: draft, sourcePath: 'userType', rawValue: ' user ' })]);
    expect(await lifecycle().usersFromVersion(tenant.id, draft, { limit: 10 })).toEqual([ids[0]]);
    // The PATCH re-mapped every field of the first user; the second still holds version 1's values.
    expect(await lifecycle().usersFromVersion(tenant.id, 1, { limit: 10 })).toEqual([ids[1]]);
    expect(await lifecycle().usersFromVersion(tenant.id, 1, { afterUserId: ids[1], limit: 10 })).toEqual([]);
  });
});
