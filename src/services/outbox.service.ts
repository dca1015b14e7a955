import { EVENT_RESOURCE_TYPES, type EventEnvelope, type EventType, type NewEvent } from '../domain/events';
import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database, Tx } from '../persistence/database';
import { OutboxRepository, type OutboxEvent } from '../persistence/repositories/outbox.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { WebhookRepository } from '../persistence/repositories/webhook.repository';

export interface OutboxOptions {
  /** Events (and their deliveries, in whatever state) are removed this long after they were created. */
  readonly retentionDays: number;
}

/** Rows per retention statement, and statements per tenant per sweep (the rest waits for the next sweep). */
const SWEEP_BATCH = 500;
const SWEEP_BATCHES_PER_TENANT = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The wire form of a stored event: what webhooks carry (and subscriptions will). */
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
    const inserted = await this.outbox.insert(tx, {
      tenantId: event.tenantId,
      id,
      type: event.type,
      resourceType: EVENT_RESOURCE_TYPES[event.type],
      resourceId: event.resourceId,
      resourceVersion: event.resourceVersion ?? null,
      payload: event.data,
      createdAt: generated.at,
    });
    if (!inserted) return { id, inserted };
    const endpoints = await this.webhooks.listActiveEndpointTypes(tx, event.tenantId);
    const targets = endpoints.filter((endpoint) => endpoint.eventTypes === null || endpoint.eventTypes.includes(event.type)).map((endpoint) => endpoint.id);
    await this.webhooks.insertDeliveries(tx, event.tenantId, id, targets, generated.at);
    return { id, inserted };
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
