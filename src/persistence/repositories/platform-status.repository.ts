import type { Tx } from '../database';
import { toNumber } from '../column-values';

export interface DeliveryBacklog {
  readonly pending: number;
  /** When the oldest pending delivery was created; null when none is pending. */
  readonly oldestPendingAt: number | null;
}

export interface MappingJobCounts {
  /** Jobs per state (queued, running, succeeded, failed, ...). */
  readonly byState: Record<string, number>;
  /** Users processed and to process by the queued and running jobs. */
  readonly activeProcessed: number;
  readonly activeTotal: number;
}

/** Reads across tenants for the operator's metrics: the webhook backlog and the mapping jobs. */
export class PlatformStatusRepository {
  async deliveryBacklog(tx: Tx): Promise<DeliveryBacklog> {
    const row = await tx.first<{ pending: unknown; oldest: unknown }>(
      tx.knex('webhook_deliveries').where({ status: 'pending' }).count({ pending: '*' }).min({ oldest: 'created_at' }),
    );
    const pending = toNumber(row?.pending ?? 0);
    return { pending, oldestPendingAt: pending === 0 || row?.oldest === null || row?.oldest === undefined ? null : toNumber(row.oldest) };
  }

  async mappingJobs(tx: Tx): Promise<MappingJobCounts> {
    const rows = await tx.all<{ state: string; jobs: unknown; processed: unknown; total: unknown }>(
      tx.knex('mapping_jobs').select('state').count({ jobs: '*' }).sum({ processed: 'processed', total: 'total' }).groupBy('state'),
    );
    const byState = Object.fromEntries(rows.map((row) => [row.state, toNumber(row.jobs)]));
    const active = rows.filter((row) => row.state === 'queued' || row.state === 'running');
    return {
      byState,
      activeProcessed: active.reduce((sum, row) => sum + toNumber(row.processed ?? 0), 0),
      activeTotal: active.reduce((sum, row) => sum + toNumber(row.total ?? 0), 0),
    };
  }
}
