import type { EventResourceType, EventType } from '../../domain/events';
import { CLOSED_CIRCUIT, type CircuitState, type EndpointCircuit, type EndpointHealth } from '../../domain/webhook-circuit';
import type { Dialect, Tx } from '../database';
import { keyed, type KeyedQuery } from '../keyed-query';
import { keyedSqlText } from '../sql-text';
import { parseJsonColumn, toBoolean, toNumber } from '../column-values';
import { applyKeyset, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';
import type { OutboxEvent } from './outbox.repository';
import type { WebhookDeliveryRow } from '../entities/webhook-delivery.entity';
import { TABLES } from '../tables';
import { insertRows } from './bulk-rows';

const DELIVERIES = TABLES.webhookDeliveries;
/** What a new delivery row sets (the rest stays NULL until an attempt). */
const NEW_DELIVERY = ['tenantId', 'endpointId', 'eventId', 'status', 'attempts', 'nextAttemptAt', 'createdAt'] as const satisfies readonly (keyof WebhookDeliveryRow)[];
const DELIVERY_COLUMNS = DELIVERIES.names(NEW_DELIVERY);
/** Whether endpoint `e`'s list of event types holds the bound type (a JSON array: text on SQLite, jsonb on PostgreSQL). */
const WANTS_TYPE: Record<Tx['dialect'], string> = {
  sqlite: 'EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE json_each.value = ?)',
  postgresql: 'e.event_types @> jsonb_build_array(?::text)',
};

/** A tenant's webhook endpoint as admins see it: never its secret. */
export interface WebhookEndpoint extends EndpointHealth {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  /** The event types delivered to it; null for all. */
  readonly eventTypes: readonly EventType[] | null;
  readonly active: boolean;
  readonly createdAt: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly lastError: string | null;
}

/** pending: waiting for (another) attempt or in flight; delivered; failed: gave up after the last attempt. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly resourceType: EventResourceType;
  readonly resourceId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly createdAt: number;
}

export interface DeliveryKey {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly eventId: string;
}

/** A due delivery a worker may take: the head of its resource's queue on an endpoint that takes deliveries. */
export interface DueDelivery extends DeliveryKey {
  /** Not closed: the delivery would be the endpoint's circuit probe. */
  readonly circuitState: CircuitState;
}

/** What a worker may take in one claim (its own attempts in flight are what it leaves out). */
export interface DueRequest {
  readonly limit: number;
  readonly perTenant: number;
  readonly perEndpoint: number;
  /** Tenants and endpoints (by id) at their cap in this worker: none of theirs is listed. */
  readonly excludedTenants: readonly string[];
  readonly excludedEndpoints: readonly string[];
}

/** A delivery taken by one worker, with what it needs to send it. */
export interface ClaimedDelivery extends DeliveryKey {
  readonly attempts: number;
  readonly url: string;
  readonly secret: string;
  readonly event: OutboxEvent;
  /** The endpoint's circuit is open: this attempt is its probe. */
  readonly probe: boolean;
}

interface EndpointColumns {
  tenant_id: string;
  id: string;
  url: string;
  event_types: unknown;
  active: unknown;
  created_at: number | string;
  last_success_at: number | string | null;
  last_failure_at: number | string | null;
  last_error: string | null;
  consecutive_failures: number | string;
  circuit_state: string;
  circuit_since: number | string | null;
  circuit_next_probe_at: number | string | null;
  circuit_failed_probes: number | string;
}

type HealthColumns = Pick<EndpointColumns, 'consecutive_failures' | 'circuit_state' | 'circuit_since' | 'circuit_next_probe_at' | 'circuit_failed_probes'>;

interface DeliveryColumns extends Record<string, unknown> {
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  type: string;
  resource_type: string;
  resource_id: string;
  status: string;
  attempts: number | string;
  next_attempt_at: number | string | null;
  last_error: string | null;
  delivered_at: number | string | null;
  created_at: number | string;
}

interface ClaimColumns {
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number | string;
  url: string;
  secret: string;
  type: string;
  resource_type: string;
  resource_id: string;
  resource_version: number | string | null;
  payload: unknown;
  event_created_at: number | string;
  circuit_state: string;
}

const HEALTH_COLUMNS = ['consecutive_failures', 'circuit_state', 'circuit_since', 'circuit_next_probe_at', 'circuit_failed_probes'];
const ENDPOINT_COLUMNS = ['tenant_id', 'id', 'url', 'event_types', 'active', 'created_at', 'last_success_at', 'last_failure_at', 'last_error', ...HEALTH_COLUMNS];
/** A JSON array bound as one parameter, as a set of text values (one statement text whatever its length). */
const JSON_TEXT_SET: Record<Tx['dialect'], string> = {
  sqlite: '(SELECT value FROM json_each(?))',
  postgresql: '(SELECT jsonb_array_elements_text(?::jsonb))',
};
/** Pending deliveries of one endpoint that a worker's call reads, the oldest events first (see findDue). */
const DUE_WINDOW = 100;
/** Sorts after every id (UUID text is hex digits and dashes): the bound of a window that has no end. */
const AFTER_EVERY_ID = 'g';
/** Event ids are time-ordered, so the primary key (tenant, endpoint, event) lists an endpoint's deliveries newest first. */
const NEWEST_FIRST: KeysetOrder = { id: 'd.event_id', descending: true };

const optionalNumber = (value: number | string | null): number | null => (value === null ? null : toNumber(value));

function toHealth(row: HealthColumns): EndpointHealth {
  return {
    consecutiveFailures: toNumber(row.consecutive_failures),
    circuit: {
      state: row.circuit_state as CircuitState,
      since: optionalNumber(row.circuit_since),
      nextProbeAt: optionalNumber(row.circuit_next_probe_at),
      failedProbes: toNumber(row.circuit_failed_probes),
    },
  };
}

function healthColumns(health: EndpointHealth): Record<string, unknown> {
  const { circuit } = health;
  return {
    consecutive_failures: health.consecutiveFailures,
    circuit_state: circuit.state,
    circuit_since: circuit.since,
    circuit_next_probe_at: circuit.nextProbeAt,
    circuit_failed_probes: circuit.failedProbes,
  };
}

function toEndpoint(row: EndpointColumns): WebhookEndpoint {
  const eventTypes = row.event_types === null || row.event_types === undefined ? null : parseJsonColumn<EventType[]>(row.event_types);
  return {
    tenantId: row.tenant_id,
    id: row.id,
    url: row.url,
    eventTypes,
    active: toBoolean(row.active),
    createdAt: toNumber(row.created_at),
    lastSuccessAt: optionalNumber(row.last_success_at),
    lastFailureAt: optionalNumber(row.last_failure_at),
    lastError: row.last_error,
    ...toHealth(row),
  };
}

function toDelivery(row: DeliveryColumns): WebhookDelivery {
  return {
    tenantId: row.tenant_id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.type as EventType,
    resourceType: row.resource_type as EventResourceType,
    resourceId: row.resource_id,
    status: row.status as DeliveryStatus,
    attempts: toNumber(row.attempts),
    nextAttemptAt: optionalNumber(row.next_attempt_at),
    lastError: row.last_error,
    deliveredAt: optionalNumber(row.delivered_at),
    createdAt: toNumber(row.created_at),
  };
}

const ERROR_TEXT_MAX = 2000;

function truncated(text: string): string {
  return text.length > ERROR_TEXT_MAX ? text.slice(0, ERROR_TEXT_MAX) : text;
}

/** Webhook endpoints (with their delivery status) and the per-endpoint delivery queue. */
/** One pending delivery of an event per active endpoint of the tenant that wants its type. */
function deliveriesOfEventText(dialect: Dialect): KeyedQuery {
  return keyedSqlText(`deliveries-of-event|${dialect}`, () => `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS.join(', ')}) SELECT e.tenant_id, e.id, ?, 'pending', 0, ?, ? FROM webhook_endpoints e WHERE e.tenant_id = ? AND e.active = ? AND (e.event_types IS NULL OR ${WANTS_TYPE[dialect]})`);
}

export class WebhookRepository {
  async insertEndpoint(tx: Tx, endpoint: WebhookEndpoint, secret: string): Promise<void> {
    await tx.run(
      tx.knex('webhook_endpoints').insert({
        tenant_id: endpoint.tenantId,
        id: endpoint.id,
        url: endpoint.url,
        secret,
        event_types: endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes),
        active: endpoint.active,
        created_at: endpoint.createdAt,
        ...healthColumns({ consecutiveFailures: 0, circuit: CLOSED_CIRCUIT }),
      }),
    );
  }

  async findEndpoint(tx: Tx, tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const row = await tx.first<EndpointColumns>(tx.knex('webhook_endpoints').select(ENDPOINT_COLUMNS).where({ tenant_id: tenantId, id }));
    return row && toEndpoint(row);
  }

  async listEndpoints(tx: Tx, tenantId: string): Promise<WebhookEndpoint[]> {
    const rows = await tx.all<EndpointColumns>(
      tx.knex('webhook_endpoints').select(ENDPOINT_COLUMNS).where({ tenant_id: tenantId }).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    );
    return rows.map(toEndpoint);
  }

  async updateEndpoint(tx: Tx, endpoint: WebhookEndpoint): Promise<void> {
    await tx.run(
      tx
        .knex('webhook_endpoints')
        .where({ tenant_id: endpoint.tenantId, id: endpoint.id })
        .update({ url: endpoint.url, event_types: endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes), active: endpoint.active, ...healthColumns(endpoint) }),
    );
  }

  async setEndpointSecret(tx: Tx, tenantId: string, id: string, secret: string): Promise<void> {
    await tx.run(tx.knex('webhook_endpoints').where({ tenant_id: tenantId, id }).update({ secret }));
  }

  async deleteEndpoint(tx: Tx, tenantId: string, id: string): Promise<void> {
    await tx.run(tx.knex('webhook_deliveries').where({ tenant_id: tenantId, endpoint_id: id }).delete());
    await tx.run(tx.knex('webhook_endpoints').where({ tenant_id: tenantId, id }).delete());
  }

  /** The endpoint's failure count and circuit, locked (PostgreSQL) until the transaction ends: outcomes of one endpoint are recorded one at a time. */
  async lockEndpointHealth(tx: Tx, tenantId: string, id: string): Promise<EndpointHealth | undefined> {
    const query = tx.knex('webhook_endpoints').select(HEALTH_COLUMNS).where({ tenant_id: tenantId, id });
    const row = await tx.first<HealthColumns>(keyed(tx.dialect === 'postgresql' ? query.forUpdate() : query));
    return row && toHealth(row);
  }

  async recordEndpointSuccess(tx: Tx, tenantId: string, id: string, now: number, health: EndpointHealth): Promise<void> {
    await tx.run(keyed(tx.knex('webhook_endpoints').where({ tenant_id: tenantId, id }).update({ last_success_at: now, ...healthColumns(health) })));
  }

  async recordEndpointFailure(tx: Tx, tenantId: string, id: string, now: number, error: string, health: EndpointHealth): Promise<void> {
    await tx.run(keyed(tx.knex('webhook_endpoints').where({ tenant_id: tenantId, id }).update({ last_failure_at: now, last_error: truncated(error), ...healthColumns(health) })));
  }

  async saveCircuit(tx: Tx, tenantId: string, id: string, circuit: EndpointCircuit): Promise<void> {
    await tx.run(tx.knex('webhook_endpoints').where({ tenant_id: tenantId, id }).update({ circuit_state: circuit.state, circuit_next_probe_at: circuit.nextProbeAt }));
  }

  /**
   * Takes the probe of an endpoint whose circuit is open and due: true for the one worker that gets
   * it (PostgreSQL re-checks the row after another node's update commits), false for the others.
   */
  async startProbe(tx: Tx, key: { tenantId: string; endpointId: string }, now: number, givenUpAt: number): Promise<boolean> {
    const changed = await tx.run(
      tx
        .knex('webhook_endpoints')
        .where({ tenant_id: key.tenantId, id: key.endpointId })
        .whereNot('circuit_state', 'closed')
        .where('circuit_next_probe_at', '<=', now)
        .update({ circuit_state: 'half_open', circuit_next_probe_at: givenUpAt }),
    );
    return changed === 1;
  }

  /** Endpoints of the tenant whose circuit is not closed (admin warnings). */
  async listOpenCircuits(tx: Tx, tenantId: string): Promise<WebhookEndpoint[]> {
    const rows = await tx.all<EndpointColumns>(
      tx.knex('webhook_endpoints').select(ENDPOINT_COLUMNS).where({ tenant_id: tenantId }).whereNot('circuit_state', 'closed').orderBy([{ column: 'created_at' }, { column: 'id' }]),
    );
    return rows.map(toEndpoint);
  }

  /** The active endpoints an event of the tenant fans out to, with the types each wants. */
  async listActiveEndpointTypes(tx: Tx, tenantId: string): Promise<{ id: string; eventTypes: readonly EventType[] | null }[]> {
    const rows = await tx.all<{ id: string; event_types: unknown }>(
      'SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = ? AND active = ?',
      [tenantId, true],
    );
    return rows.map((row) => ({ id: row.id, eventTypes: row.event_types === null ? null : parseJsonColumn<EventType[]>(row.event_types) }));
  }

  /** Pending deliveries (first attempt due at once) of many events, in multi-row statements. */
  async insertPendingDeliveries(tx: Tx, deliveries: readonly { readonly tenantId: string; readonly endpointId: string; readonly eventId: string; readonly at: number }[]): Promise<void> {
    await insertRows(
      tx,
      DELIVERIES,
      NEW_DELIVERY,
      deliveries.map((delivery) => ({ tenantId: delivery.tenantId, endpointId: delivery.endpointId, eventId: delivery.eventId, status: 'pending', attempts: 0, nextAttemptAt: delivery.at, createdAt: delivery.at })),
    );
  }

  /**
   * One pending delivery of the event per active endpoint of the tenant that wants its type (no list of
   * types: all of them), chosen and written by one statement: a write pays no separate endpoint read.
   * Returns how many it wrote.
   */
  async insertDeliveriesOfEvent(tx: Tx, tenantId: string, eventId: string, type: EventType, now: number): Promise<number> {
    return tx.run(deliveriesOfEventText(tx.dialect), [eventId, now, now, tenantId, true, type]);
  }

  /** The same, appended to the transaction's write log; `onInserted` hears how many were inserted, before the commit. */
  appendDeliveriesOfEvent(tx: Tx, tenantId: string, eventId: string, type: EventType, now: number, onInserted: (count: number) => void): void {
    tx.write(deliveriesOfEventText(tx.dialect), [eventId, now, now, tenantId, true, type], onInserted);
  }

  /**
   * Due deliveries a worker may take, fairly: each is the head of its resource's queue on its endpoint
   * (a delivery waits while an earlier event about the same resource is pending for the same endpoint,
   * in flight or backing off); at most `perEndpoint` per endpoint (one, the probe, for an endpoint whose
   * circuit is open and due; none while it is open and not due) and `perTenant` per tenant; the tenants
   * interleaved by their own order (each tenant's first, then each one's second, ...), so one tenant's
   * backlog never stands before another tenant's first delivery. Nothing is locked: `lockDue` takes them.
   *
   * Only the first DUE_WINDOW pending deliveries of each endpoint, in event order, are read (an index
   * range each): the cost of a call is bounded by the number of endpoints, not by the backlog. A tenant
   * whose hanging endpoints hold 30,000 pending deliveries made every call read all of them (0.8 s on
   * the SQLite event loop, issue 13). An earlier event of a resource is never behind a later one in
   * event order, so the window never hides the delivery that unblocks the others.
   */
  async findDue(tx: Tx, now: number, request: DueRequest): Promise<DueDelivery[]> {
    const rows = await tx.all<{ tenant_id: string; endpoint_id: string; event_id: string; circuit_state: string }>(
      `WITH endpoints AS (
         SELECT w.tenant_id, w.id, w.circuit_state,
                (SELECT q.event_id FROM webhook_deliveries q
                  WHERE q.tenant_id = w.tenant_id AND q.endpoint_id = w.id AND q.status = 'pending'
                  ORDER BY q.event_id LIMIT 1 OFFSET ${DUE_WINDOW}) AS beyond
           FROM webhook_endpoints w
          WHERE w.active = ? AND (w.circuit_state = 'closed' OR w.circuit_next_probe_at <= ?)
            AND w.tenant_id NOT IN ${JSON_TEXT_SET[tx.dialect]}
            AND w.id NOT IN ${JSON_TEXT_SET[tx.dialect]}
       ), due AS (
         SELECT d.tenant_id, d.endpoint_id, d.event_id, d.next_attempt_at, e.created_at AS event_created_at, w.circuit_state,
                ROW_NUMBER() OVER (PARTITION BY d.tenant_id, d.endpoint_id ORDER BY d.next_attempt_at, e.created_at, e.id) AS endpoint_rank
           FROM endpoints w
           -- CROSS JOIN keeps SQLite's loop over the endpoints outermost (PostgreSQL plans it as any join).
           CROSS JOIN webhook_deliveries d
           JOIN outbox_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
          WHERE d.tenant_id = w.tenant_id AND d.endpoint_id = w.id AND d.status = 'pending' AND d.event_id < COALESCE(w.beyond, ?)
            AND d.next_attempt_at <= ?
            AND NOT EXISTS (
              SELECT 1 FROM outbox_events pe
                JOIN webhook_deliveries pd ON pd.tenant_id = pe.tenant_id AND pd.endpoint_id = d.endpoint_id AND pd.event_id = pe.id
               WHERE pe.tenant_id = e.tenant_id AND pe.resource_id = e.resource_id AND pe.resource_type = e.resource_type
                 AND (pe.created_at < e.created_at OR (pe.created_at = e.created_at AND pe.id < e.id))
                 AND pd.status = 'pending')
       ), capped AS (
         SELECT tenant_id, endpoint_id, event_id, next_attempt_at, event_created_at, circuit_state,
                ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY next_attempt_at, event_created_at, event_id) AS tenant_rank
           FROM due
          WHERE endpoint_rank <= CASE WHEN circuit_state = 'closed' THEN ? ELSE 1 END
       )
       SELECT tenant_id, endpoint_id, event_id, circuit_state FROM capped
        WHERE tenant_rank <= ?
        ORDER BY tenant_rank, next_attempt_at, event_created_at, event_id
        LIMIT ?`,
      [true, now, JSON.stringify(request.excludedTenants), JSON.stringify(request.excludedEndpoints), AFTER_EVERY_ID, now, request.perEndpoint, request.perTenant, request.limit],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, endpointId: row.endpoint_id, eventId: row.event_id, circuitState: row.circuit_state as CircuitState }));
  }

  /**
   * Locks the chosen deliveries that are still due and returns what sending them needs. PostgreSQL
   * skips rows another node holds (FOR UPDATE SKIP LOCKED) and re-checks the others after that node
   * commits, so two nodes never take the same delivery; SQLite has one writer, and this runs in a
   * write transaction.
   */
  async lockDue(tx: Tx, keys: readonly DeliveryKey[], now: number): Promise<ClaimedDelivery[]> {
    if (keys.length === 0) return [];
    const locking = tx.dialect === 'postgresql' ? 'FOR UPDATE OF d SKIP LOCKED' : '';
    const rows = await tx.all<ClaimColumns>(
      `SELECT d.tenant_id, d.endpoint_id, d.event_id, d.attempts, w.url, w.secret, w.circuit_state,
              e.type, e.resource_type, e.resource_id, e.resource_version, e.payload, e.created_at AS event_created_at
         FROM webhook_deliveries d
         JOIN webhook_endpoints w ON w.tenant_id = d.tenant_id AND w.id = d.endpoint_id
         JOIN outbox_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
        WHERE (d.tenant_id, d.endpoint_id, d.event_id) IN (VALUES ${keys.map(() => '(?, ?, ?)').join(', ')})
          AND d.status = 'pending' AND d.next_attempt_at <= ? AND w.active = ?
        ${locking}`,
      [...keys.flatMap((key) => [key.tenantId, key.endpointId, key.eventId]), now, true],
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      endpointId: row.endpoint_id,
      eventId: row.event_id,
      attempts: toNumber(row.attempts),
      url: row.url,
      secret: row.secret,
      probe: row.circuit_state !== 'closed',
      event: {
        tenantId: row.tenant_id,
        id: row.event_id,
        type: row.type as EventType,
        resourceType: row.resource_type as EventResourceType,
        resourceId: row.resource_id,
        resourceVersion: optionalNumber(row.resource_version),
        payload: parseJsonColumn(row.payload),
        createdAt: toNumber(row.event_created_at),
      },
    }));
  }

  /** Keeps other workers off a claimed delivery until `until`; a worker that dies leaves it to be retried then. */
  async leaseDelivery(tx: Tx, key: DeliveryKey, until: number): Promise<void> {
    await tx.run(keyed(this.deliveryRow(tx, key).update({ next_attempt_at: until })));
  }

  async recordDelivered(tx: Tx, key: DeliveryKey, attempts: number, now: number): Promise<void> {
    await tx.run(keyed(this.deliveryRow(tx, key).where({ status: 'pending' }).update({ status: 'delivered', attempts, delivered_at: now, next_attempt_at: null, last_error: null })));
  }

  /** A failed attempt: retried at `nextAttemptAt`, or given up (status failed) when that is null. */
  async recordAttemptFailed(tx: Tx, key: DeliveryKey, attempts: number, nextAttemptAt: number | null, error: string): Promise<void> {
    await tx.run(
      keyed(
        this.deliveryRow(tx, key)
          .where({ status: 'pending' })
          .update({ status: nextAttemptAt === null ? 'failed' : 'pending', attempts, next_attempt_at: nextAttemptAt, last_error: truncated(error) }),
      ),
    );
  }

  /** Hands a claimed delivery back untried (the worker is stopping). */
  async releaseDelivery(tx: Tx, key: DeliveryKey, now: number): Promise<void> {
    await tx.run(this.deliveryRow(tx, key).where({ status: 'pending' }).update({ next_attempt_at: now }));
  }

  /** Replay: the delivery goes out again from its first attempt, whatever its state. */
  async resetDelivery(tx: Tx, key: DeliveryKey, now: number): Promise<number> {
    return tx.run(this.deliveryRow(tx, key).update({ status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, delivered_at: null }));
  }

  async resetFailedDeliveries(tx: Tx, tenantId: string, endpointId: string, now: number): Promise<number> {
    return tx.run(
      tx
        .knex('webhook_deliveries')
        .where({ tenant_id: tenantId, endpoint_id: endpointId, status: 'failed' })
        .update({ status: 'pending', attempts: 0, next_attempt_at: now, last_error: null }),
    );
  }

  async listDeliveries(tx: Tx, tenantId: string, endpointId: string, status: DeliveryStatus | undefined, page: KeysetRequest): Promise<KeysetPage<WebhookDelivery>> {
    const query = tx
      .knex('webhook_deliveries as d')
      .join('outbox_events as e', (on) => on.on('e.tenant_id', 'd.tenant_id').andOn('e.id', 'd.event_id'))
      .select('d.tenant_id', 'd.endpoint_id', 'd.event_id', 'e.type', 'e.resource_type', 'e.resource_id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_error', 'd.delivered_at', 'd.created_at')
      .where({ 'd.tenant_id': tenantId, 'd.endpoint_id': endpointId });
    if (status) query.where('d.status', status);
    const rows = await tx.all<DeliveryColumns>(applyKeyset(tx, query, NEWEST_FIRST, page));
    const items = rows.slice(0, page.limit).map((row) => ({ node: toDelivery(row), position: { id: row.event_id } }));
    return { items, hasMore: rows.length > page.limit };
  }

  /** Retention: the deliveries of events about to be removed, on every endpoint of the tenant. */
  async deleteDeliveriesOfEvents(tx: Tx, tenantId: string, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    // Through the endpoint list, so the (tenant, endpoint, event) primary key finds the rows.
    const endpoints = tx.knex('webhook_endpoints').select('id').where({ tenant_id: tenantId });
    return tx.run(tx.knex('webhook_deliveries').where({ tenant_id: tenantId }).whereIn('endpoint_id', endpoints).whereIn('event_id', [...eventIds]).delete());
  }

  private deliveryRow(tx: Tx, key: DeliveryKey) {
    return tx.knex('webhook_deliveries').where({ tenant_id: key.tenantId, endpoint_id: key.endpointId, event_id: key.eventId });
  }
}
