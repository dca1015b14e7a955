import type { Connection, Tenant } from '../domain/tenants/tenant';
import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database } from '../persistence/database';
import { RecentRequestRepository, type RecentRequest } from '../persistence/repositories/recent-request.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { BatchQueue } from './batch-queue';

/** A user write to keep, before redaction; the service adds the id. */
export type RecentRequestRecord = Omit<RecentRequest, 'id'>;

export interface RecentRequestsOptions {
  /** Requests kept per connection (PREVIEW_REQUESTS_KEPT); 0 keeps none on this hub. */
  readonly kept: number;
  /** Hours a request is kept (PREVIEW_REQUESTS_RETENTION_HOURS). */
  readonly retentionHours: number;
  /** Secrets taken out of a body or stored resource before it is kept (the SCIM adapter's). */
  readonly redact: (value: Record<string, unknown>) => Record<string, unknown>;
  /** Told about requests that could not be kept (queue full, database error); the requests were answered anyway. */
  readonly onDropped: (count: number, reason: unknown) => void;
}

const HOUR_MS = 60 * 60 * 1000;
/** A request whose body and prior state together are larger (as JSON) is not kept: previews need ordinary users, not the odd huge one. */
export const RECENT_REQUEST_MAX_BYTES = 256 * 1024;

/**
 * The last user writes of each connection, with their bodies and the user's state before them, kept so
 * that a mapping preview replays what the IdP really sent, by default. Recorded after the response like
 * the provisioning log (queued, written in batches, never delaying or failing a request), trimmed to the
 * newest `kept` per connection and swept after `retentionHours`. A tenant turns it off with its
 * keepRecentRequests setting: nothing more is kept and what was kept is no longer read (the sweep deletes it).
 */
export class RecentRequestsService {
  private readonly requests = new RecentRequestRepository();
  private readonly tenants = new TenantRepository();
  private readonly queue: BatchQueue<RecentRequest>;

  constructor(
    private readonly database: Database,
    private readonly options: RecentRequestsOptions,
  ) {
    this.queue = new BatchQueue({ maxQueued: 10_000, batchSize: 200, flushDelayMs: 200, write: (batch) => this.write(batch), onDropped: options.onDropped });
  }

  /** Why a tenant's requests are not kept; undefined when they are. */
  notKeptBecause(tenant: Tenant): string | undefined {
    if (this.options.kept === 0) return 'this hub keeps no recent requests (PREVIEW_REQUESTS_KEPT is 0)';
    if (!tenant.settings.keepRecentRequests) return 'the tenant does not keep recent requests (setting keepRecentRequests is off)';
    return undefined;
  }

  submit(tenant: Tenant, record: RecentRequestRecord): void {
    if (this.notKeptBecause(tenant) !== undefined) return;
    const body = this.options.redact(record.body);
    const before = record.before && this.options.redact(record.before);
    if (JSON.stringify(body).length + JSON.stringify(before).length > RECENT_REQUEST_MAX_BYTES) return;
    this.queue.submit({ ...record, id: nextTimeOrderedId().id, body, before });
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** The connection's newest `limit` kept user writes, newest first, and what the caller should know about them. */
  async newestUserWrites(tenant: Tenant, connection: Connection, limit: number): Promise<{ requests: RecentRequest[]; notes: string[] }> {
    const reason = this.notKeptBecause(tenant);
    if (reason !== undefined) return { requests: [], notes: [reason] };
    const cutoff = Date.now() - this.options.retentionHours * HOUR_MS;
    const requests = (await this.database.read((tx) => this.requests.newest(tx, tenant.id, connection.id, limit))).filter((request) => request.at >= cutoff);
    return {
      requests,
      notes: [`${requests.length} recent user write(s) of the connection replayed (this hub keeps the last ${this.options.kept} per connection for ${this.options.retentionHours} hours, secrets redacted)`],
    };
  }

  /** Deletes requests older than the retention, and every request of tenants that turned keeping off. */
  async sweep(now: number = Date.now()): Promise<number> {
    const tenantIds = await this.database.read((tx) => this.tenants.listTenantIds(tx));
    let deleted = 0;
    for (const tenantId of tenantIds) {
      deleted += await this.database.transaction(async (tx) => {
        const tenant = await this.tenants.findTenantById(tx, tenantId);
        if (!tenant) return 0;
        if (this.notKeptBecause(tenant) !== undefined) return this.requests.deleteTenant(tx, tenantId);
        return this.requests.deleteOlderThan(tx, tenantId, now - this.options.retentionHours * HOUR_MS);
      });
    }
    return deleted;
  }

  private async write(batch: RecentRequest[]): Promise<void> {
    await this.database.transaction(async (tx) => {
      await this.requests.insertMany(tx, batch);
      const connections = new Map(batch.map((request) => [`${request.tenantId}|${request.connectionId}`, request]));
      for (const { tenantId, connectionId } of connections.values()) await this.requests.trim(tx, tenantId, connectionId, this.options.kept);
    });
  }
}
