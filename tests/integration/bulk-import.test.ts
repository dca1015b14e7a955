import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { readImportRecords } from '../../src/scim/import-file';
import { createDefaultSchemaRegistry } from '../../src/scim/protocol/schema-definitions';
import { buildTenantExtension } from '../../src/scim/protocol/tenant-extension';
import type { ImportOptions } from '../../src/services/bulk-import.service';
import type { TenantCredentials } from '../../src/services/tenant.service';
import { databaseUrl, runCli } from '../support/processes';
import { ENTERPRISE, GROUP_SCHEMA, ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';
import { testDatabaseKind } from '../support/test-app';

/** The bulk import (issue 6, I2): the same data as over SCIM, idempotent re-runs, per-line errors, mapping applied. */
describe(`bulk import on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function tenant(slug: string): Promise<{ credentials: TenantCredentials; client: ScimClient }> {
    const credentials = await scim.hub.hub.services.tenants.createTenant({ slug: `${slug}-${Math.random().toString(16).slice(2, 8)}` });
    return { credentials, client: new ScimClient(scim.hub, credentials.scimToken) };
  }

  /** What the CLI does with a file, on the test hub: the tenant's SCIM schemas, the lines read as records, the import. */
  async function importLines(credentials: TenantCredentials, lines: readonly string[], options: Partial<ImportOptions> = {}) {
    const services = scim.hub.hub.services;
    const target = await services.bulkImport.resolveTarget(credentials.tenant.slug);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(await services.mapping.activeSchema(target.tenant.id))]);
    async function* source() {
      yield* lines;
    }
    return services.bulkImport.import(target, readImportRecords(source(), registry), { context: { actor: { type: 'system', id: 'test' } }, source: 'test.ndjson', ...options });
  }

  function people(slug: string) {
    const urn = customSchemaUrnFor(slug);
    const user = (index: number, userType: string, extra: Record<string, unknown> = {}) => ({
      schemas: [USER_SCHEMA, ENTERPRISE, urn],
      userName: `Person${index}@Example.com`,
      externalId: `oid-${index}`,
      active: true,
      displayName: `Person ${index}`,
      name: { givenName: ` Given${index} `, familyName: `Family${index}` },
      emails: [{ value: `person${index}@example.com`, type: 'work', primary: true }],
      userType,
      [ENTERPRISE]: { department: index % 2 === 0 ? 'Legal' : 'Sales', employeeNumber: String(1000 + index) },
      [urn]: { businessUnit: index % 2 === 0 ? 'europe' : 'Americas', region: 'EMEA' },
      ...extra,
    });
    return [user(1, 'admin'), user(2, 'Manager'), user(3, 'user', { active: false }), user(4, 'viewer'), user(5, 'Guest'), user(6, 'user', { title: 'Counsel' })];
  }

  async function readEverything(client: ScimClient): Promise<{ users: Record<string, any>[]; groups: Record<string, any>[]; userNames: Map<string, string> }> {
    const users = await client.get('/Users?count=500');
    expectStatus(users, 200);
    const userNames = new Map<string, string>((users.body.Resources as Record<string, any>[]).map((user) => [user.id, user.userName]));
    const groups = await client.get('/Groups?count=500');
    expectStatus(groups, 200);
    const strip = ({ id: _id, meta: _meta, ...rest }: Record<string, any>) => rest;
    return {
      users: (users.body.Resources as Record<string, any>[])
        .map((user): Record<string, any> => ({ ...strip(user), groups: ((user.groups ?? []) as { display: string }[]).map((group) => group.display).sort() }))
        .sort((a, b) => a.userName.localeCompare(b.userName)),
      groups: (groups.body.Resources as Record<string, any>[])
        .map((group): Record<string, any> => ({ ...strip(group), members: ((group.members ?? []) as { value: string }[]).map((member) => userNames.get(member.value) ?? member.value).sort() }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
      userNames,
    };
  }

  async function mappedValues(tenantId: string, userNames: Map<string, string>) {
    const rows = await scim.hub.hub.services.mapping.valuesOf(tenantId, [...userNames.keys()]);
    return rows
      .map(({ userId, updatedAt: _updatedAt, ...row }) => ({ userName: userNames.get(userId), ...row }))
      .sort((a, b) => `${a.userName} ${a.fieldKey} ${a.position}`.localeCompare(`${b.userName} ${b.fieldKey} ${b.position}`));
  }

  async function events(tenantId: string) {
    return scim.hub.hub.database.read((tx) => tx.all<{ type: string; resource_id: string; payload: unknown }>(tx.knex('outbox_events').where({ tenant_id: tenantId }).orderBy(['created_at', 'id'])));
  }

  it('stores what the same users and groups sent over SCIM store: resources, groups, memberships and mapped values', async () => {
    const viaScim = await tenant('scim');
    const viaImport = await tenant('import');
    const ids: Record<string, string> = {};
    for (const body of people(viaScim.credentials.tenant.slug)) {
      const created = await viaScim.client.post('/Users', body);
      expectStatus(created, 201);
      ids[body.externalId] = created.body.id;
    }
    expectStatus(await viaScim.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Legal team', externalId: 'g-legal', members: [{ value: ids['oid-2'] }, { value: ids['oid-4'] }, { value: ids['oid-6'] }] }), 201);
    expectStatus(await viaScim.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: Object.values(ids).map((value) => ({ value })) }), 201);
    expectStatus(await viaScim.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Empty' }), 201);

    const lines = [
      ...people(viaImport.credentials.tenant.slug).map((body) => JSON.stringify(body)),
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Legal team', externalId: 'g-legal', members: [{ userName: 'person2@example.com' }, { externalId: 'oid-4' }, { userName: 'PERSON6@example.com' }] }),
      '',
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: [1, 2, 3, 4, 5, 6].map((index) => ({ externalId: `oid-${index}` })) }),
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Empty' }),
    ];
    const summary = await importLines(viaImport.credentials, lines, { chunkSize: 4 });
    expect(summary.errors).toEqual([]);
    expect(summary.users).toEqual({ created: 6, updated: 0, unchanged: 0 });
    expect(summary.groups).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(summary.memberships).toEqual({ added: 9, removed: 0 });

    const expected = await readEverything(viaScim.client);
    const imported = await readEverything(viaImport.client);
    const urnOf = (credentials: TenantCredentials) => customSchemaUrnFor(credentials.tenant.slug);
    // Each tenant has its own extension URN; everything else must be equal.
    expect(JSON.parse(JSON.stringify(imported.users).replaceAll(urnOf(viaImport.credentials), 'URN'))).toEqual(JSON.parse(JSON.stringify(expected.users).replaceAll(urnOf(viaScim.credentials), 'URN')));
    expect(imported.groups).toEqual(expected.groups);
    expect(imported.groups.find((group) => group.displayName === 'Legal team')?.members).toEqual(['Person2@Example.com', 'Person4@Example.com', 'Person6@Example.com']);
    const values = async (credentials: TenantCredentials, userNames: Map<string, string>) => JSON.parse(JSON.stringify(await mappedValues(credentials.tenant.id, userNames)).replaceAll(urnOf(credentials), 'URN'));
    expect(await values(viaImport.credentials, imported.userNames)).toEqual(await values(viaScim.credentials, expected.userNames));

    // The same change events as the SCIM writes (membership events list the same members), and one audit row per chunk.
    const kinds = (list: { type: string }[]) => list.map((event) => event.type).sort();
    expect(kinds(await events(viaImport.credentials.tenant.id))).toEqual(kinds(await events(viaScim.credentials.tenant.id)));
    const audit = await scim.hub.hub.services.audit.list(viaImport.credentials.tenant.id, { action: 'import.applied' }, { limit: 10 });
    expect(audit.items.map((item) => item.node.diff?.details)).toEqual([
      { source: 'test.ndjson', lines: '10-10', users: { created: 0, updated: 0, unchanged: 0 }, groups: { created: 1, updated: 0, unchanged: 0 }, memberships: { added: 0, removed: 0 } },
      { source: 'test.ndjson', lines: '5-9', users: { created: 2, updated: 0, unchanged: 0 }, groups: { created: 2, updated: 0, unchanged: 0 }, memberships: { added: 9, removed: 0 } },
      { source: 'test.ndjson', lines: '1-4', users: { created: 4, updated: 0, unchanged: 0 }, groups: { created: 0, updated: 0, unchanged: 0 }, memberships: { added: 0, removed: 0 } },
    ]);
  });

  it('is idempotent: a re-run changes nothing; a changed line updates its resource and members by externalId or userName', async () => {
    const { credentials, client } = await tenant('rerun');
    const users = people(credentials.tenant.slug);
    const group = { schemas: [GROUP_SCHEMA], displayName: 'Staff', externalId: 'g-staff', members: users.map((user) => ({ externalId: user.externalId })) };
    const lines = [...users.map((user) => JSON.stringify(user)), JSON.stringify(group)];
    await importLines(credentials, lines);
    const first = await readEverything(client);
    const eventCount = (await events(credentials.tenant.id)).length;

    const again = await importLines(credentials, lines);
    expect(again.users).toEqual({ created: 0, updated: 0, unchanged: 6 });
    expect(again.groups).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(again.memberships).toEqual({ added: 0, removed: 0 });
    expect(await readEverything(client)).toEqual(first);
    expect(await events(credentials.tenant.id)).toHaveLength(eventCount);

    // Person 1 is renamed (matched by externalId), person 2 deactivated, person 6 leaves the group, which is renamed.
    const changed = [
      JSON.stringify({ ...users[0], userName: 'renamed@example.com' }),
      JSON.stringify({ ...users[1], active: false }),
      JSON.stringify({ ...group, displayName: 'All staff', members: group.members.slice(0, 5) }),
    ];
    const update = await importLines(credentials, changed);
    expect(update.errors).toEqual([]);
    expect(update.users).toEqual({ created: 0, updated: 2, unchanged: 0 });
    expect(update.groups).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(update.memberships).toEqual({ added: 0, removed: 1 });
    const after = await readEverything(client);
    expect(after.users.map((user) => user.userName)).toContain('renamed@example.com');
    expect(after.users.map((user) => user.userName)).not.toContain('Person1@Example.com');
    expect(after.users.find((user) => user.externalId === 'oid-2')?.active).toBe(false);
    expect(after.groups.map((entry) => [entry.displayName, entry.members.length])).toEqual([['All staff', 5]]);
    const renamed = await client.filterUsers('userName eq "renamed@example.com"');
    expect(renamed.Resources[0].meta.version).toBe('W/"2"');
    const newEvents = (await events(credentials.tenant.id)).slice(eventCount).map((event) => event.type).sort();
    expect(newEvents).toEqual(['group.updated', 'membership.removed', 'user.deactivated', 'user.updated']);
    const values = await mappedValues(credentials.tenant.id, after.userNames);
    expect(values.find((row) => row.userName === 'renamed@example.com' && row.fieldKey === 'email')?.value).toBe('renamed@example.com');
  });

  it('reports each bad line with its number and reason; a chunk with a bad line writes nothing, the others commit', async () => {
    const { credentials, client } = await tenant('bad');
    const urn = customSchemaUrnFor(credentials.tenant.slug);
    await scim.hub.hub.services.mapping.publishMappingSet(
      credentials.tenant,
      credentials.connection,
      { ...createPresetMappingSet('entra', urn), rules: [...createPresetMappingSet('entra', urn).rules.filter((rule) => rule.id !== 'role'), { id: 'role-strict', target: 'appRoles', from: 'userType' }] },
      'test',
    );
    const user = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ schemas: [USER_SCHEMA], userName: name, ...extra });
    const lines = [
      user('ok1@example.com'),
      user('ok2@example.com'),
      '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": ',
      user('ok3@example.com'),
      JSON.stringify({ schemas: [USER_SCHEMA], displayName: 'no userName' }),
      user('ok4@example.com'),
      user('ok5@example.com', { userType: 'Superhero' }),
      user('ok6@example.com'),
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Ghosts', members: [{ userName: 'nobody@example.com' }, { value: 'not-an-id' }] }),
      JSON.stringify({ schemas: ['urn:example:Thing'], name: 'x' }),
      user('ok7@example.com'),
      user('ok8@example.com'),
    ];
    const summary = await importLines(credentials, lines, { chunkSize: 2 });
    expect(summary.errors).toEqual([
      { line: 3, reason: expect.stringMatching(/^not JSON/) },
      { line: 5, reason: expect.stringMatching(/userName.*required/) },
      { line: 7, reason: expect.stringMatching(/appRoles.*role-strict|role-strict.*appRoles/) },
      { line: 9, reason: 'members must be users or groups of this tenant; unknown: "userName nobody@example.com", "not-an-id"' },
      { line: 10, reason: expect.stringMatching(/schemas/) },
    ]);
    expect(summary.chunks.committed).toBe(2);
    expect(summary.chunks.rejected.map((chunk) => `${chunk.firstLine}-${chunk.lastLine}`)).toEqual(['3-4', '5-6', '7-8', '9-10']);
    const stored = await readEverything(client);
    expect(stored.users.map((entry) => entry.userName)).toEqual(['ok1@example.com', 'ok2@example.com', 'ok7@example.com', 'ok8@example.com']);
    expect(stored.groups).toEqual([]);

    const stopped = await importLines(credentials, lines, { chunkSize: 2, maxErrors: 2 });
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.errors.map((error) => error.line)).toEqual([3, 5]);
  });

  it('applies the tenant mapping: roles, option values for review, assignment rules and group rules as the SCIM path does', async () => {
    const { credentials } = await tenant('mapped');
    const urn = customSchemaUrnFor(credentials.tenant.slug);
    const preset = createPresetMappingSet('entra', urn);
    const definition: MappingSetDefinition = {
      ...preset,
      rules: [...preset.rules.filter((rule) => rule.id !== 'role'), { id: 'groups-to-roles', target: 'appRoles', mode: 'highestPriority', fromGroups: [{ name: 'App-Admins', value: 'Admin', priority: 1 }] }],
      assignments: [{ id: 'legal', when: 'department eq "Legal"', groups: ['legal'] }],
    };
    await scim.hub.hub.services.mapping.publishMappingSet(credentials.tenant, credentials.connection, definition, 'test');
    const users = people(credentials.tenant.slug);
    const lines = [
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Legal' }),
      ...users.map((user) => JSON.stringify(user)),
      JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'App-Admins', members: [{ externalId: 'oid-1' }, { externalId: 'oid-2' }] }),
    ];
    expect((await importLines(credentials, lines)).errors).toEqual([]);
    const client = new ScimClient(scim.hub, credentials.scimToken);
    const { userNames, groups } = await readEverything(client);
    const values = await mappedValues(credentials.tenant.id, userNames);
    const valueOf = (userName: string, field: string) => values.filter((row) => row.userName === userName && row.fieldKey === field).map((row) => row.value);
    expect(valueOf('Person1@Example.com', 'appRoles')).toEqual(['Admin']);
    expect(valueOf('Person2@Example.com', 'appRoles')).toEqual(['Admin']);
    expect(valueOf('Person3@Example.com', 'appRoles')).toEqual([]);
    expect(valueOf('Person1@Example.com', 'givenName')).toEqual(['Given1']);
    expect(valueOf('Person2@Example.com', 'businessUnit')).toEqual(['europe']);
    expect(values.find((row) => row.fieldKey === 'givenName')).toEqual(expect.objectContaining({ ruleId: 'givenName', mappingVersion: 2, sourcePath: 'name.givenName' }));
    // Rule-granted memberships of the assignment, for the users in Legal (even indexes).
    expect(groups.find((group) => group.displayName === 'Legal')?.members).toEqual(['Person2@Example.com', 'Person4@Example.com', 'Person6@Example.com']);
    const options = await scim.hub.hub.database.read((tx) => tx.all<{ list_key: string; value: string; review_status: string }>(tx.knex('option_values').where({ tenant_id: credentials.tenant.id, review_status: 'pending' }).orderBy(['list_key', 'value'])));
    expect(options.map((option) => `${option.list_key}:${option.value}`)).toEqual(expect.arrayContaining(['businessUnit:europe']));
  });

  it('events of an import reach webhook endpoints: one pending delivery per event an endpoint wants', async () => {
    const { credentials } = await tenant('hooks');
    const admin = { actor: { type: 'system' as const, id: 'test' } };
    const all = await scim.hub.hub.services.webhooks.createEndpoint(credentials.tenant.id, { url: 'https://hooks.example.com/all' }, admin);
    const groupsOnly = await scim.hub.hub.services.webhooks.createEndpoint(credentials.tenant.id, { url: 'https://hooks.example.com/groups', eventTypes: ['group.created'] }, admin);
    const users = people(credentials.tenant.slug).slice(0, 3);
    await importLines(credentials, [...users.map((user) => JSON.stringify(user)), JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Three', members: users.map((user) => ({ externalId: user.externalId })) })]);
    const deliveries = await scim.hub.hub.database.read((tx) =>
      tx.all<{ endpoint_id: string; type: string; status: string }>(
        tx.knex('webhook_deliveries as d').join('outbox_events as e', function joinEvent() {
          this.on('e.tenant_id', '=', 'd.tenant_id').andOn('e.id', '=', 'd.event_id');
        }).select('d.endpoint_id', 'e.type', 'd.status').where('d.tenant_id', credentials.tenant.id),
      ),
    );
    const byEndpoint = (id: string) => deliveries.filter((delivery) => delivery.endpoint_id === id).map((delivery) => `${delivery.type} ${delivery.status}`).sort();
    expect(byEndpoint(all.endpoint.id)).toEqual(['group.created pending', 'membership.added pending', 'user.created pending', 'user.created pending', 'user.created pending']);
    expect(byEndpoint(groupsOnly.endpoint.id)).toEqual(['group.created pending']);
  });

  it('npm run cli -- import reads an NDJSON file by tenant id, prints file:line: reason and exits 2 on a bad line', async () => {
    const { credentials, client } = await tenant('cli');
    const directory = mkdtempSync(path.join(os.tmpdir(), 'bulk-import-'));
    const file = path.join(directory, 'people.ndjson');
    writeFileSync(file, `${people(credentials.tenant.slug).map((user) => JSON.stringify(user)).join('\n')}\n{"oops"\n`);
    const env = { DATABASE_URL: databaseUrl(scim.hub.config.database), LOG_LEVEL: 'silent' };
    const result = await runCli(['import', '--tenant', credentials.tenant.id, '--chunk-size', '3', file], env);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain(`${file}:7: not JSON`);
    expect(result.stdout).toMatch(/users 6 created, 0 updated, 0 unchanged/);
    expect(result.stdout).toContain('not written (a chunk with a rejected line writes nothing): lines 7-7');
    expect((await readEverything(client)).users).toHaveLength(6);

    const json = await runCli(['import', '--tenant', credentials.tenant.slug, '--json', file], env);
    expect(JSON.parse(json.stdout)).toEqual(expect.objectContaining({ lines: 7, errors: [{ line: 7, reason: expect.stringMatching(/^not JSON/) }] }));
    const missing = await runCli(['import', '--tenant', 'no-such-tenant', file], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('tenant "no-such-tenant" does not exist');
  });
});
