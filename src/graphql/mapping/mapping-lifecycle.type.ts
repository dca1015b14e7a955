import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** The wire names of the version states (persistence VersionState); values are the stored ones. */
export enum VersionStateName {
  DRAFT = 'draft',
  VALIDATED = 'validated',
  ACTIVE = 'active',
  SUPERSEDED = 'superseded',
}

export enum MappingJobKindName {
  IMPACT = 'impact',
  REAPPLY = 'reapply',
}

export enum MappingJobStateName {
  QUEUED = 'queued',
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  SUPERSEDED = 'superseded',
}

registerEnumType(VersionStateName, { name: 'VersionState', description: 'draft -> validated -> active -> superseded; exactly one version is active.' });
registerEnumType(MappingJobKindName, { name: 'MappingJobKind', description: 'IMPACT: diff of a version against every stored user; REAPPLY: recompute every user with the active version.' });
registerEnumType(MappingJobStateName, { name: 'MappingJobState', description: 'SUPERSEDED: a re-apply stopped because another version became active.' });

@ObjectType({ description: 'A problem in a mapping set or domain schema: where (definition path, and line and column inside an expression or YAML file) and what.' })
export class MappingIssue {
  @Field()
  path!: string;

  @Field(() => Int, { nullable: true })
  line!: number | null;

  @Field(() => Int, { nullable: true })
  column!: number | null;

  @Field()
  message!: string;
}

@ObjectType({ description: "One immutable version of the connection's mapping set." })
export class MappingSetVersion {
  @Field(() => Int)
  version!: number;

  @Field(() => VersionStateName)
  state!: VersionStateName;

  @Field(() => Int, { description: 'The domain schema version it compiles against.' })
  schemaVersion!: number;

  @Field({ description: 'type:id of who created it.' })
  author!: string;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver, { nullable: true })
  validatedAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true })
  activatedAt!: number | null;

  @Field(() => [MappingIssue], { description: 'Errors of the last validation; empty when it passed or never ran.' })
  validationErrors!: MappingIssue[];

  @Field(() => JSONResolver, { description: 'The definition (rules, dialect) as stored.' })
  definition!: unknown;

  @Field({ description: 'The definition as a YAML mapping file (the CLI imports and exports the same).' })
  yaml!: string;
}

@ObjectType()
export class ValidationResult {
  @Field()
  ok!: boolean;

  @Field(() => [MappingIssue])
  errors!: MappingIssue[];
}

@ObjectType()
export class ValidateMappingSetPayload extends ValidationResult {
  @Field(() => MappingSetVersion)
  mappingSet!: MappingSetVersion;
}

@ObjectType({ description: 'A value a rule could not produce, or that failed its field validation.' })
export class PreviewMappingError {
  @Field()
  field!: string;

  @Field(() => String, { nullable: true })
  ruleId!: string | null;

  @Field()
  message!: string;
}

@ObjectType({ description: 'An option value the mapping would add to a list.' })
export class PreviewOptionAddition {
  @Field()
  list!: string;

  @Field()
  value!: string;

  @Field(() => String, { nullable: true })
  ruleId!: string | null;
}

@ObjectType({ description: 'What the mapping makes of the user after one request.' })
export class PreviewStep {
  @Field(() => JSONResolver, { description: 'field -> domain value.' })
  values!: unknown;

  @Field(() => [PreviewMappingError])
  errors!: PreviewMappingError[];

  @Field(() => [PreviewOptionAddition])
  optionAdditions!: PreviewOptionAddition[];

  @Field(() => JSONResolver, { description: 'field -> steps (rule, step, intermediate value).' })
  trace!: unknown;
}

@ObjectType({ description: 'One payload (a sequence of requests about one user) and what the mapping makes of it.' })
export class PreviewResult {
  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => [PreviewStep], { description: 'One per request that could be replayed.' })
  steps!: PreviewStep[];

  @Field(() => String, { nullable: true, description: 'Why a request could not be replayed (the steps stop before it).' })
  error!: string | null;

  @Field(() => [String])
  notes!: string[];
}

@ObjectType({ description: 'A dry run: nothing is stored.' })
export class PreviewReport {
  @Field(() => [PreviewResult])
  results!: PreviewResult[];

  @Field(() => [String], { description: 'Where the payloads came from and what was missing (e.g. request bodies not kept).' })
  notes!: string[];
}

@ObjectType()
export class ImpactChange {
  @Field()
  field!: string;

  @Field({ description: '"before -> after", e.g. "Contributor -> Manager"; "(other changes)" past the first 50 of a field.' })
  transition!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => [ID])
  sampleUserIds!: string[];
}

@ObjectType()
export class ImpactCount {
  @Field()
  key!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => [ID])
  sampleUserIds!: string[];
}

@ObjectType({ description: 'What a version would change over the stored users.' })
export class ImpactReport {
  @Field(() => Int)
  usersEvaluated!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => [ImpactChange])
  changes!: ImpactChange[];

  @Field(() => Int)
  failingValidation!: number;

  @Field(() => [ID])
  failingSampleUserIds!: string[];

  @Field(() => [ImpactCount], { description: 'Validation messages (key) with how many users hit each.' })
  failureMessages!: ImpactCount[];

  @Field(() => [ImpactCount], { description: '"list: value" (key) with the users that would add it.' })
  optionsToAdd!: ImpactCount[];
}

@ObjectType()
export class ReapplyReport {
  @Field(() => Int, { description: 'Users whose stored values changed.' })
  written!: number;

  @Field(() => [ID])
  failedSampleUserIds!: string[];
}

@ObjectType({ description: 'An impact diff or re-apply in the job registry; any node may run it, and its progress is readable from any node.' })
export class MappingJob {
  @Field(() => ID)
  id!: string;

  @Field(() => MappingJobKindName)
  kind!: MappingJobKindName;

  @Field(() => MappingJobStateName)
  state!: MappingJobStateName;

  @Field(() => Int)
  mappingVersion!: number;

  @Field()
  author!: string;

  @Field(() => Int, { description: 'Users of the tenant when the job was queued.' })
  total!: number;

  @Field(() => Int)
  processed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Int, { description: 'Times a node claimed it (more than one after a node stopped or died).' })
  attempts!: number;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => DateTimeResolver, { nullable: true })
  startedAt!: number | null;

  @Field(() => DateTimeResolver, { nullable: true })
  finishedAt!: number | null;

  @Field(() => ImpactReport, { nullable: true, description: 'IMPACT jobs: the report so far (complete once SUCCEEDED).' })
  impact!: ImpactReport | null;

  @Field(() => ReapplyReport, { nullable: true })
  reapply!: ReapplyReport | null;
}

@ObjectType({ description: 'One stored value of a field with where it came from.' })
export class ExplainedValue {
  @Field(() => JSONResolver)
  value!: unknown;

  @Field(() => String, { nullable: true })
  ruleId!: string | null;

  @Field(() => Int, { nullable: true })
  mappingVersion!: number | null;

  @Field(() => String, { nullable: true })
  sourcePath!: string | null;

  @Field(() => JSONResolver, { nullable: true })
  rawValue!: unknown;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}

@ObjectType()
export class ValueExplanation {
  @Field(() => ID)
  userId!: string;

  @Field()
  field!: string;

  @Field(() => [ExplainedValue], { description: 'One per value (several for multi-valued fields); empty when the user has none.' })
  values!: ExplainedValue[];
}

@ObjectType({ description: 'A page of user ids, in id order.' })
export class UserIdPage {
  @Field(() => [ID])
  userIds!: string[];

  @Field(() => ID, { nullable: true, description: 'Pass as `after` for the next page; null on the last.' })
  endCursor!: string | null;
}

@ObjectType({ description: "One immutable version of the tenant's domain schema." })
export class DomainSchemaVersion {
  @Field(() => Int)
  version!: number;

  @Field(() => VersionStateName)
  state!: VersionStateName;

  @Field()
  author!: string;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => DateTimeResolver)
  createdAt!: number;

  @Field(() => JSONResolver, { description: '{ schema: { customSchemaUrn, fields }, optionLists }.' })
  definition!: unknown;
}

@ObjectType()
export class ValidateDomainSchemaPayload extends ValidationResult {
  @Field(() => DomainSchemaVersion)
  domainSchema!: DomainSchemaVersion;
}
