import type { Database } from '../persistence/database';
import { WebhookRepository, type ClaimedDelivery } from '../persistence/repositories/webhook.repository';
import { toEventEnvelope } from './outbox.service';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

export interface WebhookDeliveryOptions {
  /** Attempts per delivery before it is given up (status failed; an admin can replay it). */
  readonly maxAttempts: number;
  /** The wait after the first failed attempt; it doubles with each further one, up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How long one attempt may take, connection to last byte. */
  readonly timeoutMs: number;
  /** Deliveries claimed per round. */
  readonly batchSize?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** How far past the attempt's timeout a claim lasts: a worker that died holding it is replaced then. */
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

type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string } | { readonly interrupted: true };

/**
 * Delivers the outbox to webhook endpoints: claims due deliveries (safe with several nodes), POSTs each
 * signed envelope, and records the outcome with the endpoint's status. At-least-once: a delivery counts
 * as done only on a 2xx answer, and a claim whose worker died is taken again when its lease ends.
 */
export class WebhookDeliveryWorker {
  private readonly webhooks = new WebhookRepository();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly stopping = new AbortController();

  constructor(
    private readonly database: Database,
    private readonly options: WebhookDeliveryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.batchSize = options.batchSize ?? 20;
  }

  /** One round: claim what is due and deliver it. Returns the number claimed (a full batch means more may wait). */
  async deliverDue(): Promise<number> {
    if (this.stopping.signal.aborted) return 0;
    const claimed = await this.database.transaction(async (tx) => {
      const now = this.now();
      const due = await this.webhooks.claimDue(tx, now, this.batchSize);
      for (const delivery of due) await this.webhooks.leaseDelivery(tx, delivery, now + this.options.timeoutMs + LEASE_MARGIN_MS);
      return due;
    });
    // Every attempt settles before the round ends, so stopping after a round leaves no write behind.
    const outcomes = await Promise.allSettled(claimed.map((delivery) => this.attempt(delivery)));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return claimed.length;
  }

  /** Aborts attempts in flight; their deliveries are handed back untried for the next worker. */
  interrupt(): void {
    this.stopping.abort();
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    const now = this.now();
    await this.database.transaction(async (tx) => {
      if ('interrupted' in outcome) {
        await this.webhooks.releaseDelivery(tx, delivery, now);
        return;
      }
      const attempts = delivery.attempts + 1;
      if (outcome.ok) {
        await this.webhooks.recordDelivered(tx, delivery, attempts, now);
        await this.webhooks.recordEndpointSuccess(tx, delivery.tenantId, delivery.endpointId, now);
        return;
      }
      const nextAttemptAt = attempts >= this.options.maxAttempts ? null : now + retryDelayMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs, this.random);
      await this.webhooks.recordAttemptFailed(tx, delivery, attempts, nextAttemptAt, outcome.error);
      await this.webhooks.recordEndpointFailure(tx, delivery.tenantId, delivery.endpointId, now, outcome.error);
    });
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const body = JSON.stringify(toEventEnvelope(delivery.event));
    const timestamp = Math.floor(this.now() / 1000);
    try {
      const response = await fetch(delivery.url, {
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
        // A redirect could lead the signed payload anywhere: it counts as a failure.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopping.signal]),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      if (this.stopping.signal.aborted) return { interrupted: true };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
      return { ok: false, error: reason };
    }
  }
}
