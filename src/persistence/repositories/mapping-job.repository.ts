import type { Tx } from '../database';
import { parseJsonColumn, toNumber } from '../column-values';

export type MappingJobKind = 'impact' | 'reapply';
/** queued -> running -> succeeded | failed | superseded (a re-apply whose version stopped being active). */
export type MappingJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'superseded';

export interface StoredMappingJob {
  readonly tenantId: string;
  readonly id: string;
  readonly connectionId: string;
  readonly kind: MappingJobKind;
  readonly mappingVersion: number;
  readonly state: MappingJobState;
  readonly author: string;
  /** Users of the tenant when the job was queued. */
  readonly total: number;
  readonly processed: number;
  readonly failed: number;
  /** The last user id of the last committed batch; the next batch starts after it. */
  readonly checkpoint: string | null;
  readonly result: Record<string, unknown> | null;
  readonly error: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly attempts: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly updatedAt: number;
}

interface JobColumns {
  tenant_id: string;
  id: string;
  connection_id: string;
  kind: string;
  mapping_version: number | string;
  state: string;
  author: string;
  total: number | string;
  processed: number | string;
  failed: number | string;
  checkpoint: string | null;
  result: unknown;
  error: string | null;
  lease_owner: string | null;
  lease_until: number | string | null;
  attempts: number | string;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  updated_at: number | string;
}

function optionalNumber(value: number | string | null): number | null {
  return value === null ? null : toNumber(value);
}

function toJob(row: JobColumns): StoredMappingJob {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    connectionId: row.connection_id,
    kind: row.kind as MappingJobKind,
    mappingVersion: toNumber(row.mapping_version),
    state: row.state as MappingJobState,
    author: row.author,
    total: toNumber(row.total),
    processed: toNumber(row.processed),
    failed: toNumber(row.failed),
    checkpoint: row.checkpoint,
    result: row.result === null || row.result === undefined ? null : parseJsonColumn(row.result),
    error: row.error,
    leaseOwner: row.lease_owner,
    leaseUntil: optionalNumber(row.lease_until),
    attempts: toNumber(row.attempts),
    createdAt: toNumber(row.created_at),
    startedAt: optionalNumber(row.started_at),
    finishedAt: optionalNumber(row.finished_at),
    updatedAt: toNumber(row.updated_at),
  };
}

export interface JobProgress {
  readonly processed: number;
  readonly failed: number;
  readonly checkpoint: string | null;
  readonly result: Record<string, unknown> | null;
}

/** The mapping job registry: rows claimed with a lease, so any node can run, resume and report a job. */
export class MappingJobRepository {
  async insert(tx: Tx, job: Pick<StoredMappingJob, 'tenantId' | 'id' | 'connectionId' | 'kind' | 'mappingVersion' | 'author' | 'total'>, now: number): Promise<void> {
    await tx.run(
      tx.knex('mapping_jobs').insert({
        tenant_id: job.tenantId,
        id: job.id,
        connection_id: job.connectionId,
        kind: job.kind,
        mapping_version: job.mappingVersion,
        state: 'queued',
        author: job.author,
        total: job.total,
        processed: 0,
        failed: 0,
        attempts: 0,
        created_at: now,
        updated_at: now,
      }),
    );
  }

  async find(tx: Tx, tenantId: string, id: string): Promise<StoredMappingJob | undefined> {
    const row = await tx.first<JobColumns>(tx.knex('mapping_jobs').where({ tenant_id: tenantId, id }));
    return row && toJob(row);
  }

  /** A connection's jobs, newest first. */
  async list(tx: Tx, tenantId: string, connectionId: string, limit: number): Promise<StoredMappingJob[]> {
    const rows = await tx.all<JobColumns>(tx.knex('mapping_jobs').where({ tenant_id: tenantId, connection_id: connectionId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit));
    return rows.map(toJob);
  }

  /** Jobs of a kind on a connection that are queued or running (at most one re-apply at a time). */
  async unfinished(tx: Tx, tenantId: string, connectionId: string, kind: MappingJobKind): Promise<StoredMappingJob[]> {
    const rows = await tx.all<JobColumns>(tx.knex('mapping_jobs').where({ tenant_id: tenantId, connection_id: connectionId, kind }).whereIn('state', ['queued', 'running']));
    return rows.map(toJob);
  }

  /** Oldest first: queued jobs and running ones whose lease ran out (their node stopped or died). */
  async claimable(tx: Tx, now: number, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const rows = await tx.all<{ tenant_id: string; id: string }>(
      tx
        .knex('mapping_jobs')
        .select('tenant_id', 'id')
        .where('state', 'queued')
        .orWhere((expired) => expired.where('state', 'running').andWhere('lease_until', '<', now))
        .orderBy('created_at')
        .limit(limit),
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  /** Takes the job for `owner` until `leaseUntil` when it is still claimable; false when another node was first. */
  async claim(tx: Tx, tenantId: string, id: string, owner: string, now: number, leaseUntil: number): Promise<boolean> {
    const claimed = await tx.run(
      tx
        .knex('mapping_jobs')
        .where({ tenant_id: tenantId, id })
        .andWhere((claimable) => claimable.where('state', 'queued').orWhere((expired) => expired.where('state', 'running').andWhere('lease_until', '<', now)))
        .update({ state: 'running', lease_owner: owner, lease_until: leaseUntil, attempts: tx.knex.raw('attempts + 1'), started_at: tx.knex.raw('coalesce(started_at, ?)', [now]), updated_at: now }),
    );
    return claimed === 1;
  }

  /**
   * Stores a batch's progress and extends the lease, only while `owner` holds it: false means another
   * node took the job over, and the caller's transaction must not commit.
   */
  async saveProgress(tx: Tx, tenantId: string, id: string, owner: string, progress: JobProgress, now: number, leaseUntil: number): Promise<boolean> {
    const updated = await tx.run(
      tx
        .knex('mapping_jobs')
        .where({ tenant_id: tenantId, id, lease_owner: owner, state: 'running' })
        .update({
          processed: progress.processed,
          failed: progress.failed,
          checkpoint: progress.checkpoint,
          result: progress.result === null ? null : JSON.stringify(progress.result),
          lease_until: leaseUntil,
          updated_at: now,
        }),
    );
    return updated === 1;
  }

  /** Ends a job held by `owner`: succeeded, failed (with the error) or superseded. */
  async finish(tx: Tx, tenantId: string, id: string, owner: string, end: { state: Exclude<MappingJobState, 'queued' | 'running'>; error?: string }, now: number): Promise<boolean> {
    const updated = await tx.run(
      tx
        .knex('mapping_jobs')
        .where({ tenant_id: tenantId, id, lease_owner: owner, state: 'running' })
        .update({ state: end.state, error: end.error ?? null, lease_owner: null, lease_until: null, finished_at: now, updated_at: now }),
    );
    return updated === 1;
  }

  /** Gives the job back (this node is stopping): another node claims it at once and resumes from its checkpoint. */
  async release(tx: Tx, tenantId: string, id: string, owner: string, now: number): Promise<void> {
    await tx.run(tx.knex('mapping_jobs').where({ tenant_id: tenantId, id, lease_owner: owner, state: 'running' }).update({ lease_until: 0, updated_at: now }));
  }
}
