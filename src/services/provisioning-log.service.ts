import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database } from '../persistence/database';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import { ProvisioningLogRepository, type ProvisioningLogCriteria, type ProvisioningLogEntry } from '../persistence/repositories/provisioning-log.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { BatchQueue } from './batch-queue';

/** One SCIM exchange as the router saw it, already redacted; the service adds the id. */
export type ProvisioningRecord = Omit<ProvisioningLogEntry, 'id'>;

export interface ProvisioningLogOptions {
  /** Entries are deleted this many days after the request. */
  readonly retentionDays: number;
  /** Entries waiting to be written; beyond it new ones are dropped (and counted) rather than held in memory. */
  readonly maxQueued?: number;
  /** Entries per insert statement. */
  readonly batchSize?: number;
  /** How long an entry waits for others to share its insert. */
  readonly flushDelayMs?: number;
  /** Told about entries that could not be written (queue full, database error); the requests were answered anyway. */
  readonly onDropped: (count: number, reason: unknown) => void;
}

export const PROVISIONING_LOG_PAGE_MAX = 500;
const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_BATCH = 5000;
const SWEEP_BATCHES_PER_TENANT = 20;

/**
 * The provisioning log: every SCIM request of a tenant, what an IdP admin debugs from. Requests are
 * recorded after their response is sent: `submit` only queues, and a background flush writes the queue
 * in batched inserts. The log never delays or fails a request; when it cannot keep up, it drops
 * entries and says so through `onDropped`.
 */
export class ProvisioningLogService {
  private readonly log = new ProvisioningLogRepository();
  private readonly tenants = new TenantRepository();
  private readonly queue: BatchQueue<ProvisioningLogEntry>;

  constructor(
    private readonly database: Database,
    private readonly options: ProvisioningLogOptions,
  ) {
    this.queue = new BatchQueue({
      maxQueued: options.maxQueued ?? 10_000,
      batchSize: options.batchSize ?? 200,
      flushDelayMs: options.flushDelayMs ?? 200,
      write: (batch) => this.database.transaction((tx) => this.log.insertMany(tx, batch)),
      onDropped: options.onDropped,
    });
  }

  submit(record: ProvisioningRecord): void {
    this.queue.submit({ ...record, id: nextTimeOrderedId().id });
  }

  /** Writes everything queued so far; resolves when it is written (or dropped). Never rejects. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Newest first, filtered: e.g. `{ outcome: 'failed', resourceId, from: now - hour }`. */
  async list(tenantId: string, criteria: ProvisioningLogCriteria, page: KeysetRequest): Promise<KeysetPage<ProvisioningLogEntry>> {
    const limit = Math.max(1, Math.min(page.limit, PROVISIONING_LOG_PAGE_MAX));
    return this.database.read((tx) => this.log.list(tx, tenantId, criteria, { ...page, limit }));
  }

  /**
   * Retention: deletes entries older than `retentionDays` and removes bodies older than each tenant's
   * `provisioningLogBodyRetentionDays`. Bounded per tenant per call; the rest goes on the next sweep.
   */
  async sweep(now: number = Date.now()): Promise<{ deleted: number; bodiesCleared: number }> {
    const entryCutoff = now - this.options.retentionDays * DAY_MS;
    const tenantIds = await this.database.read((tx) => this.tenants.listTenantIds(tx));
    let deleted = 0;
    let bodiesCleared = 0;
    for (const tenantId of tenantIds) {
      for (let batch = 0; batch < SWEEP_BATCHES_PER_TENANT; batch += 1) {
        const count = await this.database.transaction((tx) => this.log.deleteOlderThan(tx, tenantId, entryCutoff, SWEEP_BATCH));
        deleted += count;
        if (count < SWEEP_BATCH) break;
      }
      bodiesCleared += await this.database.transaction(async (tx) => {
        const tenant = await this.tenants.findTenantById(tx, tenantId);
        if (!tenant) return 0;
        return this.log.clearBodiesOlderThan(tx, tenantId, now - tenant.settings.provisioningLogBodyRetentionDays * DAY_MS);
      });
    }
    return { deleted, bodiesCleared };
  }
}
