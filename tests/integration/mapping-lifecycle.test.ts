import type { AuditContext } from '../../src/domain/audit';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { createPresetMappingSet, customSchemaUrnFor, SEED_ROLE_TABLE } from '../../src/domain/mapping/presets';
import type { Tx } from '../../src/persistence/database';
import { MappingJobRepository } from '../../src/persistence/repositories/mapping-job.repository';
import { MappingJobRunner } from '../../src/services/mapping-jobs.service';
import { emptyImpactReport, type ImpactReport } from '../../src/services/mapping-jobs.service';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, PATCH_OP, ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';

const ADMIN: AuditContext = { actor: { type: 'user', id: 'admin@example.com' } };

/** Versions, dry run, impact diff, activation, rollback, re-apply and explain of a connection's mapping sets. */
describe(`mapping lifecycle on ${testDatabaseKind()}`, () => {
  // Jobs run only on the runners a test starts ("nodes" sharing the hub's database), never in the background.
  const scim = useScimHub(undefined, { backgroundJobs: false });
  const lifecycle = () => scim.hub.hub.services.mappingLifecycle;

  function node(nodeId: string, batchSize = 2): MappingJobRunner {
    const { database, services } = scim.hub.hub;
    return new MappingJobRunner(database, services.mapping, services.audit, { batchSize, leaseMs: 60_000, nodeId, onError: (error) => { throw error; } });
  }

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
    // The provisioning log and the recent requests kept for previews record HTTP exchanges after their
    // responses went out (a setup request's entry may still arrive); dry runs are service calls, so every
    // other table is what they must not change.
    return scim.hub.hub.database.read(async (tx: Tx) => {
      const tables =
        tx.dialect === 'postgresql'
          ? await tx.all<{ name: string }>(tx.knex.select('tablename as name').from('pg_catalog.pg_tables').whereRaw('schemaname = current_schema()'))
          : await tx.all<{ name: string }>(tx.knex.select('name').from('sqlite_master').where('type', 'table'));
      const contents: Record<string, string[]> = {};
      for (const { name } of tables.sort((left, right) => left.name.localeCompare(right.name))) {
        if (name === 'provisioning_log' || name === 'recent_requests') continue;
        contents[name] = (await tx.all<Record<string, unknown>>(tx.knex(name).select('*'))).map((row) => JSON.stringify(row)).sort();
      }
      return JSON.stringify(contents);
    });
  }

  async function runJobs(runner: MappingJobRunner): Promise<void> {
    while (await runner.runAvailable());
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
    await expect(lifecycle().activate(tenant, connection, brokenVersion, ADMIN)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(lifecycle().startImpactAnalysis(tenant, connection, brokenVersion, ADMIN)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await auditActions(tenant.id)).toEqual(['mapping.draft.create', 'mapping.draft.create', 'mapping.validate', 'mapping.validate']);
  });

  it('a dry run maps a POST and the resources after each PATCH with a trace and option additions, and writes nothing', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    await createUsers(client, [{ userName: 'pre@contoso.com', userType: 'user' }]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    const before = await snapshotAllTables();

    const posted = { schemas: [USER_SCHEMA], userName: 'Ada@Contoso.com', userType: 'user', title: 'Nordics' };
    const [fromVersion] = await lifecycle().preview(tenant, connection, { version: draft }, [{ label: 'ada', resources: [posted, { ...posted, userType: 'admin' }] }]);
    const [fromDefinition] = await lifecycle().preview(tenant, connection, { definition: createPresetMappingSet('entra', urn) }, [{ resources: [posted] }]);
    const replayed = await lifecycle().previewRequests(tenant, connection, { version: draft }, [
      { label: 'post and patch', requests: [{ method: 'POST', body: posted }, { method: 'PATCH', body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userType', value: 'viewer' }] } }] },
      { label: 'bad patch', requests: [{ method: 'POST', body: posted }, { method: 'PATCH', body: { Operations: [{ op: 'move', path: 'title' }] } }] },
    ]);

    expect(await snapshotAllTables()).toBe(before);
    expect(fromVersion!.label).toBe('ada');
    expect(fromVersion!.steps.map((step) => step.values.appRoles)).toEqual([['Manager'], ['Admin']]);
    expect(fromVersion!.steps[0]!.values).toMatchObject({ email: 'ada@contoso.com', region: 'Nordics' });
    expect(fromVersion!.steps[0]!.optionAdditions).toEqual([expect.objectContaining({ list: 'region', value: 'Nordics' })]);
    expect(fromVersion!.steps[0]!.trace.appRoles!.length).toBeGreaterThan(0);
    expect(fromVersion!.steps[0]!.errors).toEqual([]);
    expect(fromDefinition!.steps[0]!.values.appRoles).toEqual(['Contributor']);
    expect(replayed.results[0]!.steps.map((step) => step.values.appRoles)).toEqual([['Manager'], ['Viewer']]);
    expect(replayed.results[1]!.steps).toHaveLength(1);
    expect(replayed.results[1]!.error).toMatch(/^request 2 \(PATCH\): .*op/);
  });

  it.each(['entra', 'okta', 'onelogin', 'generic'] as const)('a dry run of the %s dialect samples replays their quirks and writes nothing', async (dialect) => {
    const credentials = await scim.hub.hub.services.tenants.createTenant({ slug: `ds-${Math.random().toString(16).slice(2, 8)}`, dialect });
    const { tenant, connection } = credentials;
    await lifecycle().listVersions(tenant, connection);
    const before = await snapshotAllTables();
    const report = await lifecycle().previewDialectSamples(tenant, connection, { version: 1 });
    expect(await snapshotAllTables()).toBe(before);
    expect(report.notes).toEqual([`built-in samples of the ${dialect} dialect`]);
    expect(report.results.length).toBeGreaterThan(0);
    for (const result of report.results) {
      expect(result.error).toBeUndefined();
      expect(result.steps.length).toBeGreaterThan(0);
      expect(result.steps.flatMap((step) => step.errors)).toEqual([]);
    }
    // The tenant's own extension is read even where Entra leaves its URN out of `schemas`.
    expect(report.results[0]!.steps[0]!.values).toMatchObject({ businessUnit: 'Retail', region: 'EMEA' });
    const last = report.results[0]!.steps.at(-1)!.values;
    const expected = { entra: ['Admin'], okta: ['Manager'], onelogin: ['Viewer'], generic: ['Viewer'] }[dialect];
    expect(last.appRoles).toEqual(expected);
    if (dialect === 'entra') expect(report.results[0]!.steps[1]!.values.department).toBe('Sales');
    if (dialect === 'okta') expect(last.active).toBe(false);
  });

  it('a dry run of the last requests replays the kept bodies by default, each user from its stored state, and writes nothing', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    const [early] = await createUsers(client, [{ userName: 'early@contoso.com', userType: 'user' }]);
    const [userId] = await createUsers(client, [{ userName: 'late@contoso.com', userType: 'user', title: 'Nordics' }]);
    expectStatus(await client.patch(`/Users/${userId}`, [{ op: 'replace', path: 'userType', value: 'admin' }]), 200);
    expectStatus(await client.patch(`/Users/${early}`, [{ op: 'replace', path: 'userType', value: 'viewer' }]), 200);
    await scim.hub.hub.services.recentRequests.flush();
    const before = await snapshotAllTables();

    const report = await lifecycle().previewRecentRequests(tenant, connection, { version: draft }, 3);
    expect(await snapshotAllTables()).toBe(before);
    expect(report.notes).toEqual([expect.stringMatching(/^3 recent user write\(s\) of the connection replayed \(this hub keeps the last 50 per connection/)]);
    expect(report.results).toHaveLength(2);
    const [late, earlier] = report.results;
    expect(late!.label).toMatch(new RegExp(`^user ${userId}: POST \\(201\\) at .*, PATCH \\(200\\) at `));
    expect(late!.steps.map((step) => step.values.appRoles)).toEqual([['Manager'], ['Admin']]);
    expect(late!.steps[0]!.values.email).toBe('late@contoso.com');
    expect(late!.steps[0]!.values.region).toBe('Nordics');
    expect(late!.notes).toBeUndefined();
    // Only the PATCH of the earlier user is among the last 3: it applies to that user as stored before it.
    expect(earlier!.notes).toEqual([expect.stringMatching(/^starts from the user as stored before its PATCH at /)]);
    expect(earlier!.steps.map((step) => [step.values.email, step.values.appRoles])).toEqual([['early@contoso.com', ['Viewer']]]);
    await expect(lifecycle().previewRecentRequests(tenant, connection, { version: draft }, 0)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('the impact diff runs as a job: counts unchanged users, value transitions per field, options to add and validation failures', async () => {
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
    const before = await snapshotAllTables();

    const queued = await lifecycle().startImpactAnalysis(tenant, connection, draft, ADMIN);
    expect(queued).toMatchObject({ kind: 'impact', state: 'queued', mappingVersion: draft, total: 5, processed: 0 });
    await runJobs(node('impact'));
    const done = await lifecycle().job(tenant.id, queued.id);
    expect(done).toMatchObject({ state: 'succeeded', processed: 5, total: 5, checkpoint: [...ids].sort()[4] });
    const report = done!.impact!;
    expect(report.usersEvaluated).toBe(5);
    expect(report.unchanged).toBe(2);
    expect(report.changedFields.appRoles!['Contributor -> Manager']).toEqual({ count: 3, sampleUserIds: [ids[0], ids[1], ids[2]].sort() });
    expect(report.changedFields.region).toEqual({ '(none) -> Nordics': { count: 1, sampleUserIds: [ids[1]] } });
    expect(report.optionsToAdd['region: Nordics']!.count).toBe(1);
    expect(report.failingValidation.count).toBe(0);

    // Without the table, "admin" and "viewer" still match the roles (case-insensitively); "user" does not.
    const strictJob = await lifecycle().startImpactAnalysis(tenant, connection, strict, ADMIN);
    await runJobs(node('impact'));
    const finished = await lifecycle().job(tenant.id, strictJob.id);
    expect(finished).toMatchObject({ state: 'succeeded', processed: 5, failed: 3 });
    expect((finished!.result as unknown as ImpactReport).failingValidation).toMatchObject({ count: 3, sampleUserIds: [ids[0], ids[1], ids[2]].sort() });
    expect((await rolesOf(tenant.id, ids[0]!)).roles).toEqual(['Contributor']);
    // Only the job rows and their audit rows were written.
    const after = JSON.parse(await snapshotAllTables()) as Record<string, string[]>;
    const earlier = JSON.parse(before) as Record<string, string[]>;
    for (const table of Object.keys(earlier).filter((name) => !['mapping_jobs', 'audit_events'].includes(name))) expect([table, after[table]]).toEqual([table, earlier[table]]);
    expect((await auditActions(tenant.id)).filter((action) => action === 'mapping.impact.start')).toHaveLength(2);

    // A node died after the first batch of two: the next one resumes from the stored checkpoint and partial report.
    const sorted = [...ids].sort();
    const resumed = await lifecycle().startImpactAnalysis(tenant, connection, draft, ADMIN);
    const partial = { ...emptyImpactReport(draft), usersEvaluated: 2, unchanged: 2 };
    await scim.hub.hub.database.transaction((tx) =>
      tx.run(
        tx
          .knex('mapping_jobs')
          .where({ tenant_id: tenant.id, id: resumed.id })
          .update({ state: 'running', lease_owner: 'node-dead', lease_until: Date.now() - 1, checkpoint: sorted[1], processed: 2, result: JSON.stringify(partial) }),
      ),
    );
    await runJobs(node('impact-b'));
    const rest = (await lifecycle().job(tenant.id, resumed.id))!;
    const lastThree = new Set(sorted.slice(2));
    const changedInRest = [ids[0], ids[1], ids[2]].filter((id) => lastThree.has(id!)).length;
    expect(rest).toMatchObject({ state: 'succeeded', processed: 5, attempts: 1 });
    expect(rest.impact).toMatchObject({ usersEvaluated: 5, unchanged: 2 + (3 - changedInRest) });
    expect(rest.impact!.changedFields.appRoles!['Contributor -> Manager']!.count).toBe(changedInRest);
  });

  it('activation needs a validated version, swaps the pointer and supersedes the previous one; rollback re-activates it; both are audited', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const [userId] = await createUsers(client, [{ userName: 'u1@contoso.com', userType: 'user' }]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await expect(lifecycle().activate(tenant, connection, draft, ADMIN)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await lifecycle().validate(tenant, connection, draft, ADMIN);

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
    expect(page.items[0]!.node.actor).toEqual(ADMIN.actor);
    const fresh = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await lifecycle().validate(tenant, connection, fresh, ADMIN);
    await expect(lifecycle().rollback(tenant, connection, fresh, ADMIN)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await auditActions(tenant.id)).toEqual(['mapping.draft.create', 'mapping.validate', 'mapping.activate', 'mapping.rollback', 'mapping.draft.create', 'mapping.validate']);
  });

  it('re-apply runs in batches from the job registry, resumes after a crashed node from its checkpoint, and keeps concurrent SCIM writes', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const ids = await createUsers(
      client,
      Array.from({ length: 7 }, (_, index) => ({ userName: `u${index}@contoso.com`, userType: 'user' })),
    );
    const sorted = [...ids].sort();
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await lifecycle().validate(tenant, connection, draft, ADMIN);
    await lifecycle().activate(tenant, connection, draft, ADMIN);

    // A node took the job, committed its first batch of two, and died: its lease ran out.
    const crashed = await lifecycle().startReapply(tenant, connection, ADMIN);
    await expect(lifecycle().startReapply(tenant, connection, ADMIN)).rejects.toMatchObject({ code: 'CONFLICT' });
    await scim.hub.hub.database.transaction((tx) =>
      tx.run(
        tx
          .knex('mapping_jobs')
          .where({ tenant_id: tenant.id, id: crashed.id })
          .update({ state: 'running', lease_owner: 'node-dead', lease_until: Date.now() - 1, checkpoint: sorted[1], processed: 2, attempts: 1, started_at: Date.now() }),
      ),
    );
    expect(await lifecycle().job(tenant.id, crashed.id)).toMatchObject({ state: 'running', processed: 2, total: 7, checkpoint: sorted[1], leaseOwner: 'node-dead' });
    await runJobs(node('node-b'));
    expect(await lifecycle().job(tenant.id, crashed.id)).toMatchObject({ state: 'succeeded', processed: 7, failed: 0, attempts: 2, checkpoint: sorted[6], leaseOwner: null, reapply: { written: 5, failedSampleUserIds: [] } });
    expect((await rolesOf(tenant.id, sorted[0]!)).versions).toEqual([1]);
    expect(await rolesOf(tenant.id, sorted[2]!)).toEqual({ roles: ['Manager'], versions: [2] });

    // A job held by a live node is not taken by another.
    const held = await lifecycle().startReapply(tenant, connection, ADMIN);
    await scim.hub.hub.database.transaction((tx) =>
      tx.run(tx.knex('mapping_jobs').where({ tenant_id: tenant.id, id: held.id }).update({ state: 'running', lease_owner: 'node-a', lease_until: Date.now() + 60_000 })),
    );
    expect(await node('node-b').runAvailable()).toBe(false);
    await scim.hub.hub.database.transaction((tx) => tx.run(tx.knex('mapping_jobs').where({ tenant_id: tenant.id, id: held.id }).update({ lease_until: 0 })));

    // The taken-over run, with SCIM writes racing it: each user ends with the values of its newest raw.
    const run = runJobs(node('node-c', 1));
    const writes = [3, 4, 5, 6].map((index) => client.patch(`/Users/${sorted[index]}`, [{ op: 'replace', path: 'userType', value: 'admin' }]));
    for (const response of await Promise.all(writes)) expectStatus(response, 200);
    await run;
    expect(await lifecycle().job(tenant.id, held.id)).toMatchObject({ state: 'succeeded', processed: 7 });
    expect(await rolesOf(tenant.id, sorted[0]!)).toEqual({ roles: ['Manager'], versions: [2] });
    for (const index of [3, 4, 5, 6]) expect(await rolesOf(tenant.id, sorted[index]!)).toEqual({ roles: ['Admin'], versions: [2] });
    const reapplies = (await scim.hub.hub.services.audit.list(tenant.id, { action: 'mapping.reapply' }, { limit: 10 })).items.map((item) => item.node);
    expect(reapplies).toHaveLength(2);
    expect(reapplies[1]).toMatchObject({ actor: ADMIN.actor, diff: { details: { jobId: crashed.id, processed: 7, failed: 0, written: 5 } } });

    // A re-apply whose version stopped being active ends as superseded.
    const stale = await lifecycle().startReapply(tenant, connection, ADMIN);
    await lifecycle().rollback(tenant, connection, 1, ADMIN);
    await runJobs(node('node-b'));
    expect(await lifecycle().job(tenant.id, stale.id)).toMatchObject({ state: 'superseded', processed: 0 });
  });

  it('re-apply grants and revokes rule memberships as a SCIM write would; a user that fails keeps its values and memberships', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const legal = await client.createGroup('Legal');
    const lawyer = await client.createUser('lawyer@contoso.com', { schemas: [USER_SCHEMA, ENTERPRISE], userType: 'admin', [ENTERPRISE]: { department: 'Legal' } });
    const odd = await client.createUser('odd@contoso.com', { schemas: [USER_SCHEMA, ENTERPRISE], userType: 'bogus', [ENTERPRISE]: { department: 'Legal' } });
    const preset = createPresetMappingSet('entra', urn);
    const activate = async (definition: MappingSetDefinition) => {
      const version = await lifecycle().createDraft(tenant, connection, definition, ADMIN);
      await lifecycle().validate(tenant, connection, version, ADMIN);
      await lifecycle().activate(tenant, connection, version, ADMIN);
      const job = await lifecycle().startReapply(tenant, connection, ADMIN);
      await runJobs(node('node-a'));
      return (await lifecycle().job(tenant.id, job.id))!;
    };
    expect(await client.memberIds(legal.id)).toEqual([]);
    const granted = await activate({ ...preset, assignments: [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'], set: { appRoles: 'Manager' }, mode: 'merge' }] });
    expect(granted).toMatchObject({ state: 'succeeded', processed: 2, failed: 0 });
    expect(await client.memberIds(legal.id)).toEqual([lawyer.id, odd.id].sort());
    expect((await rolesOf(tenant.id, odd.id)).roles).toEqual(['Viewer', 'Manager']);

    // Without the assignment and without the role table, "bogus" is no role: that user fails and keeps what it had.
    const strict = await activate({ ...preset, rules: preset.rules.map((rule) => (rule.id === 'role' ? { ...rule, pipe: ['trim'] } : rule)) });
    expect(strict).toMatchObject({ state: 'succeeded', processed: 2, failed: 1, reapply: { written: 1, failedSampleUserIds: [odd.id] } });
    expect(await client.memberIds(legal.id)).toEqual([odd.id]);
    expect(await rolesOf(tenant.id, lawyer.id)).toEqual({ roles: ['Admin'], versions: [3] });
    expect(await rolesOf(tenant.id, odd.id)).toEqual({ roles: ['Viewer', 'Manager'], versions: [2, 2] });
  });

  it('a node whose lease ran out cannot store progress or finish the job another node took over', async () => {
    const { tenant, connection } = await entraTenant();
    const job = await lifecycle().startReapply(tenant, connection, ADMIN);
    const registry = new MappingJobRepository();
    const { database } = scim.hub.hub;
    const now = Date.now();
    expect(await database.transaction((tx) => registry.claim(tx, tenant.id, job.id, 'node-a', now, now + 10))).toBe(true);
    expect(await database.transaction((tx) => registry.claim(tx, tenant.id, job.id, 'node-b', now + 5, now + 60_000))).toBe(false);
    expect(await database.transaction((tx) => registry.claim(tx, tenant.id, job.id, 'node-b', now + 11, now + 60_000))).toBe(true);
    const progress = { processed: 1, failed: 0, checkpoint: 'x', result: null };
    expect(await database.transaction((tx) => registry.saveProgress(tx, tenant.id, job.id, 'node-a', progress, now + 12, now + 60_000))).toBe(false);
    expect(await database.transaction((tx) => registry.finish(tx, tenant.id, job.id, 'node-a', { state: 'succeeded' }, now + 12))).toBe(false);
    expect(await lifecycle().job(tenant.id, job.id)).toMatchObject({ state: 'running', leaseOwner: 'node-b', processed: 0, checkpoint: null, attempts: 2 });
  });

  it('a stopping node gives its job back and another resumes it', async () => {
    const { tenant, connection, client } = await entraTenant();
    await createUsers(client, [{ userName: 'a@contoso.com', userType: 'user' }, { userName: 'b@contoso.com', userType: 'admin' }, { userName: 'c@contoso.com', userType: 'viewer' }]);
    const job = await lifecycle().startReapply(tenant, connection, ADMIN);
    const stopping = node('node-a');
    stopping.interrupt();
    expect(await stopping.runAvailable()).toBe(false);
    await runJobs(node('node-b'));
    expect(await lifecycle().job(tenant.id, job.id)).toMatchObject({ state: 'succeeded', processed: 3, attempts: 1 });
    expect((await lifecycle().listJobs(tenant, connection)).map((listed) => listed.id)).toEqual([job.id]);
  });

  it('explain names the rule, version, source path and raw value; users are found by the version that produced their values', async () => {
    const { tenant, connection, client, urn } = await entraTenant();
    const ids = await createUsers(client, [
      { userName: 'u1@contoso.com', userType: ' user ' },
      { userName: 'u2@contoso.com', userType: 'admin' },
    ]);
    const draft = await lifecycle().createDraft(tenant, connection, promotingDefinition(urn), ADMIN);
    await lifecycle().validate(tenant, connection, draft, ADMIN);
    await lifecycle().activate(tenant, connection, draft, ADMIN);
    expectStatus(await client.patch(`/Users/${ids[0]}`, [{ op: 'replace', path: 'title', value: 'Nordics' }]), 200);

    const explained = await lifecycle().explain(tenant.id, ids[0]!, 'appRoles');
    expect(explained.values).toEqual([expect.objectContaining({ value: 'Manager', ruleId: 'role', mappingVersion: draft, sourcePath: 'userType', rawValue: ' user ' })]);
    expect(await lifecycle().usersFromVersion(tenant.id, draft, { limit: 10 })).toEqual([ids[0]]);
    // The PATCH re-mapped every field of the first user; the second still holds version 1's values.
    expect(await lifecycle().usersFromVersion(tenant.id, 1, { limit: 10 })).toEqual([ids[1]]);
    expect(await lifecycle().usersFromVersion(tenant.id, 1, { afterUserId: ids[1], limit: 10 })).toEqual([]);
  });

  it('domain schema versions: draft, validate, activate with exactly one active, rollback to a superseded one, audited', async () => {
    const { tenant, connection } = await entraTenant();
    const [seeded] = await lifecycle().schemaVersions(tenant);
    expect(seeded).toMatchObject({ version: 1, state: 'active', author: 'system (tenant defaults)' });
    const withBadge = { ...seeded!.definition, schema: { ...seeded!.definition.schema, fields: [...seeded!.definition.schema.fields, { key: 'badge', label: 'Badge', type: 'text' as const }] } };
    const broken = { ...seeded!.definition, schema: { ...seeded!.definition.schema, fields: [...seeded!.definition.schema.fields, { key: 'region', label: 'Again', type: 'text' as const }] } };
    const good = await lifecycle().draftDomainSchema(tenant, withBadge, ADMIN, 'badge field');
    const bad = await lifecycle().draftDomainSchema(tenant, broken, ADMIN);
    await expect(lifecycle().activateDomainSchema(tenant, good, ADMIN)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const failed = await lifecycle().validateDomainSchema(tenant, bad, ADMIN);
    expect(failed.ok).toBe(false);
    expect(failed.errors[0]).toMatchObject({ path: 'region' });
    expect(await lifecycle().validateDomainSchema(tenant, good, ADMIN)).toEqual({ ok: true, version: good, errors: [] });

    await Promise.all([lifecycle().activateDomainSchema(tenant, good, ADMIN), lifecycle().activateDomainSchema(tenant, good, ADMIN)]);
    const states = async () => (await lifecycle().schemaVersions(tenant)).map((version) => [version.version, version.state, version.comment]);
    expect(await states()).toEqual([
      [1, 'superseded', 'preset'],
      [2, 'active', 'badge field'],
      [3, 'draft', null],
    ]);
    // New drafts compile against the active schema: the badge field is a valid target now.
    const preset = (await lifecycle().definitionOf(tenant, connection)).definition;
    const draft = await lifecycle().createDraft(tenant, connection, { ...preset, rules: [...preset.rules, { id: 'badge', target: 'badge', from: 'nickName' }] }, ADMIN);
    expect((await lifecycle().validate(tenant, connection, draft, ADMIN)).ok).toBe(true);

    await lifecycle().activateDomainSchema(tenant, 1, ADMIN);
    expect((await states()).filter(([, state]) => state === 'active')).toEqual([[1, 'active', 'preset']]);
    const actions = (await scim.hub.hub.services.audit.list(tenant.id, {}, { limit: 100 })).items.map((item) => item.node).filter((event) => event.action.startsWith('domain_schema.'));
    expect(actions.map((event) => event.action).reverse()).toEqual([
      'domain_schema.draft.create',
      'domain_schema.draft.create',
      'domain_schema.validate',
      'domain_schema.validate',
      'domain_schema.activate',
      'domain_schema.activate',
    ]);
    expect(actions[0]!.diff).toEqual({ before: { activeSchemaVersion: 2 }, after: { activeSchemaVersion: 1 } });
  });
});
