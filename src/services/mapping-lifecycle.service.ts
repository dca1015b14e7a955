import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { MappingError, OptionAddition, TraceStep } from '../domain/mapping/apply-mapping';
import { dialectSampleRequests, type UserRequestSequence, type UserWriteMethod } from '../domain/mapping/dialect-samples';
import { checkDomainSchema } from '../domain/mapping/domain-schema';
import { createPresetMappingSet } from '../domain/mapping/presets';
import type { MappingIssue, MappingSetDefinition } from '../domain/mapping/mapping-set';
import type { DomainValue } from '../domain/mapping/mapping-values';
import type { Connection, Tenant } from '../domain/tenants/tenant';
import type { Database, Tx } from '../persistence/database';
import { MappingJobRepository, type MappingJobKind, type StoredMappingJob } from '../persistence/repositories/mapping-job.repository';
import { MappingRepository, type StoredMappingSet, type VersionState } from '../persistence/repositories/mapping.repository';
import type { RecentRequest } from '../persistence/repositories/recent-request.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { ChangeRecorder } from './change-recorder';
import { declaredOptionLists, describeIssues } from './mapping.service';
import type { AuditService } from './audit.service';
import type { RecentRequestsService } from './recent-requests.service';
import type { ImpactReport, ReapplyReport } from './mapping-jobs.service';
import type { MappingService, SchemaVersionDefinition } from './mapping.service';
import type { ParsedMappingFile } from './mapping-file';
import type { CompileInput } from './offload/mapping-tasks';
import type { OffloadPool } from './offload/offload-pool';
import { TimeSlices } from './time-slices';

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
  readonly definition: MappingSetDefinition;
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
  /** The stored user the first resource replaced: mapped first (not shown), so the steps start from its values. */
  readonly initial?: Record<string, unknown>;
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
  /** Why a request of the payload could not be replayed (the steps stop before it). */
  readonly error?: string;
  readonly notes?: readonly string[];
}

export type MappingSource = { readonly version: number } | { readonly definition: MappingSetDefinition };

/** Most user ids per page of "users whose value came from version N". */
export const USERS_PAGE_MAX = 1000;

/** What a dry run of IdP requests reports beside the results: where the payloads came from and what is missing. */
export interface PreviewReport {
  readonly results: readonly PreviewResult[];
  readonly notes: readonly string[];
}

/** Turns IdP requests into the resources the SCIM layer would store after each (the SCIM adapter provides it). */
export type ReplayUserRequests = (
  tenant: Tenant,
  connection: Connection,
  sequence: UserRequestSequence,
) => Promise<{ readonly resources: readonly Record<string, unknown>[]; readonly error?: string; readonly redacted: boolean }>;

/** The most logged requests a dry run replays. */
export const RECENT_REQUESTS_MAX = 200;
/** The most pasted payloads (users) of one dry run, and requests in all of them (as many as logged requests replayed). */
export const PREVIEW_PAYLOADS_MAX = 100;
export const PREVIEW_REQUESTS_MAX = RECENT_REQUESTS_MAX;
const JOB_LIST_MAX = 50;
/** How long the replays of one dry run hold the event loop at most before yielding (ms). */
const REPLAY_SLICE_MS = 10;

export interface MappingJobView extends StoredMappingJob {
  /** For an impact job, the report so far (complete when succeeded); for a re-apply, the users written and failing samples. */
  readonly impact: ImpactReport | null;
  readonly reapply: ReapplyReport | null;
}

export interface SchemaVersionSummary {
  readonly version: number;
  readonly state: VersionState;
  readonly author: string;
  readonly comment: string | null;
  readonly createdAt: number;
  readonly definition: SchemaVersionDefinition;
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
  return { version, state, schemaVersion, author, comment, createdAt, validatedAt, activatedAt, report, definition: stored.definition as unknown as MappingSetDefinition };
}

function authorOf(who: AuditContext): string {
  return `${who.actor.type}:${who.actor.id}`;
}

function jobView(job: StoredMappingJob): MappingJobView {
  return {
    ...job,
    impact: job.kind === 'impact' ? ((job.result as ImpactReport | null) ?? null) : null,
    reapply: job.kind === 'reapply' ? ((job.result as ReapplyReport | null) ?? { written: 0, failedSampleUserIds: [] }) : null,
  };
}

/** The outline validation relies on; the details (types, validators, lists) are checked by validateDomainSchema. */
function isSchemaShaped(definition: unknown): definition is SchemaVersionDefinition {
  const candidate = definition as { schema?: { customSchemaUrn?: unknown; fields?: unknown }; optionLists?: unknown } | null;
  const isNamed = (item: unknown) => item !== null && typeof item === 'object' && typeof (item as { key?: unknown }).key === 'string';
  return (
    typeof candidate?.schema?.customSchemaUrn === 'string' &&
    Array.isArray(candidate.schema.fields) &&
    candidate.schema.fields.every((field) => isNamed(field) && typeof (field as { type?: unknown }).type === 'string') &&
    Array.isArray(candidate.optionLists) &&
    candidate.optionLists.every(isNamed)
  );
}

/**
 * Kept user writes (newest first), as one sequence per user, oldest request first: a POST starts from
 * an empty user, a PUT or PATCH from the user as stored before it; the rest replay in order, as the SCIM
 * layer applied them.
 */
function sequencesOfRecentRequests(requests: readonly RecentRequest[]): UserRequestSequence[] {
  const byUser = new Map<string, RecentRequest[]>();
  for (const request of [...requests].reverse()) byUser.set(request.userId, [...(byUser.get(request.userId) ?? []), request]);
  return [...byUser.entries()].map(([userId, kept]) => {
    const first = kept[0]!;
    const initial = first.method === 'POST' || first.before === null ? undefined : first.before;
    const notes = initial === undefined ? [] : [`starts from the user as stored before its ${first.method} at ${new Date(first.at).toISOString()}`];
    return {
      label: `user ${userId}: ${kept.map((request) => `${request.method} (${request.status}) at ${new Date(request.at).toISOString()}`).join(', ')}`,
      requests: kept.map((request) => ({ method: request.method as UserWriteMethod, body: request.body })),
      notes,
      ...(initial === undefined ? {} : { initial }),
    };
  });
}

/**
 * The life of a connection's mapping sets and of the tenant's domain schema beyond the write path:
 * immutable versions (draft -> validated -> active -> superseded), dry runs, impact diffs over the
 * stored users, activation and rollback, re-apply and explain. Impact diffs and re-applies are jobs in
 * the database's job registry, run by MappingJobRunner on whichever node claims them.
 */
export class MappingLifecycleService {
  private readonly mappings = new MappingRepository();
  private readonly tenants = new TenantRepository();
  private readonly jobs = new MappingJobRepository();

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly audit: AuditService,
    private readonly changes: ChangeRecorder,
    private readonly options: {
      readonly replay: ReplayUserRequests;
      /** The connections' last user writes, kept for previews. */
      readonly recentRequests: RecentRequestsService;
      /** Where parsing, compiling and dry runs run: off the event loop, with a deadline. */
      readonly offload: OffloadPool;
      /** Called after a job is queued: lets this node start on it at once instead of at its next poll. */
      readonly onJobQueued?: () => void;
    },
  ) {}

  /** The tenant's connection (one per tenant today), for callers that only know the slug. */
  async connectionOf(tenant: Tenant): Promise<Connection> {
    const connection = await this.database.read((tx) => this.tenants.findDefaultConnection(tx, tenant.id));
    if (!connection) throw new DomainError('NOT_FOUND', `tenant "${tenant.slug}" has no connection`);
    return connection;
  }

  /**
   * After the connection's dialect changed: the new dialect's preset as a draft the admin previews and
   * activates (the active mapping stays). Null when the tenant has no mapping yet: its first use seeds
   * the preset of the dialect it has by then.
   */
  async offerDialectPreset(tenant: Tenant, connection: Connection, who: AuditContext): Promise<number | null> {
    const schema = await this.database.read(async (tx) => ((await this.mappings.activeMappingVersion(tx, tenant.id, connection.id)) === null ? undefined : this.mappings.latestSchema(tx, tenant.id)));
    if (!schema) return null;
    const { customSchemaUrn } = (schema.definition as unknown as SchemaVersionDefinition).schema;
    return this.createDraft(tenant, connection, createPresetMappingSet(connection.dialect, customSchemaUrn), who, `${connection.dialect} preset`);
  }

  /** Parses a mapping file (YAML, or JSON which is YAML) off the event loop. */
  async parseDefinition(tenant: Tenant, text: string): Promise<ParsedMappingFile> {
    return this.options.offload.run(tenant.id, 'parseMappingText', text);
  }

  /** Stores a definition as the connection's next version, a draft compiled against the active schema at validation. */
  async createDraft(tenant: Tenant, connection: Connection, definition: MappingSetDefinition, who: AuditContext, comment?: string): Promise<number> {
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
        author: authorOf(who),
        comment: comment ?? null,
        report: null,
        createdAt: Date.now(),
        validatedAt: null,
        activatedAt: null,
      });
      await this.audit.record(tx, {
        ...who,
        tenantId: tenant.id,
        action: 'mapping.draft.create',
        target: { type: 'mappingSet', id: `${connection.id}:${version}` },
        after: { version, schemaVersion: schema!.version, comment: comment ?? null, rules: definition.rules.length },
      });
      return version;
    });
  }

  async listVersions(tenant: Tenant, connection: Connection): Promise<MappingVersionSummary[]> {
    return this.database.read(async (tx) => (await this.mappings.listMappingSets(tx, tenant.id, connection.id)).map(summary));
  }

  /** A stored version's definition; without a version, the active one. */
  async definitionOf(tenant: Tenant, connection: Connection, version?: number): Promise<{ version: number; definition: MappingSetDefinition }> {
    return this.database.read(async (tx) => {
      const wanted = version ?? (await this.mappings.activeMappingVersion(tx, tenant.id, connection.id));
      const stored = wanted === null ? undefined : await this.mappings.findMappingSet(tx, tenant.id, connection.id, wanted);
      if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version ?? '(active)'} does not exist`);
      return { version: stored.version, definition: stored.definition as unknown as MappingSetDefinition };
    });
  }

  /**
   * Compiles a draft against the active schema (off the event loop, outside any transaction); a clean
   * compile makes it validated, errors stay in the report. A version validated meanwhile stays as it is.
   */
  async validate(tenant: Tenant, connection: Connection, version: number, who: AuditContext): Promise<ValidationOutcome> {
    const stored = await this.database.read((tx) => this.requireVersion(tx, tenant, connection, version));
    if (stored.state !== 'draft') return { ok: true, version };
    const errors = await this.compileErrors(tenant, stored);
    return this.database.transaction(async (tx) => {
      const current = await this.requireVersion(tx, tenant, connection, version);
      if (current.state !== 'draft') return { ok: true, version };
      const now = Date.now();
      const report = { ...(current.report ?? {}), validation: { ok: errors.length === 0, errors, at: now } };
      const target = { type: 'mappingSet', id: `${connection.id}:${version}` };
      if (errors.length > 0) {
        await this.mappings.setMappingSetReport(tx, tenant.id, connection.id, version, report);
        await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'mapping.validate', target, details: { ok: false, errors: errors.length } });
        return { ok: false, version, errors };
      }
      await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, version, { state: 'validated', report, validatedAt: now });
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'mapping.validate', target, before: { state: 'draft' }, after: { state: 'validated' } });
      return { ok: true, version };
    });
  }

  /**
   * Maps each payload with a version or an unsaved definition, as a SCIM write would, and stores nothing:
   * it only reads, outside any transaction; compiling and mapping run off the event loop.
   */
  async preview(tenant: Tenant, connection: Connection, source: MappingSource, payloads: readonly PreviewPayload[]): Promise<PreviewResult[]> {
    const input = await this.database.read((tx) => this.sourceInput(tx, tenant, connection, source));
    const outcome = await this.options.offload.run(tenant.id, 'previewPayloads', { ...input, payloads });
    if (!outcome.ok) {
      throw new DomainError('INVALID_INPUT', `the mapping set does not compile: ${outcome.errors.map((issue) => { const at = locate(issue); return `${at.path}${at.line ? ` (line ${at.line}, column ${at.column})` : ''}: ${at.message}`; }).join('; ')}`);
    }
    return outcome.results;
  }

  /**
   * A dry run of pasted IdP requests: at most PREVIEW_PAYLOADS_MAX payloads and PREVIEW_REQUESTS_MAX
   * requests in all (their replay as SCIM would store them runs on the event loop).
   */
  async previewPastedRequests(tenant: Tenant, connection: Connection, source: MappingSource, sequences: readonly UserRequestSequence[]): Promise<PreviewReport> {
    if (sequences.length > PREVIEW_PAYLOADS_MAX) throw new DomainError('TOO_MANY', `a dry run maps at most ${PREVIEW_PAYLOADS_MAX} payloads; got ${sequences.length}`);
    const requests = sequences.reduce((sum, sequence) => sum + sequence.requests.length, 0);
    if (requests > PREVIEW_REQUESTS_MAX) throw new DomainError('TOO_MANY', `a dry run replays at most ${PREVIEW_REQUESTS_MAX} requests in all; got ${requests}`);
    return this.previewRequests(tenant, connection, source, sequences);
  }

  /** A dry run of IdP requests (pasted, a dialect's samples, or logged): each sequence replayed as SCIM would store it, then mapped. */
  async previewRequests(tenant: Tenant, connection: Connection, source: MappingSource, sequences: readonly UserRequestSequence[], notes: readonly string[] = []): Promise<PreviewReport> {
    // The replays run on the event loop: in slices, so 200 requests (up to 60 ms) never hold it at once.
    const slices = new TimeSlices(REPLAY_SLICE_MS);
    const replayed: Awaited<ReturnType<ReplayUserRequests>>[] = [];
    for (const sequence of sequences) {
      await slices.yieldIfDue();
      replayed.push(await this.options.replay(tenant, connection, sequence));
    }
    const mapped = await this.preview(tenant, connection, source, replayed.map((replay, index) => ({ label: sequences[index]!.label, resources: replay.resources, initial: sequences[index]!.initial })));
    const results = mapped.map((result, index) => {
      const replay = replayed[index]!;
      const sequenceNotes = [
        ...(sequences[index]!.notes ?? []),
        ...(replay.redacted ? ['secrets in these requests were redacted when they were kept: they show as "[redacted]" and map as such'] : []),
      ];
      return { ...result, ...(replay.error !== undefined ? { error: replay.error } : {}), ...(sequenceNotes.length > 0 ? { notes: sequenceNotes } : {}) };
    });
    return { results, notes };
  }

  /** A dry run of the built-in sample requests of the connection's dialect. */
  async previewDialectSamples(tenant: Tenant, connection: Connection, source: MappingSource): Promise<PreviewReport> {
    const schema = await this.mapping.activeSchema(tenant.id);
    return this.previewRequests(tenant, connection, source, dialectSampleRequests(connection.dialect, schema.customSchemaUrn), [`built-in samples of the ${connection.dialect} dialect`]);
  }

  /**
   * A dry run of the last `limit` user writes the connection received, as kept for previews (secrets
   * redacted): each user's requests replay on the user as stored before the first of them.
   */
  async previewRecentRequests(tenant: Tenant, connection: Connection, source: MappingSource, limit: number): Promise<PreviewReport> {
    if (!Number.isInteger(limit) || limit < 1 || limit > RECENT_REQUESTS_MAX) throw new DomainError('INVALID_INPUT', `the number of recent requests must be from 1 to ${RECENT_REQUESTS_MAX}`);
    const { requests, notes } = await this.options.recentRequests.newestUserWrites(tenant, connection, limit);
    return this.previewRequests(tenant, connection, source, sequencesOfRecentRequests(requests), notes);
  }

  /** Activates a validated version: previous active -> superseded, pointer swap, audit row, one transaction. */
  async activate(tenant: Tenant, connection: Connection, version: number, who: AuditContext): Promise<void> {
    await this.swapActive(tenant, connection, version, who, 'mapping.activate');
  }

  /** Activates an earlier version again (one that was active before); a re-apply then recomputes the users. */
  async rollback(tenant: Tenant, connection: Connection, version: number, who: AuditContext): Promise<void> {
    await this.swapActive(tenant, connection, version, who, 'mapping.rollback');
  }

  /** Queues an impact diff of a version against every stored user; it runs on whichever node claims it. */
  async startImpactAnalysis(tenant: Tenant, connection: Connection, version: number, who: AuditContext): Promise<MappingJobView> {
    const stored = await this.database.read((tx) => this.requireVersion(tx, tenant, connection, version));
    const errors = await this.compileErrors(tenant, stored);
    if (errors.length > 0) throw new DomainError('INVALID_INPUT', `version ${version} does not compile: ${errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`);
    return this.queueJob(tenant, connection, 'impact', who, async (tx) => (await this.requireVersion(tx, tenant, connection, version)).version);
  }

  /** Queues a re-apply of the active version to every stored user; one at a time per connection. */
  async startReapply(tenant: Tenant, connection: Connection, who: AuditContext): Promise<MappingJobView> {
    return this.queueJob(tenant, connection, 'reapply', who, async (tx) => {
      const active = await this.mappings.lockActiveMappingVersion(tx, tenant.id, connection.id);
      const [running] = await this.jobs.unfinished(tx, tenant.id, connection.id, 'reapply');
      if (running) throw new DomainError('CONFLICT', `a re-apply of this connection is already ${running.state} (job ${running.id})`);
      return active!;
    });
  }

  async job(tenantId: string, id: string): Promise<MappingJobView | undefined> {
    const job = await this.database.read((tx) => this.jobs.find(tx, tenantId, id));
    return job && jobView(job);
  }

  async listJobs(tenant: Tenant, connection: Connection, limit = JOB_LIST_MAX): Promise<MappingJobView[]> {
    return (await this.database.read((tx) => this.jobs.list(tx, tenant.id, connection.id, Math.max(1, Math.min(limit, JOB_LIST_MAX))))).map(jobView);
  }

  /** Polls the registry until the job ended (any node may be running it). */
  async waitForJob(tenantId: string, id: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<MappingJobView> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const job = await this.job(tenantId, id);
      if (!job) throw new DomainError('NOT_FOUND', `job ${id} does not exist`);
      if (job.state !== 'queued' && job.state !== 'running') return job;
      if (Date.now() > deadline) throw new DomainError('UNAVAILABLE', `job ${id} is still ${job.state}`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
    }
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
    return this.database.read((tx) => this.mappings.userIdsWithValuesFromVersion(tx, tenantId, version, page.afterUserId ?? null, Math.max(1, Math.min(page.limit, USERS_PAGE_MAX))));
  }

  async schemaVersions(tenant: Tenant): Promise<SchemaVersionSummary[]> {
    const stored = await this.database.read((tx) => this.mappings.listSchemas(tx, tenant.id));
    return stored.map(({ version, state, author, comment, createdAt, definition }) => ({ version, state, author, comment, createdAt, definition: definition as unknown as SchemaVersionDefinition }));
  }

  /** Stores a domain schema as the tenant's next version, a draft. */
  async draftDomainSchema(tenant: Tenant, definition: SchemaVersionDefinition, who: AuditContext, comment?: string): Promise<number> {
    if (!isSchemaShaped(definition)) throw new DomainError('INVALID_INPUT', 'a domain schema is { schema: { customSchemaUrn, fields: [{ key, label, type, ... }] }, optionLists: [{ key, onUnknown, ... }] }');
    return this.database.transaction(async (tx) => {
      const version = await this.mappings.nextSchemaVersion(tx, tenant.id);
      await this.mappings.insertSchemaVersion(tx, tenant.id, { version, definition: definition as unknown as Record<string, unknown>, state: 'draft', author: authorOf(who), comment: comment ?? null, createdAt: Date.now() });
      await this.audit.record(tx, {
        ...who,
        tenantId: tenant.id,
        action: 'domain_schema.draft.create',
        target: { type: 'domainSchema', id: String(version) },
        after: { version, comment: comment ?? null, fields: definition.schema.fields.map((field) => field.key) },
      });
      return version;
    });
  }

  /** Checks a draft schema (fields, option lists, validators); a clean one becomes validated. */
  async validateDomainSchema(tenant: Tenant, version: number, who: AuditContext): Promise<{ ok: boolean; version: number; errors: readonly LocatedIssue[] }> {
    return this.database.transaction(async (tx) => {
      const stored = await this.mappings.findSchema(tx, tenant.id, version);
      if (!stored) throw new DomainError('NOT_FOUND', `domain schema version ${version} does not exist`);
      if (stored.state !== 'draft') return { ok: true, version, errors: [] };
      const definition = stored.definition as unknown as SchemaVersionDefinition;
      const issues = checkDomainSchema(definition.schema, declaredOptionLists(definition));
      const errors = issues.map((issue) => ({ path: issue.field ?? '', message: issue.message }));
      if (errors.length === 0) for (const problem of await this.mapping.activeMappingMisfits(tx, tenant.id, definition)) errors.push({ path: '', message: problem });
      const target = { type: 'domainSchema', id: String(version) };
      if (errors.length > 0) {
        await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'domain_schema.validate', target, details: { ok: false, errors: errors.length } });
        return { ok: false, version, errors };
      }
      await this.mappings.setSchemaState(tx, tenant.id, version, 'validated');
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'domain_schema.validate', target, before: { state: 'draft' }, after: { state: 'validated' } });
      return { ok: true, version, errors: [] };
    });
  }

  /**
   * Makes a validated (or earlier active) schema version the active one; the previous one is superseded.
   * The tenant row is locked first, so concurrent activations queue and exactly one version stays active.
   * Refused when a connection's active mapping would write a field or value the version does not have.
   */
  async activateDomainSchema(tenant: Tenant, version: number, who: AuditContext): Promise<void> {
    await this.database.transaction(async (tx) => {
      await this.tenants.findTenantById(tx, tenant.id, { forUpdate: true });
      const stored = await this.mappings.findSchema(tx, tenant.id, version);
      if (!stored) throw new DomainError('NOT_FOUND', `domain schema version ${version} does not exist`);
      const previous = await this.mappings.latestSchema(tx, tenant.id);
      if (previous?.version === version) return;
      if (stored.state === 'draft') throw new DomainError('PRECONDITION_FAILED', `domain schema version ${version} is a draft: validate it first`);
      const definition = stored.definition as unknown as SchemaVersionDefinition;
      await this.mapping.checkActiveMappingsFit(tx, tenant.id, definition, version);
      await this.mapping.storeDeclaredOptionValues(tx, tenant.id, definition, authorOf(who));
      await this.mappings.setSchemaState(tx, tenant.id, version, 'active');
      if (previous) await this.mappings.setSchemaState(tx, tenant.id, previous.version, 'superseded');
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'domain_schema.activate', target: { type: 'domainSchema', id: String(version) }, before: { activeSchemaVersion: previous?.version ?? null }, after: { activeSchemaVersion: version } });
    });
  }

  private async queueJob(tenant: Tenant, connection: Connection, kind: MappingJobKind, who: AuditContext, versionOf: (tx: Tx) => Promise<number>): Promise<MappingJobView> {
    const job = await this.database.transaction(async (tx) => {
      const version = await versionOf(tx);
      const id = randomUUID();
      await this.jobs.insert(tx, { tenantId: tenant.id, id, connectionId: connection.id, kind, mappingVersion: version, author: authorOf(who), total: await this.mappings.countUsers(tx, tenant.id) }, Date.now());
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: `mapping.${kind}.start`, target: { type: 'mappingSet', id: `${connection.id}:${version}` }, details: { jobId: id } });
      return (await this.jobs.find(tx, tenant.id, id))!;
    });
    this.options.onJobQueued?.();
    return jobView(job);
  }

  private async requireVersion(tx: Tx, tenant: Tenant, connection: Connection, version: number): Promise<StoredMappingSet> {
    const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, version);
    if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version} of tenant "${tenant.slug}" does not exist`);
    return stored;
  }

  /** A version's problems under the tenant's active schema (the one it runs under once active), compiled off the event loop. */
  private async misfitsUnderActiveSchema(tenant: Tenant, stored: StoredMappingSet): Promise<{ readonly schemaVersion: number; readonly issues: readonly MappingIssue[] }> {
    const { schemaVersion, input } = await this.database.read(async (tx) => {
      const schema = await this.mapping.activeDefinition(tx, tenant.id);
      const optionLists = await this.mapping.loadOptionLists(tx, tenant.id, schema.optionLists);
      return { schemaVersion: schema.version, input: { definition: stored.definition as unknown as MappingSetDefinition, schema: schema.schema, optionLists } };
    });
    return { schemaVersion, issues: await this.options.offload.run(tenant.id, 'compileErrors', input) };
  }

  private async compileErrors(tenant: Tenant, stored: StoredMappingSet): Promise<LocatedIssue[]> {
    return (await this.misfitsUnderActiveSchema(tenant, stored)).issues.map(locate);
  }

  /** What a dry run compiles: a stored version or an unsaved definition, under the active schema (the one it would run under). */
  private async sourceInput(tx: Tx, tenant: Tenant, connection: Connection, source: MappingSource): Promise<CompileInput & { readonly mappingVersion: number }> {
    const schema = await this.mapping.activeDefinition(tx, tenant.id);
    const optionLists = await this.mapping.loadOptionLists(tx, tenant.id, schema.optionLists);
    if ('version' in source) {
      const stored = await this.requireVersion(tx, tenant, connection, source.version);
      return { definition: stored.definition as unknown as MappingSetDefinition, schema: schema.schema, optionLists, mappingVersion: stored.version };
    }
    return { definition: source.definition, schema: schema.schema, optionLists, mappingVersion: await this.mappings.nextMappingVersion(tx, tenant.id, connection.id) };
  }

  /**
   * Points the connection at `version` under the connection row's lock. Only a validated version (or, for
   * a rollback, one that was active before) can become active: a draft must pass validation first.
   */
  private async swapActive(tenant: Tenant, connection: Connection, version: number, who: AuditContext, action: 'mapping.activate' | 'mapping.rollback'): Promise<void> {
    const checked = await this.misfitsUnderActiveSchema(tenant, await this.database.read((tx) => this.requireVersion(tx, tenant, connection, version)));
    await this.database.transaction(async (tx) => {
      const previous = await this.mappings.lockActiveMappingVersion(tx, tenant.id, connection.id);
      const stored = await this.requireVersion(tx, tenant, connection, version);
      if (previous === version) return;
      if (stored.state === 'draft') throw new DomainError('PRECONDITION_FAILED', `version ${version} has not passed validation: validate it first`);
      if (action === 'mapping.rollback' && stored.state !== 'superseded') throw new DomainError('PRECONDITION_FAILED', `version ${version} was never active: activate it instead of rolling back to it`);
      const schema = await this.mapping.activeDefinition(tx, tenant.id);
      // Compiled off the event loop above; only under a schema activated since is it compiled again here.
      const misfits = schema.version === checked.schemaVersion ? checked.issues : await this.mapping.misfits(tx, tenant.id, stored.definition as unknown as MappingSetDefinition, schema);
      if (misfits.length > 0) throw new DomainError('INVALID_INPUT', `version ${version} does not fit the active domain schema (version ${schema.version}): ${describeIssues(misfits)}`);
      await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, version, { state: 'active', activatedAt: Date.now() });
      if (previous !== null) await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, previous, { state: 'superseded' });
      await this.mappings.setActiveMappingVersion(tx, tenant.id, connection.id, version);
      await this.changes.mappingActivated(tx, tenant.id, { connectionId: connection.id, version, previousVersion: previous, rollback: action === 'mapping.rollback' });
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action, target: { type: 'connection', id: connection.id }, before: { activeMappingVersion: previous }, after: { activeMappingVersion: version } });
    });
  }
}
