import { afterFailure, afterSuccess, probeReleased, type BreakerSettings } from '../domain/webhook-circuit';
import { describeOutboundFailure, OutboundInterruptedError, OutboundUnreachableError, type OutboundHttp } from '../outbound/outbound-http';
import type { Database } from '../persistence/database';
import { WebhookRepository, type ClaimedDelivery, type DeliveryKey, type DueDelivery } from '../persistence/repositories/webhook.repository';
import { toEventEnvelope } from './outbox.service';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

export interface WebhookDeliveryOptions extends BreakerSettings {
  /** Attempts per delivery before it is given up (status failed; an admin can replay it). */
  readonly maxAttempts: number;
  /** The wait after the first failed attempt; it doubles with each further one, up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How long one attempt may take, connection to last byte: a hard deadline. */
  readonly timeoutMs: number;
  /** Attempts this worker runs at once: in all, for one tenant, for one endpoint. */
  readonly maxInFlight: number;
  readonly maxInFlightPerTenant: number;
  readonly maxInFlightPerEndpoint: number;
  /** Plain http:// endpoints (allow-listed hosts only). */
  readonly allowHttp: boolean;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface WebhookDeliveryHooks {
  /** An attempt settled: capacity is free again, and a resource's next event may be due. */
  readonly onSettled?: () => void;
  /** An endpoint's circuit opened (its deliveries now wait for a probe). */
  readonly onCircuitOpened?: (endpoint: DeliveryKey & { readonly consecutiveFailures: number; readonly nextProbeAt: number | null }) => void;
  /** An attempt failed: what the tenant reads (`error`) and, below HTTP, what happened (`cause`, for the operator). */
  readonly onAttemptFailed?: (delivery: DeliveryKey & { readonly error: string; readonly cause?: string }) => void;
  /** Recording an outcome failed (the delivery is retried when its lease ends). */
  readonly onError?: (error: unknown) => void;
}

/** How far past the attempt's deadline a claim lasts: a worker that died holding it is replaced then. */
const LEASE_MARGIN_MS = 30_000;
const USER_AGENT = 'identity-hub-webhooks/1';

/**
 * Exponential backoff with jitter: after attempt n the wait is drawn from [d/2, d] where
 * d = min(max, base * 2^(n-1)), so receivers that fail together do not get retried together.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly cause?: string } | { readonly interrupted: true };

/** Counts of attempts in flight by key. */
class InFlightCounts {
  private readonly counts = new Map<string, number>();

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: string, delta: number): void {
    const next = this.get(key) + delta;
    if (next <= 0) this.counts.delete(key);
    else this.counts.set(key, next);
  }

  atOrAbove(cap: number): string[] {
    return [...this.counts].filter(([, count]) => count >= cap).map(([key]) => key);
  }
}

/**
 * Delivers the outbox to webhook endpoints. Each call of `deliverDue` claims what is due, up to the
 * worker's free capacity, and starts the attempts without waiting for them: a slow endpoint holds its
 * own slots only (at most `maxInFlightPerEndpoint`, and its tenant at most `maxInFlightPerTenant`),
 * and the next call keeps claiming other endpoints' work meanwhile. Tenants are served fairly (see
 * WebhookRepository.findDue). An endpoint that keeps failing has its circuit opened (src/domain/
 * webhook-circuit.ts): its deliveries wait, spending no attempts, until a probe succeeds.
 * At-least-once: a delivery counts as done only on a 2xx answer, and a claim whose worker died is taken
 * again when its lease ends; several nodes may run workers on one database.
 */
export class WebhookDeliveryWorker {
  private readonly webhooks = new WebhookRepository();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perTenant = new InFlightCounts();
  private readonly perEndpoint = new InFlightCounts();

  constructor(
    private readonly database: Database,
    private readonly outbound: OutboundHttp,
    private readonly options: WebhookDeliveryOptions,
    private readonly hooks: WebhookDeliveryHooks = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * Claims due deliveries up to the free capacity and starts them: how many it started, and whether more
   * may be due now (it filled the free capacity). A commit or a settled attempt wakes the worker for the rest.
   */
  async deliverDue(): Promise<{ readonly started: number; readonly more: boolean }> {
    const free = this.options.maxInFlight - this.inFlight.size;
    if (this.stopping.signal.aborted || free <= 0) return { started: 0, more: false };
    const claimed = await this.database.transaction(async (tx) => {
      const now = this.now();
      const due = await this.webhooks.findDue(tx, now, {
        // A few spare rows: some may be taken by another node before they are locked.
        limit: free * 2,
        perTenant: this.options.maxInFlightPerTenant,
        perEndpoint: this.options.maxInFlightPerEndpoint,
        excludedTenants: this.perTenant.atOrAbove(this.options.maxInFlightPerTenant),
        excludedEndpoints: this.perEndpoint.atOrAbove(this.options.maxInFlightPerEndpoint),
      });
      const locked = await this.webhooks.lockDue(tx, this.withinCaps(due, free), now);
      const leaseUntil = now + this.options.timeoutMs + LEASE_MARGIN_MS;
      const taken: ClaimedDelivery[] = [];
      for (const delivery of locked) {
        // Another node may have taken the probe of the same open circuit first.
        if (delivery.probe && !(await this.webhooks.startProbe(tx, delivery, now, leaseUntil))) continue;
        await this.webhooks.leaseDelivery(tx, delivery, leaseUntil);
        taken.push(delivery);
      }
      return taken;
    });
    for (const delivery of claimed) this.start(delivery);
    return { started: claimed.length, more: claimed.length >= free };
  }

  /** Aborts attempts in flight; their deliveries are handed back untried for the next worker. */
  interrupt(): void {
    this.stopping.abort();
  }

  /** Resolves once every attempt started has settled and been recorded. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** The due deliveries this worker may start now, in the fair order given, within its own caps. */
  private withinCaps(due: readonly DueDelivery[], free: number): DueDelivery[] {
    const tenants = new InFlightCounts();
    const endpoints = new InFlightCounts();
    const chosen: DueDelivery[] = [];
    for (const delivery of due) {
      if (chosen.length >= free) break;
      if (this.perTenant.get(delivery.tenantId) + tenants.get(delivery.tenantId) >= this.options.maxInFlightPerTenant) continue;
      if (this.perEndpoint.get(delivery.endpointId) + endpoints.get(delivery.endpointId) >= this.options.maxInFlightPerEndpoint) continue;
      tenants.add(delivery.tenantId, 1);
      endpoints.add(delivery.endpointId, 1);
      chosen.push(delivery);
    }
    return chosen;
  }

  private start(delivery: ClaimedDelivery): void {
    this.perTenant.add(delivery.tenantId, 1);
    this.perEndpoint.add(delivery.endpointId, 1);
    const run = this.attempt(delivery)
      .catch((error: unknown) => this.hooks.onError?.(error))
      .finally(() => {
        this.inFlight.delete(run);
        this.perTenant.add(delivery.tenantId, -1);
        this.perEndpoint.add(delivery.endpointId, -1);
        this.hooks.onSettled?.();
      });
    this.inFlight.add(run);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    if ('ok' in outcome && !outcome.ok) this.hooks.onAttemptFailed?.({ tenantId: delivery.tenantId, endpointId: delivery.endpointId, eventId: delivery.eventId, error: outcome.error, cause: outcome.cause });
    const now = this.now();
    // The delivery row before the endpoint row, as in the claim: two transactions never wait on each other in turn.
    const opened = await this.database.transaction(async (tx) => {
      const { tenantId, endpointId } = delivery;
      if ('interrupted' in outcome) {
        await this.webhooks.releaseDelivery(tx, delivery, now);
        const health = delivery.probe ? await this.webhooks.lockEndpointHealth(tx, tenantId, endpointId) : undefined;
        if (health) await this.webhooks.saveCircuit(tx, tenantId, endpointId, probeReleased(health.circuit, now));
        return undefined;
      }
      const attempts = delivery.attempts + 1;
      if (outcome.ok) {
        await this.webhooks.recordDelivered(tx, delivery, attempts, now);
        const health = await this.webhooks.lockEndpointHealth(tx, tenantId, endpointId);
        if (health) await this.webhooks.recordEndpointSuccess(tx, tenantId, endpointId, now, afterSuccess(health, now));
        return undefined;
      }
      const nextAttemptAt = attempts >= this.options.maxAttempts ? null : now + retryDelayMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs, this.random);
      await this.webhooks.recordAttemptFailed(tx, delivery, attempts, nextAttemptAt, outcome.error);
      const health = await this.webhooks.lockEndpointHealth(tx, tenantId, endpointId);
      // Deleted meanwhile: nothing left to record the failure on.
      if (!health) return undefined;
      const next = afterFailure(health, now, this.options, delivery.probe);
      await this.webhooks.recordEndpointFailure(tx, tenantId, endpointId, now, outcome.error, next);
      return health.circuit.state === 'closed' && next.circuit.state === 'open' ? next : undefined;
    });
    if (opened) this.hooks.onCircuitOpened?.({ ...delivery, consecutiveFailures: opened.consecutiveFailures, nextProbeAt: opened.circuit.nextProbeAt });
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const body = JSON.stringify(toEventEnvelope(delivery.event));
    const timestamp = Math.floor(this.now() / 1000);
    try {
      const response = await this.outbound.send(delivery.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          [EVENT_ID_HEADER]: delivery.event.id,
          [EVENT_TYPE_HEADER]: delivery.event.type,
          [ATTEMPT_HEADER]: String(delivery.attempts + 1),
          [SIGNATURE_HEADER]: signWebhookBody(delivery.secret, body, timestamp),
        },
        body,
        deadlineMs: this.options.timeoutMs,
        allowHttp: this.options.allowHttp,
        signal: this.stopping.signal,
      });
      // A redirect is not followed (it could lead the signed payload anywhere): it counts as a failure.
      return response.status >= 200 && response.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      if (error instanceof OutboundInterruptedError) return { interrupted: true };
      const described = describeOutboundFailure(error);
      if (described === undefined) throw error;
      return { ok: false, error: described, cause: error instanceof OutboundUnreachableError ? error.detail : undefined };
    }
  }
}
