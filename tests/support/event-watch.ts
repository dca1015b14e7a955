import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphqlTestHub, GraphqlTestTenant } from '../graphql/graphql-hub';
import { startHealthyReceiver, type HealthyReceiver } from './webhook-receivers';

/** An event as both a webhook body and a subscription message carry it. */
export interface WatchedEvent {
  readonly id: string;
  readonly type: string;
  readonly resource: { readonly type: string; readonly id: string; readonly version: number | null };
  readonly data: Record<string, any>;
}

async function poll<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let tries = 0; tries < 400; tries += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether the events hold at least one of each type. */
function oneOfEach(types: readonly string[]): (events: WatchedEvent[]) => boolean {
  return (events) => types.every((type) => events.some((event) => event.type === type));
}

/**
 * Watches a tenant's events on both channels apps use: a webhook endpoint (registered now, receiving
 * what is committed from now on) and a GraphQL subscription, opened on demand with `after:` the first
 * event seen, so it replays from there. Tests compare the two.
 */
export class EventWatch {
  private constructor(
    private readonly hub: GraphqlTestHub,
    private readonly tenant: GraphqlTestTenant,
    private readonly receiver: HealthyReceiver,
  ) {}

  /** Needs a hub started with WEBHOOK_ALLOW_HTTP=true and a short WEBHOOK_POLL_INTERVAL_MS. */
  static async start(hub: GraphqlTestHub, tenant: GraphqlTestTenant): Promise<EventWatch> {
    const receiver = await startHealthyReceiver();
    const created = await tenant.admin.sendText('mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }', { input: { url: receiver.url } });
    if (created.errors) throw new Error(`webhook endpoint not created: ${JSON.stringify(created.errors)}`);
    return new EventWatch(hub, tenant, receiver);
  }

  /** Webhook deliveries so far, in the order received, once one of each `types` has arrived. */
  async webhooks(...types: string[]): Promise<WatchedEvent[]> {
    return this.webhooksUntil(oneOfEach(types), `webhooks ${types.join(', ')}`);
  }

  /** Webhook deliveries so far, in the order received, once `done` holds for them (deliveries of different resources may arrive in any order). */
  async webhooksUntil(done: (events: WatchedEvent[]) => boolean, what: string): Promise<WatchedEvent[]> {
    return poll(() => this.receiver.received.map((hook) => hook.body as WatchedEvent), done, what);
  }

  /** The events a subscription replays from the first webhook delivery on, once one of each `types` has arrived. */
  async subscription(...types: string[]): Promise<WatchedEvent[]> {
    return this.subscriptionUntil(oneOfEach(types), `subscription events ${types.join(', ')}`);
  }

  /** The events a subscription replays from the first webhook delivery on, once `done` holds for them. */
  async subscriptionUntil(done: (events: WatchedEvent[]) => boolean, what: string): Promise<WatchedEvent[]> {
    const [first] = await this.webhooksUntil(done, what);
    const client = createClient({ url: this.hub.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${this.tenant.credentials.adminApiKey}` }, retryAttempts: 0 });
    const events: WatchedEvent[] = [first];
    try {
      const unsubscribe = client.subscribe<{ events: WatchedEvent }>(
        { query: 'subscription($after: ID) { events(after: $after) { id type resource { type id version } data } }', variables: { after: first.id } },
        { next: (result) => void (result.data?.events && events.push(result.data.events)), error: () => undefined, complete: () => undefined },
      );
      await poll(() => events, done, what);
      unsubscribe();
      return events;
    } finally {
      await client.dispose();
    }
  }

  async close(): Promise<void> {
    await this.receiver.close();
  }
}
