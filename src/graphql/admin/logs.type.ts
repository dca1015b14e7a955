import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection';

@ObjectType({ description: 'Who made a change: connection (SCIM), apiKey or user (GraphQL), system.' })
export class AuditActor {
  @Field()
  type!: string;

  @Field()
  id!: string;
}

@ObjectType({ description: 'What a change was made to.' })
export class AuditTarget {
  @Field()
  type!: string;

  @Field(() => String, { nullable: true })
  id!: string | null;
}

/** Resolvers return the domain AuditEvent as it is. */
@ObjectType({ description: 'One change in the append-only audit trail.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeResolver)
  at!: number;

  @Field(() => AuditActor)
  actor!: AuditActor;

  @Field({ description: 'e.g. api_key.created, tenant.settings_updated.' })
  action!: string;

  @Field(() => AuditTarget)
  target!: AuditTarget;

  @Field(() => JSONResolver, { nullable: true, description: 'The fields that changed: { before, after, details }; never secrets.' })
  diff!: unknown;

  @Field(() => String, { nullable: true })
  requestId!: string | null;
}

@ObjectType()
export class AuditEventEdge {
  @Field()
  cursor!: string;

  @Field(() => AuditEvent)
  node!: AuditEvent;
}

@ObjectType({ description: 'A page of audit events, newest first.' })
export class AuditEventConnection {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [AuditEventEdge])
  edges!: AuditEventEdge[];

  @Field(() => [AuditEvent])
  nodes!: AuditEvent[];
}

@InputType({ description: 'Conditions that must all hold.' })
export class AuditFilter {
  @Field(() => String, { nullable: true, description: 'The acting API key id, user subject or connection id.' })
  actorId?: string | null;

  @Field(() => String, { nullable: true, description: 'The id of the changed object.' })
  targetId?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}

/** Resolvers return the repository's ProvisioningLogEntry as it is. */
@ObjectType({ description: 'One SCIM request of the IdP, as the hub answered it.' })
export class ProvisioningLogEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeResolver)
  at!: number;

  @Field(() => String, { nullable: true })
  connectionId!: string | null;

  @Field()
  method!: string;

  @Field({ description: 'Below the SCIM base, filter values redacted.' })
  path!: string;

  @Field(() => Int)
  status!: number;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true })
  errorDetail!: string | null;

  @Field(() => String, { nullable: true })
  scimType!: string | null;

  @Field(() => String, { nullable: true })
  resourceType!: string | null;

  @Field(() => String, { nullable: true })
  resourceId!: string | null;

  @Field(() => JSONResolver, { nullable: true, description: 'The redacted request body, when the tenant keeps bodies.' })
  body!: unknown;

  @Field()
  requestId!: string;
}

@ObjectType()
export class ProvisioningLogEdge {
  @Field()
  cursor!: string;

  @Field(() => ProvisioningLogEntry)
  node!: ProvisioningLogEntry;
}

@ObjectType({ description: 'A page of the provisioning log, newest first.' })
export class ProvisioningLogConnection {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [ProvisioningLogEdge])
  edges!: ProvisioningLogEdge[];

  @Field(() => [ProvisioningLogEntry])
  nodes!: ProvisioningLogEntry[];
}

@InputType({ description: 'Conditions that must all hold.' })
export class ProvisioningLogFilter {
  @Field(() => Boolean, { nullable: true, description: 'true: only requests answered with 400 or above; false: only the others.' })
  failed?: boolean | null;

  @Field(() => Int, { nullable: true })
  status?: number | null;

  @Field(() => String, { nullable: true })
  method?: string | null;

  @Field(() => String, { nullable: true, description: 'User or Group.' })
  resourceType?: string | null;

  @Field(() => String, { nullable: true })
  resourceId?: string | null;

  @Field(() => String, { nullable: true })
  requestId?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}
