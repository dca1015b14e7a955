import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createPresetMappingSet, customSchemaUrnFor } from '../../src/domain/mapping/presets';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { createDefaultSchemaRegistry } from '../../src/scim/protocol/schema-definitions';
import { buildTenantExtension } from '../../src/scim/protocol/tenant-extension';
import { readImportRecords } from '../../src/scim/import-file';
import { testDatabaseKind } from '../support/test-app';
import { ENTERPRISE, expectStatus, USER_SCHEMA } from '../support/scim-client';
import { startHealthyReceiver, type HealthyReceiver } from '../support/webhook-receivers';
import { useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  ActivateMappingSetDocument,
  CreateWebhookEndpointDocument,
  DraftMappingSetDocument,
  EventsDocument,
  MappingJobDocument,
  RenameOptionValueDocument,
  RollbackMappingSetDocument,
  StartReapplyDocument,
  ValidateMappingSetDocument,
  type EventsSubscription,
} from '../graphql/generated/operations';

type ChangeEvent = EventsSubscription['events'];

async function until(condition: () => boolean, what: string, tries = 800): Promise<void> {
  for (let tried = 0; tried < tries; tried += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const WATCHED = ['user.updated', 'mapping.activated', 'mapping.rolledBack', 'group.created'];

/** Issue 16, part 3: every change of a user's mapped values is announced, whatever caused it, on subscriptions and webhooks alike. */
describe(`Mapped value events on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_POLL_INTERVAL_MS: '20', WEBHOOK_TIMEOUT_MS: '2000' });
  const clients: Client[] = [];
  const receivers: HealthyReceiver[] = [];
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    for (const receiver of receivers) await receiver.close();
  });

  /** A live subscription (marker groups until one arrives) and a webhook endpoint, both for WATCHED. */
  async function listen(tenant: GraphqlTestTenant): Promise<{ subscribed: ChangeEvent[]; hooked: () => Record<string, any>[] }> {
    const receiver = await startHealthyReceiver();
    receivers.push(receiver);
    await tenant.admin.data(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: WATCHED } });
    const client = createClient({ url: graphql.hub.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tenant.credentials.adminApiKey}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    clients.push(client);
    const subscribed: ChangeEvent[] = [];
    client.subscribe<{ events: ChangeEvent }>({ query: print(EventsDocument), variables: { types: WATCHED } }, { next: (result) => void (result.data?.events && subscribed.push(result.data.events)), error: () => undefined, complete: () => undefined });
    for (let attempt = 0; attempt < 40 && !subscribed.some((event) => event.type === 'group.created'); attempt += 1) {
      await tenant.scim.createGroup(`marker-${randomUUID()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await until(() => subscribed.some((event) => event.type === 'group.created'), 'the subscription to start');
    return { subscribed, hooked: () => receiver.received.map((hook) => hook.body) };
  }

  function preset(tenant: GraphqlTestTenant, overrides: readonly MappingRuleDefinition[]): MappingSetDefinition {
    const { credentials } = tenant;
    const definition = createPresetMappingSet(credentials.connection.dialect, customSchemaUrnFor(credentials.tenant.slug));
    const byId = new Map(overrides.map((rule) => [rule.id, rule]));
    return { ...definition, rules: definition.rules.map((rule) => byId.get(rule.id) ?? rule) };
  }

  async function activate(tenant: GraphqlTestTenant, definition: MappingSetDefinition): Promise<number> {
    const { draftMappingSet } = await tenant.admin.data(DraftMappingSetDocument, { input: { definition } });
    expect((await tenant.admin.data(ValidateMappingSetDocument, { version: draftMappingSet.version })).validateMappingSet.ok).toBe(true);
    await tenant.admin.data(ActivateMappingSetDocument, { version: draftMappingSet.version });
    return draftMappingSet.version;
  }

  async function reapply(tenant: GraphqlTestTenant): Promise<void> {
    const { startReapply } = await tenant.admin.data(StartReapplyDocument);
    let state: string = startReapply.state;
    for (let tries = 0; tries < 400 && (state === 'QUEUED' || state === 'RUNNING'); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      state = (await tenant.admin.data(MappingJobDocument, { id: startReapply.id })).mappingJob?.state ?? 'GONE';
    }
    expect(state).toBe('SUCCEEDED');
  }

  /** The data of the user.updated events about `userId`, in the order the channel delivered them. */
  function updatesOf(events: readonly { type: string; data: unknown; resource?: { id: string } }[], userId: string): Record<string, any>[] {
    return events.filter((event) => event.type === 'user.updated' && (event.data as { userId?: string }).userId === userId).map((event) => event.data as Record<string, any>);
  }

  it('SCIM writes, activation, rollback, re-apply, group changes and imports each announce the changed fields in order', async () => {
    const tenant = await graphql.tenant();
    const { subscribed, hooked } = await listen(tenant);
    const ada = await tenant.scim.createUser('ada@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], userType: 'user', [ENTERPRISE]: { department: 'Legal' } });

    // 1. A SCIM PATCH: the mapped title appears.
    expectStatus(await tenant.scim.patch(`/Users/${ada.id}`, [{ op: 'replace', path: 'title', value: 'Counsel' }]), 200);

    // 2. A new version maps "user" to Manager and the title from the Leads group; activation, then re-apply.
    const role: MappingRuleDefinition = { id: 'role', target: 'appRoles', from: 'userType', pipe: ['trim', { map: { admin: 'Admin', manager: 'Manager', user: 'Manager', viewer: 'Viewer' }, default: 'Viewer' }] };
    const title: MappingRuleDefinition = { id: 'title', target: 'title', fromGroups: [{ name: 'Leads', value: 'Lead' }] };
    const v2 = await activate(tenant, preset(tenant, [role, title]));
    await reapply(tenant);

    // 3. The IdP puts Ada in Leads: the group-reading mapping re-maps her.
    await tenant.scim.createGroup('Leads', [ada.id]);

    // 4. Rollback to version 1, then re-apply.
    await tenant.admin.data(RollbackMappingSetDocument, { version: 1 });
    await reapply(tenant);

    // 5. A bulk import changes her department.
    const services = graphql.hub.hub.services;
    const target = await services.bulkImport.resolveTarget(tenant.credentials.tenant.slug);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(await services.mapping.activeSchema(target.tenant.id))]);
    const line = JSON.stringify({ schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada@example.com', userType: 'user', title: 'Counsel', [ENTERPRISE]: { department: 'Sales' } });
    async function* lines() {
      yield line;
    }
    const summary = await services.bulkImport.import(target, readImportRecords(lines(), registry), { context: { actor: { type: 'system', id: 'test' } }, source: 'test.ndjson' });
    expect(summary.errors).toEqual([]);

    const expected = [
      { cause: 'scim', changes: { title: { before: null, after: 'Counsel' } } },
      { cause: 'reapply', mappingVersion: v2, changes: { appRoles: { before: ['Contributor'], after: ['Manager'] }, title: { before: 'Counsel', after: null } } },
      { cause: 'groups', mappingVersion: v2, changes: { title: { before: null, after: 'Lead' } } },
      { cause: 'reapply', mappingVersion: 1, changes: { appRoles: { before: ['Manager'], after: ['Contributor'] }, title: { before: 'Lead', after: 'Counsel' } } },
      { cause: 'import', mappingVersion: 1, changes: { department: { before: 'Legal', after: 'Sales' } } },
    ];
    await until(() => updatesOf(subscribed, ada.id).length >= expected.length, 'the subscription to see every update');
    await until(() => updatesOf(hooked().map((body) => ({ type: body.type, data: body.data })), ada.id).length >= expected.length, 'the webhook to receive every update');
    for (const channel of [updatesOf(subscribed, ada.id), updatesOf(hooked().map((body) => ({ type: body.type, data: body.data })), ada.id)]) {
      expect(channel).toEqual(expected.map((event) => expect.objectContaining({ userId: ada.id, userName: 'ada@example.com', ...event })));
    }

    const versions = (events: readonly { type: string; data: unknown }[]) => events.filter((event) => event.type.startsWith('mapping.')).map((event) => [event.type, event.data]);
    const mappingEvents = [
      ['mapping.activated', { connectionId: tenant.credentials.connection.id, version: v2, previousVersion: 1 }],
      ['mapping.rolledBack', { connectionId: tenant.credentials.connection.id, version: 1, previousVersion: v2 }],
    ];
    await until(() => versions(hooked().map((body) => ({ type: body.type, data: body.data }))).length >= 2, 'the mapping events over the webhook');
    expect(versions(subscribed)).toEqual(mappingEvents);
    expect(versions(hooked().map((body) => ({ type: body.type, data: body.data })))).toEqual(mappingEvents);
  });

  it('an option rename moves the users holding the value, each announced with the before and after', async () => {
    const tenant = await graphql.tenant();
    const { subscribed, hooked } = await listen(tenant);
    const ada = await tenant.scim.createUser('ada@example.com', { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'Legal' } });
    const renamed = await tenant.admin.data(RenameOptionValueDocument, { input: { list: 'department', value: 'legal', newValue: 'Legal & Compliance' } });
    expect(renamed.renameOptionValue.remappedUsers).toBe(1);
    const expected = [expect.objectContaining({ userId: ada.id, cause: 'optionList', changes: { department: { before: 'Legal', after: 'Legal & Compliance' } } })];
    await until(() => updatesOf(subscribed, ada.id).length >= 1, 'the subscription to see the update');
    await until(() => updatesOf(hooked().map((body) => ({ type: body.type, data: body.data })), ada.id).length >= 1, 'the webhook to receive the update');
    expect(updatesOf(subscribed, ada.id)).toEqual(expected);
    expect(updatesOf(hooked().map((body) => ({ type: body.type, data: body.data })), ada.id)).toEqual(expected);
  });

  it("a big re-apply's announcements wait on their own endpoint: another tenant's events are delivered meanwhile", async () => {
    const busy = await graphql.tenant();
    const slow = await startHealthyReceiver({ delayMs: 100 });
    receivers.push(slow);
    await busy.admin.data(CreateWebhookEndpointDocument, { input: { url: slow.url, eventTypes: ['user.updated'] } });
    const services = graphql.hub.hub.services;
    const target = await services.bulkImport.resolveTarget(busy.credentials.tenant.slug);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(await services.mapping.activeSchema(target.tenant.id))]);
    const users = 300;
    async function* lines() {
      for (let index = 0; index < users; index += 1) yield JSON.stringify({ schemas: [USER_SCHEMA], userName: `user${index}@example.com`, userType: 'user' });
    }
    expect((await services.bulkImport.import(target, readImportRecords(lines(), registry), { context: { actor: { type: 'system', id: 'test' } }, source: 'test.ndjson' })).errors).toEqual([]);
    const role: MappingRuleDefinition = { id: 'role', target: 'appRoles', from: 'userType', pipe: ['trim', { map: { admin: 'Admin', manager: 'Manager', user: 'Manager', viewer: 'Viewer' }, default: 'Viewer' }] };
    await activate(busy, preset(busy, [role]));
    await reapply(busy);

    const other = await graphql.tenant();
    const healthy = await startHealthyReceiver();
    receivers.push(healthy);
    await other.admin.data(CreateWebhookEndpointDocument, { input: { url: healthy.url, eventTypes: ['user.created'] } });
    await other.scim.createUser('elsewhere@example.com');
    await until(() => healthy.received.length === 1, "the other tenant's event");
    // Delivered while most of the re-apply's announcements still wait on the slow endpoint.
    expect(slow.received.length).toBeLessThan(users);
    await until(() => slow.received.length === users, 'every announcement of the re-apply', 4000);
    expect(new Set(slow.received.map((hook) => hook.body.data.userId)).size).toBe(users);
  }, 120_000);
});
