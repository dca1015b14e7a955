import { createPubSub, Repeater, type PubSub } from '@graphql-yoga/subscription';
import { DomainError } from '../domain/errors';
import type { EventType } from '../domain/events';
import type { Database } from '../persistence/database';
import { OutboxRepository, type OutboxEvent } from '../persistence/repositories/outbox.repository';

export interface EventFeedOptions {
  /** How often the outbox of a tenant with live subscribers is read. */
  readonly pollIntervalMs: number;
  /**
   * How far back each read looks. An event's id and time are taken inside its transaction, so it can
   * commit after a later event was already read; reading this window again (and skipping ids already
   * published) catches it, provided its transaction committed within this long.
   */
  readonly lookbackMs: number;
  readonly now?: () => number;
}

export interface EventSubscription {
  /** Only these types; none: every type. */
  readonly types?: readonly EventType[];
  /** Resume: the events stored after this event id (from lookbackMs before it; clients dedupe on ids) come first. */
  readonly afterEventId?: string;
}

/** A topic carries batches (one per outbox page read): a burst of events is one push, not thousands. */
type FeedTopics = { [topic: `events:${string}`]: [readonly OutboxEvent[]] };

/** Rows per outbox read; a poll reads page after page until it has the whole window. */
const PAGE = 500;
/** Events a subscriber may have waiting before its subscription is ended (it resumes with after). */
const MAX_BEHIND = 1000;

/** What one tenant's poller has published: ids within the lookback window, and the newest time seen. */
interface TenantWatch {
  subscribers: number;
  newestAt: number;
  readonly published: Map<string, number>;
  primed: Promise<void>;
}

/** The time embedded in a time-ordered (UUIDv7/v8) event id. */
function timeOfEventId(id: string): number | undefined {
  const hex = id.replace(/-/g, '').slice(0, 12);
  return /^[0-9a-f]{12}$/i.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

/**
 * Live change events for GraphQL subscriptions, fed from the committed transactional outbox (never
 * from in-process calls before a commit, so a rolled-back change is never announced and every node
 * sees every event). One poller per tenant with subscribers publishes each new event once to the
 * tenant's pub/sub topic; subscribers of other tenants never receive it. At-least-once: a subscriber
 * that reconnects with the last event id it saw gets what it missed from the outbox, then live events.
 */
export class EventFeed {
  private readonly outbox = new OutboxRepository();
  readonly pubSub: PubSub<FeedTopics> = createPubSub<FeedTopics>();
  private readonly watches = new Map<string, TenantWatch>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    private readonly options: EventFeedOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The tenant's events as they commit; ends when the consumer returns (unsubscribes). The tenant's topic
   * is drained at once into this subscriber's queue, so a slow subscriber never holds up the topic: when
   * more than MAX_BEHIND events wait for it, its subscription ends with UNAVAILABLE and it resumes with
   * `afterEventId`.
   */
  subscribe(tenantId: string, subscription: EventSubscription = {}): AsyncIterableIterator<OutboxEvent> {
    const wanted = subscription.types && subscription.types.length > 0 ? new Set<string>(subscription.types) : undefined;
    const matches = (event: OutboxEvent) => wanted === undefined || wanted.has(event.type);
    return new Repeater<OutboxEvent>(async (push, stop) => {
      // Live events first, so none committed while the stored ones are read is lost (duplicates are skipped).
      const live = this.pubSub.subscribe(`events:${tenantId}`);
      const watch = this.watch(tenantId);
      void stop.then(() => {
        this.unwatch(tenantId);
        void live.return?.();
      });
      // Stored events the live topic may announce again: those within the lookback of this moment.
      const sent = new Set<string>();
      const liveFrom = this.now() - this.options.lookbackMs;
      let waiting = 0;
      const behind = () => new DomainError('UNAVAILABLE', `this subscriber is more than ${MAX_BEHIND} events behind; subscribe again with after: <the last event id received>`);
      const forward = (event: OutboxEvent) => {
        if (sent.delete(event.id) || !matches(event)) return;
        if (waiting >= MAX_BEHIND) {
          stop(behind());
          return;
        }
        waiting += 1;
        void push(event).then(() => (waiting -= 1));
      };
      let held: OutboxEvent[] | undefined = subscription.afterEventId === undefined ? undefined : [];
      const draining = (async () => {
        for await (const batch of live) {
          for (const event of batch) {
            if (held === undefined) forward(event);
            else if (held.length < MAX_BEHIND) held.push(event);
            else stop(behind());
          }
        }
      })().catch((error: unknown) => stop(error));
      try {
        await watch.primed;
        if (subscription.afterEventId !== undefined) {
          for await (const page of this.storedAfter(tenantId, subscription.afterEventId)) {
            for (const event of page) {
              if (event.createdAt >= liveFrom) sent.add(event.id);
              // The stored events wait for the consumer: a resume from long ago reads at its pace.
              if (matches(event)) await push(event);
            }
          }
          const caughtUp = held ?? [];
          held = undefined;
          caughtUp.forEach(forward);
        }
      } catch (error) {
        stop(error);
      }
      await draining;
      await stop;
    });
  }

  /** Stops polling; open subscriptions end. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  private watch(tenantId: string): TenantWatch {
    const existing = this.watches.get(tenantId);
    if (existing) {
      existing.subscribers += 1;
      return existing;
    }
    const watch: TenantWatch = { subscribers: 1, newestAt: this.now(), published: new Map(), primed: Promise.resolve() };
    // What is already stored is not news: mark the window as published before the first poll.
    watch.primed = this.read(tenantId, watch, false).catch(this.onError);
    this.watches.set(tenantId, watch);
    this.timer ??= setInterval(() => this.pollAll(), this.options.pollIntervalMs).unref();
    return watch;
  }

  private unwatch(tenantId: string): void {
    const watch = this.watches.get(tenantId);
    if (!watch) return;
    watch.subscribers -= 1;
    if (watch.subscribers > 0) return;
    this.watches.delete(tenantId);
    if (this.watches.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One poll at a time: a slow database delays the next poll instead of stacking them. */
  private pollAll(): void {
    if (this.polling) return;
    this.polling = (async () => {
      for (const [tenantId, watch] of this.watches) {
        await watch.primed;
        await this.read(tenantId, watch, true).catch(this.onError);
      }
    })().finally(() => {
      this.polling = undefined;
    });
  }

  /** Reads the tenant's window and publishes (or, priming, only records) the events not yet published. */
  private async read(tenantId: string, watch: TenantWatch, publish: boolean): Promise<void> {
    const since = watch.newestAt - this.options.lookbackMs;
    let after: OutboxEvent | undefined;
    for (;;) {
      const events = await this.database.read((tx) => this.outbox.listCreatedSince(tx, tenantId, since, after, PAGE));
      const fresh = events.filter((event) => !watch.published.has(event.id));
      for (const event of fresh) {
        watch.published.set(event.id, event.createdAt);
        watch.newestAt = Math.max(watch.newestAt, event.createdAt);
      }
      if (publish && fresh.length > 0) this.pubSub.publish(`events:${tenantId}`, fresh);
      if (events.length < PAGE) break;
      after = events[events.length - 1];
    }
    const forgetBefore = watch.newestAt - this.options.lookbackMs;
    for (const [id, at] of watch.published) if (at < forgetBefore) watch.published.delete(id);
  }

  /** Page by page, so a resume from long ago streams at the consumer's pace instead of loading everything. */
  private async *storedAfter(tenantId: string, eventId: string): AsyncGenerator<OutboxEvent[]> {
    const at = timeOfEventId(eventId);
    if (at === undefined) return;
    let after: OutboxEvent | undefined;
    for (;;) {
      const page = await this.database.read((tx) => this.outbox.listCreatedSince(tx, tenantId, at - this.options.lookbackMs, after, PAGE));
      yield page.filter((event) => event.id !== eventId);
      if (page.length < PAGE) return;
      after = page[page.length - 1];
    }
  }
}
