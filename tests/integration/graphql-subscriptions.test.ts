import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { testDatabaseKind } from '../support/test-app';
import { expectStatus } from '../support/scim-client';
import { useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import type { AddressInfo } from 'node:net';
import { ConfigureOidcProviderDocument, CreateApiKeyDocument, EventsDocument, RevokeApiKeyDocument, ViewerOverSocketDocument, type EventsSubscription } from '../graphql/generated/operations';
import { LocalOidcProvider } from '../graphql/local-oidc-provider';

type ChangeEvent = EventsSubscription['events'];

/** One graphql-ws client and one operation on it: what arrived, the errors, and how the socket closed. */
interface Subscriber {
  readonly events: ChangeEvent[];
  readonly errors: GraphQLFormattedError[];
  readonly closeCode: Promise<number>;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

async function until(condition: () => boolean, what: string, tries = 400): Promise<void> {
  for (let tried = 0; tried < tries; tried += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`GraphQL subscriptions (graphql-ws) on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub({ OIDC_ALLOW_HTTP_JWKS: 'true' });
  const clients: Client[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.dispose();
  });

  function subscribe<TVariables>(token: string | undefined, document: TypedDocumentNode<unknown, TVariables>, variables?: TVariables, url = graphql.hub.wsUrl): Subscriber {
    let closed: (code: number) => void = () => undefined;
    const closeCode = new Promise<number>((resolve) => (closed = resolve));
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      // The close code is what the tests look at (on.closed).
      onNonLazyError: () => undefined,
      on: { closed: (event) => closed((event as { code: number }).code) },
    });
    clients.push(client);
    const events: ChangeEvent[] = [];
    const errors: GraphQLFormattedError[] = [];
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const unsubscribe = client.subscribe<{ events: ChangeEvent }>(
      { query: print(document), variables: variables as Record<string, unknown> | undefined },
      {
        next: (result) => {
          if (result.data?.events) events.push(result.data.events);
          if (result.errors) errors.push(...result.errors);
        },
        error: (error) => {
          if (Array.isArray(error)) errors.push(...(error as GraphQLFormattedError[]));
          finished();
        },
        complete: () => finished(),
      },
    );
    return {
      events,
      errors,
      closeCode,
      done,
      async stop() {
        unsubscribe();
        await client.dispose();
      },
    };
  }

  /**
   * A subscriber whose subscription is live. The server starts it asynchronously, and events stored
   * before it started are not news: create marker groups until one arrives, then forget them.
   */
  async function liveSubscriber(tenant: GraphqlTestTenant, types?: string[], token = tenant.credentials.adminApiKey, url = graphql.hub.wsUrl): Promise<Subscriber> {
    const subscriber = subscribe(token, EventsDocument, { types: types ?? null }, url);
    const markers = new Set<string>();
    for (let attempt = 0; attempt < 40 && subscriber.errors.length === 0; attempt += 1) {
      markers.add((await tenant.scim.createGroup(`marker-${randomUUID()}`)).id);
      try {
        await until(() => subscriber.events.some((event) => markers.has(event.resource.id)), 'a marker event', 10);
        break;
      } catch {
        // Not live yet: the next marker.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (!subscriber.events.some((event) => markers.has(event.resource.id))) throw new Error(`the subscription did not start: ${JSON.stringify(subscriber.errors)}`);
    subscriber.events.length = 0;
    return subscriber;
  }

  it('delivers the committed events of the subscriber tenant only, with the webhook envelope and ids from the outbox', async () => {
    const [acme, globex] = [await graphql.tenant(), await graphql.tenant()];
    const [acmeEvents, globexEvents] = [await liveSubscriber(acme), await liveSubscriber(globex)];
    const ada = await acme.scim.createUser('ada@example.com');
    const group = await acme.scim.createGroup('Engineering');
    expectStatus(await acme.scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: ada.id }] }]), 204);
    const grace = await globex.scim.createUser('grace@example.com');
    await until(() => acmeEvents.events.length >= 3 && globexEvents.events.length >= 1, 'both tenants’ events');
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(acmeEvents.events.map((event) => [event.type, event.resource.id])).toEqual([
      ['user.created', ada.id],
      ['group.created', group.id],
      ['membership.added', group.id],
    ]);
    expect(globexEvents.events.map((event) => [event.type, event.resource.id])).toEqual([['user.created', grace.id]]);
    expect(acmeEvents.events[0]).toMatchObject({ resource: { type: 'user', version: 1 }, data: { userId: ada.id, userName: 'ada@example.com', active: true } });
    const stored = await graphql.hub.hub.database.read((tx) =>
      tx.all<{ id: string }>(tx.knex('outbox_events').select('id').where({ tenant_id: acme.credentials.tenant.id, resource_id: ada.id })),
    );
    expect(stored.map((row) => row.id)).toEqual([acmeEvents.events[0].id]);
  });

  it('filters by event type, and refuses unknown types with INVALID_INPUT', async () => {
    const tenant = await graphql.tenant();
    const users = await liveSubscriber(tenant, ['user.created', 'user.deactivated', 'group.created']);
    const ada = await tenant.scim.createUser('ada@example.com');
    await tenant.scim.createGroup('Ops', [ada.id]);
    expectStatus(await tenant.scim.patch(`/Users/${ada.id}`, [{ op: 'replace', path: 'active', value: false }]), 200);
    await until(() => users.events.length >= 3, 'three events');
    expect(users.events.map((event) => event.type)).toEqual(['user.created', 'group.created', 'user.deactivated']);

    const wrong = subscribe(tenant.credentials.adminApiKey, EventsDocument, { types: ['user.exploded'] });
    await wrong.done;
    expect(wrong.errors.map((error) => error.extensions?.code)).toEqual(['INVALID_INPUT']);
  });

  it('is fed from the committed outbox: an event another node commits arrives, one rolled back never does', async () => {
    const tenant = await graphql.tenant();
    const subscriber = await liveSubscriber(tenant);
    const { database, services } = graphql.hub.hub;
    const tenantId = tenant.credentials.tenant.id;
    await expect(
      database.transaction(async (tx) => {
        await services.outbox.enqueue(tx, { tenantId, type: 'group.deleted', resourceId: 'rolled-back', data: { groupId: 'rolled-back' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // As if written by another node: straight into the outbox, no call into this process's feed.
    const committed = await database.transaction((tx) => services.outbox.enqueue(tx, { tenantId, type: 'group.deleted', resourceId: 'elsewhere', data: { groupId: 'elsewhere' } }));
    await until(() => subscriber.events.length >= 1, 'the committed event');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(subscriber.events.map((event) => [event.id, event.resource.id])).toEqual([[committed.id, 'elsewhere']]);
  });

  it('a subscriber that reconnects with after: <last id> receives what it missed, then live events', async () => {
    const tenant = await graphql.tenant();
    const first = await liveSubscriber(tenant);
    const one = await tenant.scim.createUser('one@example.com');
    await until(() => first.events.some((event) => event.resource.id === one.id), 'the first event');
    const lastSeen = first.events[first.events.length - 1].id;
    await first.stop();

    const missed = [await tenant.scim.createUser('two@example.com'), await tenant.scim.createUser('three@example.com')];
    const resumed = subscribe(tenant.credentials.adminApiKey, EventsDocument, { types: ['user.created'], after: lastSeen });
    await until(() => resumed.events.length >= 2, 'the missed events');
    const later = await tenant.scim.createUser('four@example.com');
    await until(() => resumed.events.some((event) => event.resource.id === later.id), 'the live event');
    const ids = resumed.events.map((event) => event.resource.id);
    expect(ids).toEqual([...missed.map((user) => user.id), later.id]);
    expect(new Set(resumed.events.map((event) => event.id)).size).toBe(ids.length);
  });

  it('authenticates at connection_init like HTTP: no, unknown and SCIM credentials close the socket with 4403', async () => {
    const tenant = await graphql.tenant();
    for (const token of [undefined, 'ihapi_nonsense', tenant.credentials.scimToken, 'not.a.jwt']) {
      const refused = subscribe(token, EventsDocument, {});
      expect(await refused.closeCode).toBe(4403);
      expect(refused.events).toEqual([]);
    }
  });

  it("closes with 1013 (try again later) when the token's provider keys cannot be fetched", async () => {
    const tenant = await graphql.tenant();
    const provider = await LocalOidcProvider.start();
    try {
      const audience = `ws-${tenant.credentials.tenant.slug}`;
      await tenant.admin.data(ConfigureOidcProviderDocument, { input: { issuer: provider.issuer, jwksUrl: provider.jwksUrl, audience } });
      provider.jwksStatus = 503;
      const refused = subscribe(await provider.token({ audience, claims: { scope: 'read' } }), EventsDocument, {});
      expect(await refused.closeCode).toBe(1013);
      expect(provider.jwksFetches).toBe(1);
    } finally {
      await provider.stop();
    }
  });

  it('needs the READ scope, and serves only subscriptions over the socket', async () => {
    const tenant = await graphql.tenant();
    const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'ownership only', scopes: ['OWNERSHIP'] } });
    const unscoped = subscribe(createApiKey.secret, EventsDocument, {});
    await unscoped.done;
    expect(unscoped.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    const query = subscribe(tenant.credentials.adminApiKey, ViewerOverSocketDocument, {});
    await query.done;
    expect(query.errors.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('a subscriber more than 1,000 events behind is ended with UNAVAILABLE; resuming with after loses nothing', async () => {
    const tenant = await graphql.tenant();
    const tenantId = tenant.credentials.tenant.id;
    const { database, services } = graphql.hub.hub;
    const slow = services.events.subscribe(tenantId);
    // The subscription starts with the first read; nothing is consumed after that.
    const first = slow.next();
    const marker = await database.transaction((tx) => services.outbox.enqueue(tx, { tenantId, type: 'group.deleted', resourceId: 'marker', data: { groupId: 'marker' } }));
    expect((await first).value).toMatchObject({ id: marker.id });
    const burst = await database.transaction(async (tx) => {
      const ids: string[] = [];
      for (let index = 0; index < 1100; index += 1) {
        ids.push((await services.outbox.enqueue(tx, { tenantId, type: 'group.deleted', resourceId: `g-${index}`, data: { groupId: `g-${index}` } })).id);
      }
      return ids;
    });
    // Not reading while the feed publishes the burst (it polls every 200 ms) is what makes this subscriber fall behind.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const received: string[] = [];
    let failure: unknown;
    try {
      while (received.length < burst.length) {
        const next = await slow.next();
        if (next.done) break;
        received.push(next.value.id);
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
    // What it got before falling behind is the burst's beginning, in order (how much depends on how fast it read).
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(burst.length);
    expect(received).toEqual(burst.slice(0, received.length));

    // The resume re-sends the few seconds before the id too (at least once); deduped, nothing is missing.
    const resumed = services.events.subscribe(tenantId, { afterEventId: received[received.length - 1] });
    const replayed: string[] = [];
    while (replayed[replayed.length - 1] !== burst[burst.length - 1]) replayed.push((await resumed.next()).value.id);
    await resumed.return?.();
    const seen = new Set([marker.id, ...received]);
    expect(replayed.filter((id) => !seen.has(id))).toEqual(burst.slice(received.length));
  });

  it('an open socket whose API key is revoked is closed with 4403 at the next credential check', async () => {
    const tenant = await graphql.tenant();
    const { hub } = graphql.hub;
    const server = hub.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const subscriptions = hub.attachSubscriptions(server, { credentialRecheckMs: 100 });
    try {
      const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'dashboard', scopes: ['READ'] } });
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const kept = await liveSubscriber(tenant, undefined, tenant.credentials.adminApiKey, url);
      const revoked = await liveSubscriber(tenant, undefined, createApiKey.secret, url);
      await tenant.admin.data(RevokeApiKeyDocument, { input: { id: createApiKey.apiKey.id } });
      expect(await revoked.closeCode).toBe(4403);
      const later = await tenant.scim.createUser('bob@example.com');
      await until(() => kept.events.some((event) => event.resource.id === later.id), 'the kept subscriber’s event');
      expect(revoked.events.some((event) => event.resource.id === later.id)).toBe(false);
    } finally {
      await subscriptions.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
