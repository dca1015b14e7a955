import type { Tx } from '../database';
import { parseJsonColumn, toNumber } from '../column-values';
import { insertText } from '../sql-text';
import { applyKeyset, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';

export interface ProvisioningLogEntry {
  readonly tenantId: string;
  readonly id: string;
  /** When the request arrived, epoch milliseconds. */
  readonly at: number;
  readonly connectionId: string | null;
  readonly method: string;
  /** Path below the SCIM base with the query, filter values redacted. */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly errorDetail: string | null;
  readonly scimType: string | null;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  /** The redacted request body, when the tenant opted in and until its retention ends. */
  readonly body: unknown;
  readonly requestId: string;
}

export interface ProvisioningLogCriteria {
  /** Inclusive, epoch milliseconds. */
  readonly from?: number;
  /** Exclusive, epoch milliseconds. */
  readonly to?: number;
  /** failed: status 400 and above; succeeded: below. */
  readonly outcome?: 'failed' | 'succeeded';
  readonly status?: number;
  readonly method?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly connectionId?: string;
  readonly requestId?: string;
}

interface LogColumns extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  at: number | string;
  connection_id: string | null;
  method: string;
  path: string;
  status: number | string;
  duration_ms: number | string;
  error_detail: string | null;
  scim_type: string | null;
  resource_type: string | null;
  resource_id: string | null;
  body: unknown;
  request_id: string;
}

const COLUMNS = ['tenant_id', 'id', 'at', 'connection_id', 'method', 'path', 'status', 'duration_ms', 'error_detail', 'scim_type', 'resource_type', 'resource_id', 'body', 'request_id'];
const NEWEST_FIRST: KeysetOrder = { key: { sql: 'at', nullable: false, numeric: true }, id: 'id', descending: true };

function toEntry(row: LogColumns): ProvisioningLogEntry {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    at: toNumber(row.at),
    connectionId: row.connection_id,
    method: row.method,
    path: row.path,
    status: toNumber(row.status),
    durationMs: toNumber(row.duration_ms),
    errorDetail: row.error_detail,
    scimType: row.scim_type,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    body: row.body === null || row.body === undefined ? null : parseJsonColumn(row.body),
    requestId: row.request_id,
  };
}

/** The provisioning log: written in batches, read newest first, trimmed by retention. */
export class ProvisioningLogRepository {
  async insertMany(tx: Tx, entries: readonly ProvisioningLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const bindings: unknown[] = [];
    for (const entry of entries) {
      bindings.push(
        entry.tenantId,
        entry.id,
        entry.at,
        entry.connectionId,
        entry.method,
        entry.path,
        entry.status,
        entry.durationMs,
        entry.errorDetail,
        entry.scimType,
        entry.resourceType,
        entry.resourceId,
        entry.body === null || entry.body === undefined ? null : JSON.stringify(entry.body),
        entry.requestId,
      );
    }
    tx.write(insertText('provisioning_log', COLUMNS, entries.length), bindings);
  }

  async list(tx: Tx, tenantId: string, criteria: ProvisioningLogCriteria, page: KeysetRequest): Promise<KeysetPage<ProvisioningLogEntry>> {
    const query = tx.knex('provisioning_log').select(COLUMNS).where({ tenant_id: tenantId });
    if (criteria.from !== undefined) query.where('at', '>=', criteria.from);
    if (criteria.to !== undefined) query.where('at', '<', criteria.to);
    if (criteria.outcome === 'failed') query.where('status', '>=', 400);
    if (criteria.outcome === 'succeeded') query.where('status', '<', 400);
    if (criteria.status !== undefined) query.where({ status: criteria.status });
    if (criteria.method !== undefined) query.where({ method: criteria.method.toUpperCase() });
    if (criteria.resourceType !== undefined) query.where({ resource_type: criteria.resourceType });
    if (criteria.resourceId !== undefined) query.where({ resource_id: criteria.resourceId });
    if (criteria.connectionId !== undefined) query.where({ connection_id: criteria.connectionId });
    if (criteria.requestId !== undefined) query.where({ request_id: criteria.requestId });
    const rows = await tx.all<LogColumns>(applyKeyset(tx, query, NEWEST_FIRST, page));
    return toKeysetPage(rows, page.limit, NEWEST_FIRST, toEntry);
  }

  /** Deletes up to `limit` of the tenant's entries older than `cutoff`; returns how many. */
  async deleteOlderThan(tx: Tx, tenantId: string, cutoff: number, limit: number): Promise<number> {
    const oldest = tx.knex('provisioning_log').select('id').where({ tenant_id: tenantId }).where('at', '<', cutoff).orderBy('at').limit(limit);
    return tx.run(tx.knex('provisioning_log').where({ tenant_id: tenantId }).whereIn('id', oldest).delete());
  }

  /** Removes the bodies of the tenant's entries older than `cutoff` (the entries stay). */
  async clearBodiesOlderThan(tx: Tx, tenantId: string, cutoff: number): Promise<number> {
    return tx.run(tx.knex('provisioning_log').where({ tenant_id: tenantId }).where('at', '<', cutoff).whereNotNull('body').update({ body: null }));
  }
}
