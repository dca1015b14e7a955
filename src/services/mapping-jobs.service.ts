import { randomUUID } from 'node:crypto';
import type { Actor, ActorType } from '../domain/audit';
import { DomainError, isDomainError } from '../domain/errors';
import { applyMapping, type MappingResult } from '../domain/mapping/apply-mapping';
import type { DomainValue } from '../domain/mapping/mapping-values';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository } from '../persistence/repositories/group.repository';
import { MappingJobRepository, type StoredMappingJob } from '../persistence/repositories/mapping-job.repository';
import { MappingRepository } from '../persistence/repositories/mapping.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import { currentValues, groupRows, type MappingRuntime, type MappingService } from './mapping.service';

const SAMPLE_LIMIT = 5;
/** Distinct "before -> after" transitions kept per field; the rest are counted together. */
const TRANSITIONS_PER_FIELD = 50;
export const OTHER_TRANSITIONS = '(other changes)';
/** Attempts at a batch that keeps losing lock races before the job fails. */
const BATCH_ATTEMPTS = 5;

export interface CountWithSamples {
  count: number;
  readonly sampleUserIds: string[];
}

export interface ImpactReport {
  readonly version: number;
  usersEvaluated: number;
  unchanged: number;
  /** field -> "before -> after" -> users. */
  readonly changedFields: Record<string, Record<string, CountWithSamples>>;
  readonly failingValidation: CountWithSamples & { readonly messages: Record<string, number> };
  /** "list: value" -> users that would add it. */
  readonly optionsToAdd: Record<string, CountWithSamples>;
}

export interface ReapplyReport {
  /** Users whose stored values changed (the others already held exactly these values). */
  written: number;
  readonly failedSampleUserIds: string[];
}

export interface MappingJobOptions {
  /** Users per batch (one transaction each for a re-apply). */
  readonly batchSize: number;
  /** How long a claimed job stays this node's without a batch renewing it. */
  readonly leaseMs: number;
  /** This node's name in the registry (defaults to a random id per process). */
  readonly nodeId?: string;
  /** Told about unexpected failures: of a job (whose row says only "internal error"), or of claiming one. */
  readonly onError: (error: unknown, job?: StoredMappingJob) => void;
}

class LeaseLost extends Error {}

function describe(value: DomainValue | undefined): string {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return '(none)';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function sameValue(left: DomainValue | undefined, right: DomainValue | undefined): boolean {
  return JSON.stringify(left ?? null) === JSON.stringify(right ?? null) || (describe(left) === '(none)' && describe(right) === '(none)');
}

function count(bucket: Record<string, CountWithSamples>, key: string, userId: string): void {
  const entry = (bucket[key] ??= { count: 0, sampleUserIds: [] });
  entry.count += 1;
  if (entry.sampleUserIds.length < SAMPLE_LIMIT) entry.sampleUserIds.push(userId);
}

export function emptyImpactReport(version: number): ImpactReport {
  return { version, usersEvaluated: 0, unchanged: 0, changedFields: {}, failingValidation: { count: 0, sampleUserIds: [], messages: {} }, optionsToAdd: {} };
}

/** Adds one user's outcome to an impact report. */
export function countImpact(report: ImpactReport, userId: string, current: Record<string, DomainValue>, result: MappingResult): void {
  report.usersEvaluated += 1;
  if (result.errors.length > 0) {
    const failing = report.failingValidation;
    failing.count += 1;
    if (failing.sampleUserIds.length < SAMPLE_LIMIT) failing.sampleUserIds.push(userId);
    for (const error of result.errors) failing.messages[error.message] = (failing.messages[error.message] ?? 0) + 1;
    return;
  }
  let changed = false;
  for (const [field, mapped] of Object.entries(result.values)) {
    if (sameValue(current[field], mapped.value)) continue;
    changed = true;
    const transitions = (report.changedFields[field] ??= {});
    const key = `${describe(current[field])} -> ${describe(mapped.value)}`;
    count(transitions, key in transitions || Object.keys(transitions).length < TRANSITIONS_PER_FIELD ? key : OTHER_TRANSITIONS, userId);
  }
  for (const addition of result.optionAdditions) count(report.optionsToAdd, `${addition.list}: ${addition.value}`, userId);
  if (!changed) report.unchanged += 1;
}

/** Actors are stored as "type:id" in the job row. */
export function actorOf(author: string): Actor {
  const at = author.indexOf(':');
  return { type: author.slice(0, at) as ActorType, id: author.slice(at + 1) };
}

/**
 * Runs mapping jobs (impact diffs, re-applies) from the job registry in the database, on any node: a
 * node claims a queued job, or one whose lease ran out because its node died, and runs it batch by
 * batch. Each batch renews the lease and stores its checkpoint and progress; a re-apply batch does so in
 * the transaction that writes the batch's values, so a crash loses nothing and repeats nothing.
 */
export class MappingJobRunner {
  private readonly jobs = new MappingJobRepository();
  private readonly mappings = new MappingRepository();
  private readonly groups = new GroupRepository();
  private readonly tenants = new TenantRepository();
  private readonly nodeId: string;
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly audit: AuditService,
    private readonly options: MappingJobOptions,
  ) {
    this.nodeId = options.nodeId ?? `node-${randomUUID()}`;
  }

  /** Runs claimable jobs in the background of this node now (after a job was queued here). */
  wake(): void {
    if (this.stopped) return;
    const run = this.runAvailable().catch((error: unknown) => {
      this.options.onError(error);
      return false;
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Claims and runs one job to its end; false when there was none to claim. */
  async runAvailable(): Promise<boolean> {
    if (this.stopped) return false;
    const candidates = await this.database.read((tx) => this.jobs.claimable(tx, Date.now(), 10));
    for (const candidate of candidates) {
      const job = await this.claim(candidate.tenantId, candidate.id);
      if (job) {
        await this.run(job);
        return true;
      }
    }
    return false;
  }

  /** Claims one job and runs it to its end (the CLI and the benchmark run jobs in the foreground). */
  async runJob(tenantId: string, id: string): Promise<void> {
    const job = await this.claim(tenantId, id);
    if (!job) throw new DomainError('CONFLICT', `job ${id} is not waiting to run (another node runs it, or it finished)`);
    await this.run(job);
  }

  /** Stops after the batches in progress; jobs in progress are given back for another node (or the next start) to resume. */
  interrupt(): void {
    this.stopped = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async claim(tenantId: string, id: string): Promise<StoredMappingJob | undefined> {
    return this.database.transaction(async (tx) => {
      const now = Date.now();
      if (!(await this.jobs.claim(tx, tenantId, id, this.nodeId, now, now + this.options.leaseMs))) return undefined;
      return this.jobs.find(tx, tenantId, id);
    });
  }

  private async run(claimed: StoredMappingJob): Promise<void> {
    const work = this.runBatches(claimed);
    this.running.add(work);
    try {
      await work;
    } finally {
      this.running.delete(work);
    }
  }

  private async runBatches(claimed: StoredMappingJob): Promise<void> {
    let job = claimed;
    try {
      for (;;) {
        if (this.stopped) {
          await this.database.transaction((tx) => this.jobs.release(tx, job.tenantId, job.id, this.nodeId, Date.now()));
          return;
        }
        const next = await this.withRetries(() => (job.kind === 'impact' ? this.impactBatch(job) : this.reapplyBatch(job)));
        if (next === 'finished') return;
        job = next;
      }
    } catch (error) {
      if (error instanceof LeaseLost) return;
      const message = isDomainError(error) ? error.message : 'internal error (see the server log)';
      if (!isDomainError(error)) this.options.onError(error, job);
      await this.database.transaction((tx) => this.jobs.finish(tx, job.tenantId, job.id, this.nodeId, { state: 'failed', error: message }, Date.now()));
    }
  }

  private async withRetries<T>(batch: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await batch();
      } catch (error) {
        if (!(isDomainError(error) && error.code === 'UNAVAILABLE') || attempt >= BATCH_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 100));
      }
    }
  }

  /** A re-apply maps with the active version (and notices when it changed); an impact diff with its own version. */
  private async runtimeOf(tx: Tx, job: StoredMappingJob): Promise<MappingRuntime> {
    const tenant = await this.tenants.findTenantById(tx, job.tenantId);
    const connection = tenant && (await this.tenants.findDefaultConnection(tx, job.tenantId));
    if (!tenant || !connection || connection.id !== job.connectionId) throw new DomainError('NOT_FOUND', "the job's connection no longer exists");
    return job.kind === 'reapply' ? this.mapping.runtime(tx, tenant, connection) : this.mapping.versionRuntime(tx, tenant, connection, job.mappingVersion);
  }

  private async saveProgress(tx: Tx, job: StoredMappingJob, progress: { processed: number; failed: number; checkpoint: string | null; result: Record<string, unknown> }): Promise<StoredMappingJob> {
    const now = Date.now();
    if (!(await this.jobs.saveProgress(tx, job.tenantId, job.id, this.nodeId, progress, now, now + this.options.leaseMs))) throw new LeaseLost();
    return { ...job, ...progress, updatedAt: now };
  }

  /** Evaluates one batch against the stored users and adds it to the stored report; reads only, apart from the job row. */
  private async impactBatch(job: StoredMappingJob): Promise<StoredMappingJob | 'finished'> {
    const runtime = await this.database.read((tx) => this.runtimeOf(tx, job));
    const needsGroups = runtime.compiled.readsGroups;
    const batch = await this.database.read(async (tx) => {
      const users = await this.mappings.usersRawAfter(tx, job.tenantId, job.checkpoint, this.options.batchSize);
      const ids = users.map((user) => user.id);
      return { users, rows: await this.mappings.userValues(tx, job.tenantId, ids), groups: needsGroups ? await this.groups.groupsOfMembers(tx, job.tenantId, ids) : new Map() };
    });
    const report = (job.result as ImpactReport | null) ?? emptyImpactReport(job.mappingVersion);
    const rowsByUser = groupRows(batch.rows);
    for (const user of batch.users) {
      const current = currentValues(runtime.schema, rowsByUser.get(user.id) ?? []);
      const result = applyMapping(runtime.compiled, { raw: user.raw, groups: batch.groups.get(user.id) ?? [], current, isCreate: false }, { optionLists: runtime.optionLists, mappingVersion: runtime.mappingVersion });
      countImpact(report, user.id, current, result);
    }
    const finished = batch.users.length < this.options.batchSize;
    return this.database.transaction(async (tx) => {
      const saved = await this.saveProgress(tx, job, {
        processed: report.usersEvaluated,
        failed: report.failingValidation.count,
        checkpoint: batch.users.at(-1)?.id ?? job.checkpoint,
        result: report as unknown as Record<string, unknown>,
      });
      if (!finished) return saved;
      await this.jobs.finish(tx, job.tenantId, job.id, this.nodeId, { state: 'succeeded' }, Date.now());
      return 'finished' as const;
    });
  }

  /**
   * Recomputes one batch of users with the active version in one transaction: the users are read under
   * lock (PostgreSQL) or inside SQLite's single write transaction, so a concurrent SCIM write either
   * committed before (and its newer raw is what is mapped) or waits and maps its own raw afterwards. A
   * user that does not map cleanly keeps its values and is counted as failed. Stops, superseded, when
   * another version became active.
   */
  private async reapplyBatch(job: StoredMappingJob): Promise<StoredMappingJob | 'finished'> {
    return this.database.transaction(async (tx) => {
      const runtime = await this.runtimeOf(tx, job);
      const now = Date.now();
      if (runtime.mappingVersion !== job.mappingVersion) {
        if (!(await this.jobs.finish(tx, job.tenantId, job.id, this.nodeId, { state: 'superseded' }, now))) throw new LeaseLost();
        return 'finished' as const;
      }
      const users = await this.mappings.usersRawAfter(tx, job.tenantId, job.checkpoint, this.options.batchSize, { forUpdate: true });
      const report = (job.result as ReapplyReport | null) ?? { written: 0, failedSampleUserIds: [] };
      // A user that does not map keeps everything, its rule memberships included (as a rejected SCIM write would).
      const outcome = await this.mapping.mapAndStore(
        tx,
        runtime,
        users.map((user) => ({ id: user.id, raw: user.raw, isCreate: false })),
        { actor: { connectionId: job.connectionId }, onFailure: 'skip', announce: 'reapply' },
      );
      const failed = job.failed + outcome.failed.length;
      for (const failure of outcome.failed) if (report.failedSampleUserIds.length < SAMPLE_LIMIT) report.failedSampleUserIds.push(failure.userId);
      report.written += outcome.written;
      const saved = await this.saveProgress(tx, job, { processed: job.processed + users.length, failed, checkpoint: users.at(-1)?.id ?? job.checkpoint, result: report as unknown as Record<string, unknown> });
      if (users.length === this.options.batchSize) return saved;
      await this.jobs.finish(tx, job.tenantId, job.id, this.nodeId, { state: 'succeeded' }, now);
      await this.audit.record(tx, {
        tenantId: job.tenantId,
        actor: actorOf(job.author),
        action: 'mapping.reapply',
        target: { type: 'mappingSet', id: `${job.connectionId}:${job.mappingVersion}` },
        details: { jobId: job.id, processed: saved.processed, failed, written: report.written },
      });
      return 'finished' as const;
    });
  }
}
