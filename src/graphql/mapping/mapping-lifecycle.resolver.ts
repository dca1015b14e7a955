import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { UserRequestSequence } from '../../domain/mapping/dialect-samples';
import type { MappingSetDefinition } from '../../domain/mapping/mapping-set';
import type { Connection, Tenant } from '../../domain/tenants/tenant';
import { parseMappingFile, renderMappingFile } from '../../services/mapping-file';
import type { ImpactReport as ImpactReportValue } from '../../services/mapping-jobs.service';
import type { LocatedIssue, MappingJobView, MappingSource, MappingVersionSummary, PreviewReport as PreviewReportValue, SchemaVersionSummary } from '../../services/mapping-lifecycle.service';
import type { SchemaVersionDefinition } from '../../services/mapping.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { DraftDomainSchemaInput, DraftMappingSetInput, type MappingSetDefinitionInput, PreviewMappingInput } from './mapping-lifecycle.input';
import {
  DomainSchemaVersion,
  ImpactReport,
  MappingIssue,
  MappingJob,
  MappingJobKindName,
  MappingJobStateName,
  MappingSetVersion,
  PreviewReport,
  UserIdPage,
  ValidateDomainSchemaPayload,
  ValidateMappingSetPayload,
  ValueExplanation,
  VersionStateName,
} from './mapping-lifecycle.type';

const USER_ID_PAGE_DEFAULT = 100;

function toIssue(issue: LocatedIssue): MappingIssue {
  return { path: issue.path, line: issue.line ?? null, column: issue.column ?? null, message: issue.message };
}

function toMappingSet(summary: MappingVersionSummary): MappingSetVersion {
  const validation = summary.report?.validation as { errors?: LocatedIssue[] } | undefined;
  return {
    version: summary.version,
    state: summary.state as VersionStateName,
    schemaVersion: summary.schemaVersion,
    author: summary.author,
    comment: summary.comment,
    createdAt: summary.createdAt,
    validatedAt: summary.validatedAt,
    activatedAt: summary.activatedAt,
    validationErrors: (validation?.errors ?? []).map(toIssue),
    definition: summary.definition,
    yaml: renderMappingFile(summary.definition),
  };
}

function toImpact(report: ImpactReportValue): ImpactReport {
  const counts = (bucket: Record<string, { count: number; sampleUserIds: string[] }>) => Object.entries(bucket).map(([key, entry]) => ({ key, count: entry.count, sampleUserIds: entry.sampleUserIds }));
  return {
    usersEvaluated: report.usersEvaluated,
    unchanged: report.unchanged,
    changes: Object.entries(report.changedFields).flatMap(([field, transitions]) => Object.entries(transitions).map(([transition, entry]) => ({ field, transition, count: entry.count, sampleUserIds: entry.sampleUserIds }))),
    failingValidation: report.failingValidation.count,
    failingSampleUserIds: report.failingValidation.sampleUserIds,
    failureMessages: Object.entries(report.failingValidation.messages).map(([key, count]) => ({ key, count, sampleUserIds: [] })),
    optionsToAdd: counts(report.optionsToAdd),
  };
}

function toJob(job: MappingJobView): MappingJob {
  return {
    id: job.id,
    kind: job.kind as MappingJobKindName,
    state: job.state as MappingJobStateName,
    mappingVersion: job.mappingVersion,
    author: job.author,
    total: job.total,
    processed: job.processed,
    failed: job.failed,
    error: job.error,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    impact: job.impact && toImpact(job.impact),
    reapply: job.reapply,
  };
}

function toPreview(report: PreviewReportValue): PreviewReport {
  return {
    notes: [...report.notes],
    results: report.results.map((result) => ({
      label: result.label ?? null,
      error: result.error ?? null,
      notes: [...(result.notes ?? [])],
      steps: result.steps.map((step) => ({
        values: step.values,
        trace: step.trace,
        errors: step.errors.map((error) => ({ field: error.field, ruleId: error.ruleId, message: error.message })),
        optionAdditions: step.optionAdditions.map((addition) => ({ list: addition.list, value: addition.value, ruleId: addition.ruleId })),
      })),
    })),
  };
}

function toSchemaVersion(summary: SchemaVersionSummary): DomainSchemaVersion {
  return { version: summary.version, state: summary.state as VersionStateName, author: summary.author, comment: summary.comment, createdAt: summary.createdAt, definition: summary.definition };
}

/** A YAML file or its JSON equivalent, read by the mapping-file parser (JSON is YAML): shape errors come back located. */
function definitionOf(input: MappingSetDefinitionInput): MappingSetDefinition | undefined {
  const given = [input.yaml, input.definition].filter((value) => value !== null && value !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new DomainError('INVALID_INPUT', 'give the mapping set as yaml or as definition, not both');
  const parsed = parseMappingFile(typeof input.yaml === 'string' ? input.yaml : JSON.stringify(input.definition));
  if (!parsed.definition || parsed.errors.length > 0) {
    throw new DomainError('INVALID_INPUT', `the mapping set is not well-formed: ${parsed.errors.map((issue) => `line ${issue.line}, column ${issue.column}: ${issue.message}`).join('; ')}`);
  }
  return parsed.definition;
}

/** The connection's mapping sets and the tenant's domain schema versions: their whole lifecycle (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class MappingLifecycleResolver {
  private async scope(context: GraphqlContext): Promise<{ tenant: Tenant; connection: Connection }> {
    const tenant = context.principal.tenant;
    return { tenant, connection: await context.services.mappingLifecycle.connectionOf(tenant) };
  }

  private async mappingSetOf(context: GraphqlContext, version: number | undefined): Promise<MappingSetVersion | null> {
    const { tenant, connection } = await this.scope(context);
    const versions = await context.services.mappingLifecycle.listVersions(tenant, connection);
    const summary = version === undefined ? versions.find((listed) => listed.state === 'active') : versions.find((listed) => listed.version === version);
    return summary ? toMappingSet(summary) : null;
  }

  private async requireMappingSet(context: GraphqlContext, version: number): Promise<MappingSetVersion> {
    const found = await this.mappingSetOf(context, version);
    if (!found) throw new DomainError('NOT_FOUND', `mapping version ${version} does not exist`);
    return found;
  }

  @Query(() => [MappingSetVersion], { description: "Every version of the connection's mapping set, oldest first (admin)." })
  async mappingSets(@Ctx() context: GraphqlContext): Promise<MappingSetVersion[]> {
    const { tenant, connection } = await this.scope(context);
    return (await context.services.mappingLifecycle.listVersions(tenant, connection)).map(toMappingSet);
  }

  @Query(() => MappingSetVersion, { nullable: true, description: 'One version; without `version`, the active one (admin).' })
  mappingSet(@Arg('version', () => Int, { nullable: true }) version: number | null, @Ctx() context: GraphqlContext): Promise<MappingSetVersion | null> {
    return this.mappingSetOf(context, version ?? undefined);
  }

  @Mutation(() => MappingSetVersion, { description: 'Stores a mapping set (YAML or structured) as the next version, a draft (admin).' })
  async draftMappingSet(@Arg('input', () => DraftMappingSetInput) input: DraftMappingSetInput, @Ctx() context: GraphqlContext): Promise<MappingSetVersion> {
    const definition = definitionOf(input);
    if (!definition) throw new DomainError('INVALID_INPUT', 'give the mapping set as yaml or as definition');
    const { tenant, connection } = await this.scope(context);
    const version = await context.services.mappingLifecycle.createDraft(tenant, connection, definition, auditContextOf(context), input.comment ?? undefined);
    return this.requireMappingSet(context, version);
  }

  @Mutation(() => ValidateMappingSetPayload, { description: 'Compiles a draft; a clean one becomes VALIDATED, errors are located and kept on the version (admin).' })
  async validateMappingSet(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<ValidateMappingSetPayload> {
    const { tenant, connection } = await this.scope(context);
    const outcome = await context.services.mappingLifecycle.validate(tenant, connection, version, auditContextOf(context));
    return { ok: outcome.ok, errors: outcome.ok ? [] : outcome.errors.map(toIssue), mappingSet: await this.requireMappingSet(context, version) };
  }

  @Query(() => PreviewReport, { description: 'A dry run of a mapping over pasted requests, the dialect samples or the last requests received; stores nothing (admin).' })
  async previewMapping(@Arg('input', () => PreviewMappingInput) input: PreviewMappingInput, @Ctx() context: GraphqlContext): Promise<PreviewReport> {
    const { tenant, connection } = await this.scope(context);
    const lifecycle = context.services.mappingLifecycle;
    const unsaved = definitionOf(input);
    if (unsaved && input.version !== null && input.version !== undefined) throw new DomainError('INVALID_INPUT', 'give a version or an unsaved mapping set, not both');
    const source: MappingSource = unsaved ? { definition: unsaved } : { version: input.version ?? (await lifecycle.definitionOf(tenant, connection)).version };
    const chosen = [input.payloads, input.dialectSamples || null, input.recentRequests].filter((value) => value !== null && value !== undefined);
    if (chosen.length !== 1) throw new DomainError('INVALID_INPUT', 'give exactly one of payloads, dialectSamples or recentRequests');
    if (input.payloads) {
      const sequences: UserRequestSequence[] = input.payloads.map((payload, index) => ({ label: payload.label ?? `payload ${index + 1}`, requests: payload.requests.map((request) => ({ method: request.method, body: request.body })) }));
      return toPreview(await lifecycle.previewRequests(tenant, connection, source, sequences));
    }
    if (input.dialectSamples) return toPreview(await lifecycle.previewDialectSamples(tenant, connection, source));
    return toPreview(await lifecycle.previewRecentRequests(tenant, connection, source, input.recentRequests!));
  }

  @Mutation(() => MappingJob, { description: 'Queues an impact diff of a version against every stored user; poll mappingJob(id) (admin).' })
  async startImpactAnalysis(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<MappingJob> {
    const { tenant, connection } = await this.scope(context);
    return toJob(await context.services.mappingLifecycle.startImpactAnalysis(tenant, connection, version, auditContextOf(context)));
  }

  @Mutation(() => MappingSetVersion, { description: 'Makes a VALIDATED version the active one (atomic pointer swap); refuses a draft with PRECONDITION_FAILED. Stored values follow on the next write or a re-apply (admin).' })
  async activateMappingSet(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<MappingSetVersion> {
    const { tenant, connection } = await this.scope(context);
    await context.services.mappingLifecycle.activate(tenant, connection, version, auditContextOf(context));
    return this.requireMappingSet(context, version);
  }

  @Mutation(() => MappingSetVersion, { description: 'Makes an earlier (SUPERSEDED) version active again; preview it first with startImpactAnalysis (admin).' })
  async rollbackMappingSet(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<MappingSetVersion> {
    const { tenant, connection } = await this.scope(context);
    await context.services.mappingLifecycle.rollback(tenant, connection, version, auditContextOf(context));
    return this.requireMappingSet(context, version);
  }

  @Mutation(() => MappingJob, { description: "Queues a re-apply of the active version to every stored user (one at a time per connection; CONFLICT otherwise) (admin)." })
  async startReapply(@Ctx() context: GraphqlContext): Promise<MappingJob> {
    const { tenant, connection } = await this.scope(context);
    return toJob(await context.services.mappingLifecycle.startReapply(tenant, connection, auditContextOf(context)));
  }

  @Query(() => MappingJob, { nullable: true, description: 'An impact diff or re-apply with its progress, from any node (admin).' })
  async mappingJob(@Arg('id', () => ID) id: string, @Ctx() context: GraphqlContext): Promise<MappingJob | null> {
    const job = await context.services.mappingLifecycle.job(context.tenantId, id);
    return job ? toJob(job) : null;
  }

  @Query(() => [MappingJob], { description: "The connection's latest jobs, newest first (admin)." })
  async mappingJobs(@Ctx() context: GraphqlContext): Promise<MappingJob[]> {
    const { tenant, connection } = await this.scope(context);
    return (await context.services.mappingLifecycle.listJobs(tenant, connection)).map(toJob);
  }

  @Query(() => ValueExplanation, { description: "A user's stored value of a field: the rule and version that produced it, the source path and raw value (admin)." })
  async explainValue(@Arg('userId', () => ID) userId: string, @Arg('field') field: string, @Ctx() context: GraphqlContext): Promise<ValueExplanation> {
    const explained = await context.services.mappingLifecycle.explain(context.tenantId, userId, field);
    return { userId: explained.userId, field: explained.field, values: explained.values.map((value) => ({ ...value })) };
  }

  @Query(() => UserIdPage, { description: 'Users holding at least one value that mapping version `version` produced, in id order (admin).' })
  async usersFromMappingVersion(
    @Arg('version', () => Int) version: number,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => ID, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<UserIdPage> {
    const limit = first ?? USER_ID_PAGE_DEFAULT;
    const userIds = await context.services.mappingLifecycle.usersFromVersion(context.tenantId, version, { afterUserId: after ?? undefined, limit: limit + 1 });
    const page = userIds.slice(0, limit);
    return { userIds: page, endCursor: userIds.length > limit ? page.at(-1)! : null };
  }

  @Query(() => [DomainSchemaVersion], { description: "Every version of the tenant's domain schema, oldest first (admin)." })
  async domainSchemaVersions(@Ctx() context: GraphqlContext): Promise<DomainSchemaVersion[]> {
    return (await context.services.mappingLifecycle.schemaVersions(context.principal.tenant)).map(toSchemaVersion);
  }

  @Mutation(() => DomainSchemaVersion, { description: 'Stores a domain schema as the next version, a draft (admin).' })
  async draftDomainSchema(@Arg('input', () => DraftDomainSchemaInput) input: DraftDomainSchemaInput, @Ctx() context: GraphqlContext): Promise<DomainSchemaVersion> {
    const lifecycle = context.services.mappingLifecycle;
    const version = await lifecycle.draftDomainSchema(context.principal.tenant, input.definition as SchemaVersionDefinition, auditContextOf(context), input.comment ?? undefined);
    return this.requireSchemaVersion(context, version);
  }

  @Mutation(() => ValidateDomainSchemaPayload, { description: 'Checks a draft schema; a clean one becomes VALIDATED (admin).' })
  async validateDomainSchema(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<ValidateDomainSchemaPayload> {
    const outcome = await context.services.mappingLifecycle.validateDomainSchema(context.principal.tenant, version, auditContextOf(context));
    return { ok: outcome.ok, errors: outcome.errors.map(toIssue), domainSchema: await this.requireSchemaVersion(context, version) };
  }

  @Mutation(() => DomainSchemaVersion, { description: 'Makes a VALIDATED (or earlier active) schema version the active one; refuses a draft with PRECONDITION_FAILED (admin).' })
  async activateDomainSchema(@Arg('version', () => Int) version: number, @Ctx() context: GraphqlContext): Promise<DomainSchemaVersion> {
    await context.services.mappingLifecycle.activateDomainSchema(context.principal.tenant, version, auditContextOf(context));
    return this.requireSchemaVersion(context, version);
  }

  private async requireSchemaVersion(context: GraphqlContext, version: number): Promise<DomainSchemaVersion> {
    const found = (await context.services.mappingLifecycle.schemaVersions(context.principal.tenant)).find((listed) => listed.version === version);
    if (!found) throw new DomainError('NOT_FOUND', `domain schema version ${version} does not exist`);
    return toSchemaVersion(found);
  }
}
