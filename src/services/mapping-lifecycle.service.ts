import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/audit';
import { DomainError, isDomainError } from '../domain/errors';
import { applyMapping, type MappingError, type MappingResult, type OptionAddition, type TraceStep } from '../domain/mapping/apply-mapping';
import { compileMappingSet } from '../domain/mapping/compile-mapping-set';
import type { CompiledMappingSet, MappingIssue, MappingSetDefinition } from '../domain/mapping/mapping-set';
import type { DomainValue } from '../domain/mapping/mapping-values';
import type { Connection, Tenant } from '../domain/tenants/tenant';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository } from '../persistence/repositories/group.repository';
import { MappingRepository, type StoredMappingSet, type StoredUserValue, type VersionState } from '../persistence/repositories/mapping.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { UserRepository } from '../persistence/repositories/user.repository';
import type { AuditService } from './audit.service';
import { currentValues, type MappingService, type SchemaVersionDefinition } from './mapping.service';

/** A compile problem with where it is: the definition path and, inside an expression, line and column. */
export interface LocatedIssue {
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface MappingVersionSummary {
  readonly version: number;
  readonly state: VersionState;
  readonly schemaVersion: number;
  readonly author: string;
  readonly comment: string | null;
  readonly createdAt: number;
  readonly validatedAt: number | null;
  readonly activatedAt: number | null;
  readonly report: Record<string, unknown> | null;
}

export type ValidationOutcome = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly version: number; readonly errors: readonly LocatedIssue[] };

/**
 * One dry-run payload: the user's raw resource after each request of a sequence, already normalised the
 * way the SCIM layer stores it (a POST body, then the resource after each PATCH). Services do not speak
 * SCIM, so the caller (CLI, GraphQL) applies the PATCH operations with the SCIM layer's applyPatch.
 */
export interface PreviewPayload {
  readonly label?: string;
  readonly resources: readonly Record<string, unknown>[];
}

export interface PreviewStep {
  readonly values: Record<string, DomainValue>;
  readonly errors: readonly MappingError[];
  readonly optionAdditions: readonly OptionAddition[];
  readonly trace: Readonly<Record<string, readonly TraceStep[]>>;
}

export interface PreviewResult {
  readonly label?: string;
  /** One per resource of the payload; the last is where the user ends up. */
  readonly steps: readonly PreviewStep[];
}

export type MappingSource = { readonly version: number } | { readonly definition: MappingSetDefinition };

const SAMPLE_LIMIT = 5;
export const DEFAULT_BATCH_SIZE = 1000;

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

export interface ReapplyProgress {
  readonly status: 'running' | 'completed' | 'superseded';
  readonly lastUserId: string | null;
  readonly processed: number;
  readonly failed: number;
  readonly failedSampleUserIds: readonly string[];
  readonly startedAt: number;
  readonly finishedAt: number | null;
}

export type JobKind = 'impact' | 'reapply';

export interface MappingJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly tenantId: string;
  readonly connectionId: string;
  status: 'running' | 'succeeded' | 'failed';
  processed: number;
  result: ImpactReport | ReapplyProgress | null;
  error: string | null;
  readonly startedAt: number;
  finishedAt: number | null;
}

export interface ValueExplanation {
  readonly userId: string;
  readonly field: string;
  readonly values: readonly { readonly value: unknown; readonly ruleId: string | null; readonly mappingVersion: number | null; readonly sourcePath: string | null; readonly rawValue: unknown; readonly updatedAt: number }[];
}

function locate(issue: MappingIssue): LocatedIssue {
  return { path: issue.path.join('.'), ...(issue.position ? { line: issue.position.line, column: issue.position.column } : {}), message: issue.message };
}

function summary(stored: StoredMappingSet): MappingVersionSummary {
  const { version, state, schemaVersion, author, comment, createdAt, validatedAt, activatedAt, report } = stored;
  return { version, state, schemaVersion, author, comment, createdAt, validatedAt, activatedAt, report };
}

function describe(value: DomainValue | undefined): string {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return '(none)';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function sameValue(left: DomainValue | undefined, right: DomainValue | undefined): boolean {
  return describe(left) === describe(right) && JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
}

function count(bucket: Record<string, CountWithSamples>, key: string, userId: string): void {
  const entry = (bucket[key] ??= { count: 0, sampleUserIds: [] });
  entry.count += 1;
  if (entry.sampleUserIds.length < SAMPLE_LIMIT) entry.sampleUserIds.push(userId);
}

/**
 * The life of a connection's mapping sets beyond the write path: immutable versions (draft -> validated ->
 * active -> superseded), dry runs, impact diffs over the stored users, activation and rollback, re-apply
 * and explain. Jobs (impact diff, re-apply) are tracked in memory, so their progress is visible on the
 * node that runs them only; re-apply also stores its progress in the version's report to resume after a crash.
 */
export class MappingLifecycleService {
  private readonly mappings = new MappingRepository();
  private readonly users = new UserRepository();
  private readonly groups = new GroupRepository();
  private readonly tenants = new TenantRepository();
  private readonly jobs = new Map<string, { job: MappingJob; done: Promise<void> }>();

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly audit: AuditService,
  ) {}

  /** The tenant's connection (one per tenant today), for callers that only know the slug. */
  async connectionOf(tenant: Tenant): Promise<Connection> {
    const connection = await this.database.read((tx) => this.tenants.findDefaultConnection(tx, tenant.id));
    if (!connection) throw new DomainError('NOT_FOUND', `tenant "${tenant.slug}" has no connection`);
    return connection;
  }

  /** Stores a definition as the connection's next version, a draft compiled against the active schema at validation. */
  async createDraft(tenant: Tenant, connection: Connection, definition: MappingSetDefinition, author: Actor, comment?: string): Promise<number> {
    await this.mapping.activeSchema(tenant, connection);
    return this.database.transaction(async (tx) => {
      const schema = await this.mappings.latestSchema(tx, tenant.id);
      const version = await this.mappings.nextMappingVersion(tx, tenant.id, connection.id);
      await this.mappings.insertMappingSet(tx, {
        tenantId: tenant.id,
        connectionId: connection.id,
        version,
        definition: definition as unknown as Record<string, unknown>,
        state: 'draft',
        schemaVersion: schema!.version,
        author: `${author.type}:${author.id}`,
        comment: comment ?? null,
        report: null,
        createdAt: Date.now(),
        validatedAt: null,
        activatedAt: null,
      });
      await this.audit.record(tx, { tenantId: tenant.id, actor: author, action: 'mapping.draft.create', target: { type: 'mappingSet', id: `${connection.id}:${version}` }, after: { version, comment: comment ?? null } });
      return version;
    });
  }

  async listVersions(tenant: Tenant, connection: Connection): Promise<MappingVersionSummary[]> {
    return this.database.read(async (tx) => (await this.mappings.listMappingSets(tx, tenant.id, connection.id)).map(summary));
  }

  /** A stored version's definition; without a version, the active one (seeding the preset on first use). */
  async definitionOf(tenant: Tenant, connection: Connection, version?: number): Promise<{ version: number; definition: MappingSetDefinition }> {
    await this.mapping.activeSchema(tenant, connection);
    return this.database.read(async (tx) => {
      const wanted = version ?? (await this.mappings.activeMappingVersion(tx, tenant.id, connection.id));
      const stored = wanted === null ? undefined : await this.mappings.findMappingSet(tx, tenant.id, connection.id, wanted);
      if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version ?? '(active)'} does not exist`);
      return { version: stored.version, definition: stored.definition as unknown as MappingSetDefinition };
    });
  }

  /** Compiles a draft against its schema version; a clean compile makes it validated, errors stay in the report. */
  async validate(tenant: Tenant, connection: Connection, version: number, author: Actor): Promise<ValidationOutcome> {
    return this.database.transaction(async (tx) => {
      const stored = await this.requireVersion(tx, tenant, connection, version);
      if (stored.state !== 'draft') return { ok: true, version };
      const errors = await this.compileErrors(tx, tenant, stored);
      const now = Date.now();
      const report = { ...(stored.report ?? {}), validation: { ok: errors.length === 0, errors, at: now } };
      if (errors.length > 0) {
        await this.mappings.setMappingSetReport(tx, tenant.id, connection.id, version, report);
        return { ok: false, version, errors };
      }
      await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, version, { state: 'validated', report, validatedAt: now });
      await this.audit.record(tx, { tenantId: tenant.id, actor: author, action: 'mapping.validate', target: { type: 'mappingSet', id: `${connection.id}:${version}` }, before: { state: 'draft' }, after: { state: 'validated' } });
      return { ok: true, version };
    });
  }

  /**
   * Maps each payload with a version or an unsaved definition, as a SCIM write would, and stores nothing:
   * it only reads, in a read transaction.
   */
  async preview(tenant: Tenant, connection: Connection, source: MappingSource, payloads: readonly PreviewPayload[]): Promise<PreviewResult[]> {
    await this.mapping.activeSchema(tenant, connection);
    return this.database.read(async (tx) => {
      const { compiled, optionLists, version } = await this.compileSource(tx, tenant, connection, source);
      return payloads.map((payload) => {
        let current: Record<string, DomainValue> = {};
        const steps = payload.resources.map((raw, index) => {
          const result = applyMapping(compiled, { raw, groups: [], current, isCreate: index === 0 }, { optionLists, mappingVersion: version });
          const values = Object.fromEntries(Object.entries(result.values).map(([field, mapped]) => [field, mapped.value]));
          // Like applyToUser: fields the mapping did not write keep their values for the next request.
          current = { ...current, ...values };
          return { values: { ...current }, errors: result.errors, optionAdditions: result.optionAdditions, trace: result.trace };
        });
        return { ...(payload.label !== undefined ? { label: payload.label } : {}), steps };
      });
    });
  }

  /**
   * Evaluates a version against every stored user of the tenant (keyset batches, each its own read) and
   * counts what would change compared with the stored values. Writes nothing.
   */
  async impactDiff(tenant: Tenant, connection: Connection, version: number, options: { batchSize?: number; onProgress?: (processed: number) => void } = {}): Promise<ImpactReport> {
    await this.mapping.activeSchema(tenant, connection);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const { compiled, schema, optionLists } = await this.database.read((tx) => this.compileSource(tx, tenant, connection, { version }));
    const needsGroups = this.mapping.dependsOnGroups({ tenantId: tenant.id, connectionId: connection.id, mappingVersion: version, schemaVersion: 0, schema, compiled, optionLists });
    const report: ImpactReport = { version, usersEvaluated: 0, unchanged: 0, changedFields: {}, failingValidation: { count: 0, sampleUserIds: [], messages: {} }, optionsToAdd: {} };
    let afterId: string | null = null;
    for (;;) {
      const batch = await this.database.read(async (tx) => {
        const users = await this.mappings.usersRawAfter(tx, tenant.id, afterId, batchSize);
        const rows = await this.mappings.userValues(tx, tenant.id, users.map((user) => user.id));
        const groups = needsGroups ? await Promise.all(users.map((user) => this.groups.groupsOfMember(tx, tenant.id, user.id))) : [];
        return { users, rows, groups };
      });
      if (batch.users.length === 0) break;
      const rowsByUser = new Map<string, StoredUserValue[]>();
      for (const row of batch.rows) rowsByUser.set(row.userId, [...(rowsByUser.get(row.userId) ?? []), row]);
      batch.users.forEach((user, index) => {
        const current = currentValues(schema, rowsByUser.get(user.id) ?? []);
        const groups = (batch.groups[index] ?? []).map((group) => ({ id: group.id, externalId: group.externalId, displayName: group.displayName }));
        const result = applyMapping(compiled, { raw: user.raw, groups, current, isCreate: false }, { optionLists, mappingVersion: version });
        this.countImpact(report, user.id, current, result);
      });
      report.usersEvaluated += batch.users.length;
      options.onProgress?.(report.usersEvaluated);
      afterId = batch.users[batch.users.length - 1]!.id;
    }
    return report;
  }

  /** Activates a version (validating a draft first): previous active -> superseded, pointer swap, audit row, one transaction. */
  async activate(tenant: Tenant, connection: Connection, version: number, author: Actor): Promise<void> {
    await this.swapActive(tenant, connection, version, author, 'mapping.activate');
  }

  /** Activates an earlier version again, exactly as activate does; re-apply then recomputes the users. */
  async rollback(tenant: Tenant, connection: Connection, version: number, author: Actor): Promise<void> {
    await this.swapActive(tenant, connection, version, author, 'mapping.rollback');
  }

  /**
   * Recomputes every user's stored values from its stored raw resource with the active version. Each batch
   * is one transaction that re-reads each user under its row lock, so a SCIM write either happened before
   * (and is recomputed from its newer raw) or waits; the batch's last user id is stored in the version's
   * report in the same transaction, so a crashed run resumes where it stopped. A user that no longer maps
   * cleanly keeps its values and is counted as failed. Stops when another version becomes active.
   */
  async reapply(tenant: Tenant, connection: Connection, author: Actor, options: { batchSize?: number; onProgress?: (processed: number) => void } = {}): Promise<ReapplyProgress> {
    await this.mapping.activeSchema(tenant, connection);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const start = await this.database.read(async (tx) => {
      const active = await this.mappings.activeMappingVersion(tx, tenant.id, connection.id);
      return this.requireVersion(tx, tenant, connection, active!);
    });
    const version = start.version;
    const stored = start.report?.reapply as ReapplyProgress | undefined;
    let progress: ReapplyProgress =
      stored?.status === 'running' ? stored : { status: 'running', lastUserId: null, processed: 0, failed: 0, failedSampleUserIds: [], startedAt: Date.now(), finishedAt: null };
    for (;;) {
      progress = await this.database.transaction(async (tx) => {
        const runtime = await this.mapping.runtime(tx, tenant, connection);
        const set = await this.requireVersion(tx, tenant, connection, version);
        if (runtime.mappingVersion !== version) {
          const superseded: ReapplyProgress = { ...progress, status: 'superseded', finishedAt: Date.now() };
          await this.mappings.setMappingSetReport(tx, tenant.id, connection.id, version, { ...(set.report ?? {}), reapply: superseded });
          return superseded;
        }
        const batch = await this.mappings.usersRawAfter(tx, tenant.id, progress.lastUserId, batchSize);
        let { processed, failed } = progress;
        const failedSampleUserIds = [...progress.failedSampleUserIds];
        for (const listed of batch) {
          const user = await this.users.findById(tx, tenant.id, listed.id, { forUpdate: true });
          if (!user) continue;
          try {
            await this.mapping.applyToUser(tx, runtime, { id: user.id, raw: user.raw, isCreate: false }, { connectionId: connection.id });
          } catch (error) {
            // applyToUser rejects before writing anything, so the batch's transaction stays usable.
            if (!isDomainError(error) || error.code !== 'INVALID_INPUT') throw error;
            failed += 1;
            if (failedSampleUserIds.length < SAMPLE_LIMIT) failedSampleUserIds.push(user.id);
          }
          processed += 1;
        }
        const finished = batch.length < batchSize;
        const next: ReapplyProgress = {
          ...progress,
          status: finished ? 'completed' : 'running',
          lastUserId: batch.length > 0 ? batch[batch.length - 1]!.id : progress.lastUserId,
          processed,
          failed,
          failedSampleUserIds,
          finishedAt: finished ? Date.now() : null,
        };
        await this.mappings.setMappingSetReport(tx, tenant.id, connection.id, version, { ...(set.report ?? {}), reapply: next });
        if (finished) {
          await this.audit.record(tx, { tenantId: tenant.id, actor: author, action: 'mapping.reapply', target: { type: 'mappingSet', id: `${connection.id}:${version}` }, details: { processed, failed } });
        }
        return next;
      });
      options.onProgress?.(progress.processed);
      if (progress.status !== 'running') return progress;
    }
  }

  /** Starts an impact diff or a re-apply in the background of this node; poll job(id) for progress. */
  startJob(kind: JobKind, tenant: Tenant, connection: Connection, request: { version?: number; author: Actor; batchSize?: number }): MappingJob {
    const version = request.version;
    if (kind === 'impact' && version === undefined) throw new DomainError('INVALID_INPUT', 'an impact diff needs a version');
    const job: MappingJob = { id: randomUUID(), kind, tenantId: tenant.id, connectionId: connection.id, status: 'running', processed: 0, result: null, error: null, startedAt: Date.now(), finishedAt: null };
    const onProgress = (processed: number) => {
      job.processed = processed;
    };
    const work =
      kind === 'impact'
        ? this.impactDiff(tenant, connection, version!, { batchSize: request.batchSize, onProgress })
        : this.reapply(tenant, connection, request.author, { batchSize: request.batchSize, onProgress });
    const done = work.then(
      (result) => {
        job.result = result;
        job.status = 'succeeded';
        job.finishedAt = Date.now();
      },
      (error: unknown) => {
        job.error = error instanceof Error ? error.message : String(error);
        job.status = 'failed';
        job.finishedAt = Date.now();
      },
    );
    this.jobs.set(job.id, { job, done });
    return job;
  }

  job(id: string): MappingJob | undefined {
    return this.jobs.get(id)?.job;
  }

  async waitForJob(id: string): Promise<MappingJob> {
    const entry = this.jobs.get(id);
    if (!entry) throw new DomainError('NOT_FOUND', `job ${id} is unknown on this node`);
    await entry.done;
    return entry.job;
  }

  /** A user's stored value of a field with the rule, version, source path and raw value that produced it. */
  async explain(tenantId: string, userId: string, field: string): Promise<ValueExplanation> {
    const rows = (await this.mapping.valuesOf(tenantId, [userId])).filter((row) => row.fieldKey === field);
    return {
      userId,
      field,
      values: rows.map((row) => ({ value: row.value, ruleId: row.ruleId, mappingVersion: row.mappingVersion, sourcePath: row.sourcePath, rawValue: row.rawValue, updatedAt: row.updatedAt })),
    };
  }

  /** Users with at least one value that version `version` produced, in id order, `limit` after `afterUserId`. */
  async usersFromVersion(tenantId: string, version: number, page: { afterUserId?: string; limit: number }): Promise<string[]> {
    return this.database.read((tx) => this.mappings.userIdsWithValuesFromVersion(tx, tenantId, version, page.afterUserId ?? null, Math.max(1, Math.min(page.limit, DEFAULT_BATCH_SIZE))));
  }

  private countImpact(report: ImpactReport, userId: string, current: Record<string, DomainValue>, result: MappingResult): void {
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
      count((report.changedFields[field] ??= {}), `${describe(current[field])} -> ${describe(mapped.value)}`, userId);
    }
    for (const addition of result.optionAdditions) count(report.optionsToAdd, `${addition.list}: ${addition.value}`, userId);
    if (!changed) report.unchanged += 1;
  }

  private async requireVersion(tx: Tx, tenant: Tenant, connection: Connection, version: number): Promise<StoredMappingSet> {
    const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, version);
    if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version} of tenant "${tenant.slug}" does not exist`);
    return stored;
  }

  private async compileErrors(tx: Tx, tenant: Tenant, stored: StoredMappingSet): Promise<LocatedIssue[]> {
    const schema = await this.mapping.loadSchema(tx, tenant.id, stored.schemaVersion);
    const optionLists = await this.mapping.loadOptionLists(tx, tenant.id, schema.optionLists);
    const result = compileMappingSet(stored.definition as unknown as MappingSetDefinition, schema.schema, optionLists);
    return result.ok ? [] : result.errors.map(locate);
  }

  /** A stored version compiles against its own schema version; an unsaved definition against the active schema. */
  private async compileSource(tx: Tx, tenant: Tenant, connection: Connection, source: MappingSource) {
    let definition: MappingSetDefinition;
    let schemaDefinition: SchemaVersionDefinition;
    let version: number;
    if ('version' in source) {
      const stored = await this.requireVersion(tx, tenant, connection, source.version);
      definition = stored.definition as unknown as MappingSetDefinition;
      schemaDefinition = await this.mapping.loadSchema(tx, tenant.id, stored.schemaVersion);
      version = stored.version;
    } else {
      const latest = await this.mappings.latestSchema(tx, tenant.id);
      definition = source.definition;
      schemaDefinition = latest!.definition as unknown as SchemaVersionDefinition;
      version = await this.mappings.nextMappingVersion(tx, tenant.id, connection.id);
    }
    const optionLists = await this.mapping.loadOptionLists(tx, tenant.id, schemaDefinition.optionLists);
    const result = compileMappingSet(definition, schemaDefinition.schema, optionLists);
    if (!result.ok) {
      throw new DomainError('INVALID_INPUT', `the mapping set does not compile: ${result.errors.map((issue) => { const at = locate(issue); return `${at.path}${at.line ? ` (line ${at.line}, column ${at.column})` : ''}: ${at.message}`; }).join('; ')}`);
    }
    const compiled: CompiledMappingSet = result.mappingSet;
    return { compiled, schema: schemaDefinition.schema, optionLists, version };
  }

  private async swapActive(tenant: Tenant, connection: Connection, version: number, author: Actor, action: 'mapping.activate' | 'mapping.rollback'): Promise<void> {
    await this.mapping.activeSchema(tenant, connection);
    await this.database.transaction(async (tx) => {
      const previous = await this.mappings.lockActiveMappingVersion(tx, tenant.id, connection.id);
      const stored = await this.requireVersion(tx, tenant, connection, version);
      if (previous === version) return;
      const now = Date.now();
      if (stored.state === 'draft') {
        const errors = await this.compileErrors(tx, tenant, stored);
        if (errors.length > 0) throw new DomainError('INVALID_INPUT', `version ${version} does not validate: ${errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`);
      }
      await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, version, { state: 'active', activatedAt: now, ...(stored.validatedAt === null ? { validatedAt: now } : {}) });
      if (previous !== null) await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, previous, { state: 'superseded' });
      await this.mappings.setActiveMappingVersion(tx, tenant.id, connection.id, version);
      await this.audit.record(tx, { tenantId: tenant.id, actor: author, action, target: { type: 'connection', id: connection.id }, before: { activeMappingVersion: previous }, after: { activeMappingVersion: version } });
    });
  }
}
