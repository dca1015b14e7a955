import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { EVENT_TYPES, isEventType, type EventType } from '../domain/events';
import { generateSecret } from '../domain/tenants/secret-token';
import { CLOSED_CIRCUIT } from '../domain/webhook-circuit';
import type { OutboundHttp } from '../outbound/outbound-http';
import type { Database, Tx } from '../persistence/database';
import type { KeysetPage, KeysetPosition, KeysetRequest } from '../persistence/repositories/keyset';
import { WebhookRepository, type DeliveryStatus, type WebhookDelivery, type WebhookEndpoint } from '../persistence/repositories/webhook.repository';
import type { AuditService } from './audit.service';

export interface WebhookEndpointInput {
  readonly url: string;
  /** Null or absent: every event type. */
  readonly eventTypes?: readonly string[] | null;
}

export interface WebhookEndpointChange {
  readonly url?: string;
  readonly eventTypes?: readonly string[] | null;
  readonly active?: boolean;
}

export interface CreatedWebhookEndpoint {
  readonly endpoint: WebhookEndpoint;
  /** The HMAC key receivers verify signatures with; shown once. */
  readonly secret: string;
}

export interface WebhookEndpointOptions {
  /** Accept http:// endpoint URLs for hosts on the outbound allow-list (development and tests only). */
  readonly allowHttp: boolean;
  /** Checks every URL against the outbound address policy (after DNS) before it is stored. */
  readonly outbound: OutboundHttp;
}

/** Each endpoint receives every event once: the number per tenant bounds the work of one change. */
export const MAX_WEBHOOK_ENDPOINTS = 10;
export const WEBHOOK_DELIVERY_PAGE_MAX = 500;
/** Deliveries one time-range replay may reset: a bounded transaction. */
export const WEBHOOK_REPLAY_MAX = 10_000;
const URL_MAX = 2048;

/** What the audit trail keeps of an endpoint: never its secret. */
function audited(endpoint: WebhookEndpoint): Record<string, unknown> {
  return { url: endpoint.url, eventTypes: endpoint.eventTypes, active: endpoint.active };
}

/**
 * Tenant admins' webhook endpoints: create, change, pause, delete, rotate the signing secret, read the
 * delivery status, and replay deliveries. Every change is audited.
 */
export class WebhookEndpointService {
  private readonly webhooks = new WebhookRepository();

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    private readonly options: WebhookEndpointOptions,
  ) {}

  async createEndpoint(tenantId: string, input: WebhookEndpointInput, context: AuditContext): Promise<CreatedWebhookEndpoint> {
    const endpoint: WebhookEndpoint = {
      tenantId,
      id: randomUUID(),
      url: await this.checkUrl(input.url),
      eventTypes: checkEventTypes(input.eventTypes ?? null),
      active: true,
      createdAt: Date.now(),
      lastSuccessAt: null,
      lastFailureAt: null,
      lastError: null,
      consecutiveFailures: 0,
      circuit: CLOSED_CIRCUIT,
    };
    const secret = generateSecret('webhook');
    await this.database.transaction(async (tx) => {
      const existing = await this.webhooks.listEndpoints(tx, tenantId);
      if (existing.length >= MAX_WEBHOOK_ENDPOINTS) throw new DomainError('TOO_MANY', `a tenant has at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`);
      await this.webhooks.insertEndpoint(tx, endpoint, secret);
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_endpoint.created', target: { type: 'webhook_endpoint', id: endpoint.id }, after: audited(endpoint) });
    });
    return { endpoint, secret };
  }

  async listEndpoints(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.database.read((tx) => this.webhooks.listEndpoints(tx, tenantId));
  }

  /** Endpoints whose circuit is open or probing: their deliveries wait. */
  async listOpenCircuits(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.database.read((tx) => this.webhooks.listOpenCircuits(tx, tenantId));
  }

  async getEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.database.read((tx) => this.webhooks.findEndpoint(tx, tenantId, id));
    if (!endpoint) throw new DomainError('NOT_FOUND', `webhook endpoint ${id} not found`);
    return endpoint;
  }

  /**
   * Changes what is given. A paused endpoint (active=false) gets no new deliveries; pending ones wait for
   * it. A new URL is a new receiver: its failure count and circuit start afresh.
   */
  async updateEndpoint(tenantId: string, id: string, change: WebhookEndpointChange, context: AuditContext): Promise<WebhookEndpoint> {
    const url = change.url === undefined ? undefined : await this.checkUrl(change.url);
    return this.database.transaction(async (tx) => {
      const current = await this.webhooks.findEndpoint(tx, tenantId, id);
      if (!current) throw new DomainError('NOT_FOUND', `webhook endpoint ${id} not found`);
      const moved = url !== undefined && url !== current.url;
      const updated: WebhookEndpoint = {
        ...current,
        url: url ?? current.url,
        eventTypes: change.eventTypes === undefined ? current.eventTypes : checkEventTypes(change.eventTypes),
        active: change.active ?? current.active,
        ...(moved ? { consecutiveFailures: 0, circuit: CLOSED_CIRCUIT } : {}),
      };
      await this.webhooks.updateEndpoint(tx, updated);
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_endpoint.updated', target: { type: 'webhook_endpoint', id }, before: audited(current), after: audited(updated) });
      return updated;
    });
  }

  /** A new signing secret, in force for the next attempt; shown once. */
  async rotateSecret(tenantId: string, id: string, context: AuditContext): Promise<string> {
    const secret = generateSecret('webhook');
    await this.database.transaction(async (tx) => {
      if (!(await this.webhooks.findEndpoint(tx, tenantId, id))) throw new DomainError('NOT_FOUND', `webhook endpoint ${id} not found`);
      await this.webhooks.setEndpointSecret(tx, tenantId, id, secret);
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_endpoint.secret_rotated', target: { type: 'webhook_endpoint', id } });
    });
    return secret;
  }

  /** Deletes the endpoint and its deliveries. */
  async deleteEndpoint(tenantId: string, id: string, context: AuditContext): Promise<void> {
    await this.database.transaction(async (tx) => {
      const current = await this.webhooks.findEndpoint(tx, tenantId, id);
      if (!current) throw new DomainError('NOT_FOUND', `webhook endpoint ${id} not found`);
      await this.webhooks.deleteEndpoint(tx, tenantId, id);
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_endpoint.deleted', target: { type: 'webhook_endpoint', id }, before: audited(current) });
    });
  }

  /** The endpoint's deliveries, newest event first, optionally of one status. */
  async listDeliveries(tenantId: string, endpointId: string, status: DeliveryStatus | undefined, page: KeysetRequest): Promise<KeysetPage<WebhookDelivery>> {
    const limit = Math.max(1, Math.min(page.limit, WEBHOOK_DELIVERY_PAGE_MAX));
    return this.database.read((tx) => this.webhooks.listDeliveries(tx, tenantId, endpointId, status, { ...page, limit }));
  }

  /** Sends one event to the endpoint again, from a first attempt, whatever happened to it before. */
  async replayDelivery(tenantId: string, endpointId: string, eventId: string, context: AuditContext): Promise<void> {
    await this.database.transaction(async (tx) => {
      const reset = await this.webhooks.resetDelivery(tx, { tenantId, endpointId, eventId }, Date.now());
      if (reset === 0) throw new DomainError('NOT_FOUND', `no delivery of event ${eventId} to webhook endpoint ${endpointId}`);
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_delivery.replayed', target: { type: 'webhook_endpoint', id: endpointId }, details: { eventId } });
    });
  }

  /** Sends every delivery the endpoint gave up on again (after an outage); returns how many. */
  async replayFailedDeliveries(tenantId: string, endpointId: string, context: AuditContext): Promise<number> {
    return this.database.transaction(async (tx) => {
      if (!(await this.webhooks.findEndpoint(tx, tenantId, endpointId))) throw new DomainError('NOT_FOUND', `webhook endpoint ${endpointId} not found`);
      const replayed = await this.webhooks.resetFailedDeliveries(tx, tenantId, endpointId, Date.now());
      await this.audit.record(tx, { ...context, tenantId, action: 'webhook_delivery.replayed', target: { type: 'webhook_endpoint', id: endpointId }, details: { failedDeliveries: replayed } });
      return replayed;
    });
  }

  /**
   * Sends again every delivery to the endpoint of an event created in [from, to), whatever its state
   * (a receiver that lost data asks for a period again); at most WEBHOOK_REPLAY_MAX per call. Returns how many.
   */
  async replayDeliveriesBetween(tenantId: string, endpointId: string, range: { from: number; to: number }, context: AuditContext): Promise<number> {
    if (!(range.from < range.to)) throw new DomainError('INVALID_INPUT', 'from must lie before to');
    return this.database.transaction(async (tx) => {
      if (!(await this.webhooks.findEndpoint(tx, tenantId, endpointId))) throw new DomainError('NOT_FOUND', `webhook endpoint ${endpointId} not found`);
      const now = Date.now();
      let replayed = 0;
      // Newest event first: the walk stops at the first delivery older than the range.
      for (let after: KeysetPosition | undefined; ; ) {
        const page = await this.webhooks.listDeliveries(tx, tenantId, endpointId, undefined, { after, limit: WEBHOOK_DELIVERY_PAGE_MAX });
        for (const { node } of page.items) {
          if (node.createdAt < range.from) return this.recordReplay(tx, tenantId, endpointId, replayed, range, context);
          if (node.createdAt >= range.to) continue;
          if (replayed >= WEBHOOK_REPLAY_MAX) throw new DomainError('TOO_MANY', `more than ${WEBHOOK_REPLAY_MAX} deliveries in that period: replay a shorter one`);
          replayed += await this.webhooks.resetDelivery(tx, { tenantId, endpointId, eventId: node.eventId }, now);
        }
        if (!page.hasMore) return this.recordReplay(tx, tenantId, endpointId, replayed, range, context);
        after = page.items[page.items.length - 1].position;
      }
    });
  }

  private async recordReplay(tx: Tx, tenantId: string, endpointId: string, replayed: number, range: { from: number; to: number }, context: AuditContext): Promise<number> {
    await this.audit.record(tx, {
      ...context,
      tenantId,
      action: 'webhook_delivery.replayed',
      target: { type: 'webhook_endpoint', id: endpointId },
      details: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), deliveries: replayed },
    });
    return replayed;
  }

  /**
   * https only (http when allowed for development, to allow-listed hosts), no credentials in the URL,
   * and a host the outbound address policy lets the hub call (OUTBOUND_ADDRESS_REFUSED naming why).
   */
  private async checkUrl(value: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      throw new DomainError('INVALID_INPUT', 'the webhook URL is not a URL');
    }
    const allowed = this.options.allowHttp ? ['https:', 'http:'] : ['https:'];
    if (!allowed.includes(url.protocol)) throw new DomainError('INVALID_INPUT', this.options.allowHttp ? 'the webhook URL must be http(s)' : 'the webhook URL must be https');
    if (url.username || url.password) throw new DomainError('INVALID_INPUT', 'the webhook URL must not carry credentials');
    const text = url.toString();
    if (text.length > URL_MAX) throw new DomainError('INVALID_INPUT', `the webhook URL is longer than ${URL_MAX} characters`);
    await this.options.outbound.checkDestination(text, { allowHttp: this.options.allowHttp, label: 'the webhook URL' });
    return text;
  }
}

function checkEventTypes(types: readonly string[] | null): EventType[] | null {
  if (types === null) return null;
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) throw new DomainError('INVALID_INPUT', `unknown event types: ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
  if (types.length === 0) throw new DomainError('INVALID_INPUT', 'name at least one event type, or none (null) for all');
  return EVENT_TYPES.filter((type) => types.includes(type));
}
