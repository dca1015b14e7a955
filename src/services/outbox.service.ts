import { EVENT_RESOURCE_TYPES, type EventEnvelope, type EventType, type NewEvent } from '../domain/events';
import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database, Tx } from '../persistence/database';
import { OutboxRepository, type OutboxEvent } from '../persistence/repositories/outbox.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { WebhookRepository } from '../persistence/repositories/webhook.repository';

export interface OutboxOptions {
  /** Events (and their deliveries, in whatever state) are removed this long after they were created. */
  readonly retentionDays: number;
  /** Runs once events with deliveries have committed: webhook delivery can look at once rather than at its next poll. */
  readonly onDeliveriesCommitted?: () => void;
}

/** Rows per retention statement, and statements per tenant per sweep (the rest waits for the next sweep). */
const SWEEP_BATCH = 500;
const SWEEP_BATCHES_PER_TENANT = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The wire form of a stored event: what webhooks carry (and subscriptions will). */
/** The version an event of a bulk write names (those never take it 'as stored'). */
function versionNamed(event: Omit<NewEvent, 'id' | 'tenantId'>): number | null {
  if (event.resourceVersion === 'as stored') throw new Error('events written in bulk name their versions');
  return event.resourceVersion ?? null;
}

export function toEventEnvelope(event: OutboxEvent): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    tenantId: event.tenantId,
    occurredAt: new Date(event.createdAt).toISOString(),
    resource: { type: event.resourceType, id: event.resourceId, version: event.resourceVersion },
    data: event.payload as EventEnvelope['data'],
  };
}

/** Ids of the active endpoints that want events of this type. */
function subscribers(endpoints: readonly { id: string; eventTypes: readonly EventType[] | null }[], type: EventType): string[] {
  return endpoints.filter((endpoint) => endpoint.eventTypes === null || endpoint.eventTypes.includes(type)).map((endpoint) => endpoint.id);
}

/**
 * The transactional outbox. `enqueue` writes the event in the caller's transaction, together with one
 * pending delivery per active webhook endpoint that wants its type: the change, its event and the
 * promise to deliver it commit together, so a crash after the commit still delivers.
 */
export class OutboxService {
  private readonly outbox = new OutboxRepository();
  private readonly webhooks = new WebhookRepository();
  private readonly tenants = new TenantRepository();

  constructor(
    private readonly database: Database,
    private readonly options: OutboxOptions,
  ) {}

  /**
   * `inserted` is false when the event carried an id that was already enqueued (idempotent producers):
   * nothing was written then. Events of one resource are delivered in the order they were enqueued.
   */
  async enqueue<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<{ id: string; inserted: boolean }> {
    const generated = nextTimeOrderedId();
    const id = event.id ?? generated.id;
    const asStored = event.resourceVersion === 'as stored';
    if (asStored && event.id !== undefined) throw new Error('an idempotent event names its version');
    const row: OutboxEvent = {
      tenantId: event.tenantId,
      id,
      type: event.type,
      resourceType: EVENT_RESOURCE_TYPES[event.type],
      resourceId: event.resourceId,
      resourceVersion: typeof event.resourceVersion === 'number' ? event.resourceVersion : null,
      payload: event.data,
      createdAt: generated.at,
    };
    const onDeliveries = (count: number) => {
      if (count > 0 && this.options.onDeliveriesCommitted) tx.afterCommit(this.options.onDeliveriesCommitted);
    };
    // A fresh id cannot collide: the event and its deliveries join the transaction's write log.
    if (event.id === undefined) {
      if (asStored) this.outbox.appendWithStoredVersion(tx, row);
      else this.outbox.append(tx, row);
      this.webhooks.appendDeliveriesOfEvent(tx, event.tenantId, id, event.type, generated.at, onDeliveries);
      return { id, inserted: true };
    }
    const inserted = await this.outbox.insert(tx, row);
    if (inserted) onDeliveries(await this.webhooks.insertDeliveriesOfEvent(tx, event.tenantId, id, event.type, generated.at));
    return { id, inserted };
  }

  /**
   * Many events of one tenant (a bulk import chunk) in multi-row statements, with their deliveries, in
   * the caller's transaction. Each gets a fresh time-ordered id, so their order is the order given.
   */
  async enqueueMany(tx: Tx, tenantId: string, events: readonly Omit<NewEvent, 'id' | 'tenantId'>[]): Promise<void> {
    if (events.length === 0) return;
    const endpoints = await this.webhooks.listActiveEndpointTypes(tx, tenantId);
    const rows: OutboxEvent[] = [];
    const deliveries: { tenantId: string; endpointId: string; eventId: string; at: number }[] = [];
    for (const event of events) {
      const { id, at } = nextTimeOrderedId();
      rows.push({ tenantId, id, type: event.type, resourceType: EVENT_RESOURCE_TYPES[event.type], resourceId: event.resourceId, resourceVersion: versionNamed(event), payload: event.data, createdAt: at });
      for (const endpointId of subscribers(endpoints, event.type)) deliveries.push({ tenantId, endpointId, eventId: id, at });
    }
    await this.outbox.insertMany(tx, rows);
    await this.webhooks.insertPendingDeliveries(tx, deliveries);
    if (deliveries.length > 0 && this.options.onDeliveriesCommitted) tx.afterCommit(this.options.onDeliveriesCommitted);
  }

  /** Removes events older than the retention period with their deliveries; bounded per tenant per call. */
  async sweep(now: number = Date.now()): Promise<number> {
    const cutoff = now - this.options.retentionDays * DAY_MS;
    const tenantIds = await this.database.read((tx) => this.tenants.listTenantIds(tx));
    let removed = 0;
    for (const tenantId of tenantIds) {
      for (let batch = 0; batch < SWEEP_BATCHES_PER_TENANT; batch += 1) {
        const count = await this.database.transaction(async (tx) => {
          const ids = await this.outbox.idsCreatedBefore(tx, tenantId, cutoff, SWEEP_BATCH);
          await this.webhooks.deleteDeliveriesOfEvents(tx, tenantId, ids);
          return this.outbox.deleteEvents(tx, tenantId, ids);
        });
        removed += count;
        if (count < SWEEP_BATCH) break;
      }
    }
    return removed;
  }
}
