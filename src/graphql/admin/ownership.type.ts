import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../connection';

/** Resolvers return the repository's Ownership as it is. */
@ObjectType({ description: "Who owns one of an app's resources; when the IdP deprovisions the owner, it passes to the default substitute." })
export class Ownership {
  @Field({ description: "The app's own kind of resource: contract, folder, crm:account ..." })
  resourceType!: string;

  @Field()
  resourceId!: string;

  @Field(() => ID, { nullable: true, description: 'null while the resource is orphaned.' })
  ownerUserId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The owner it was transferred or orphaned from.' })
  previousOwnerUserId!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  orphanedAt!: number | null;

  @Field({ description: 'The credential that registered it, as type:id.' })
  registeredBy!: string;

  @Field(() => DateTimeResolver)
  updatedAt!: number;
}

@ObjectType()
export class OwnershipEdge {
  @Field()
  cursor!: string;

  @Field(() => Ownership)
  node!: Ownership;
}

@ObjectType({ description: 'A page of ownerships, by resource type and id.' })
export class OwnershipConnection {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [OwnershipEdge])
  edges!: OwnershipEdge[];

  @Field(() => [Ownership])
  nodes!: Ownership[];
}

@InputType()
export class RegisterOwnershipInput {
  @Field({ description: '1-100 letters, digits and _ . : -' })
  resourceType!: string;

  @Field({ description: '1-200 characters.' })
  resourceId!: string;

  @Field(() => ID, { description: 'A user of the tenant (the SCIM id).' })
  ownerUserId!: string;
}

@InputType()
export class UnregisterOwnershipInput {
  @Field()
  resourceType!: string;

  @Field()
  resourceId!: string;
}

@InputType()
export class AssignOrphanedResourcesInput {
  @Field(() => ID, { description: 'An active user of the tenant.' })
  toUserId!: string;
}

@ObjectType()
export class RegisterOwnershipPayload {
  @Field(() => Ownership)
  ownership!: Ownership;
}

@ObjectType()
export class UnregisterOwnershipPayload {
  @Field({ description: 'False when the resource was not registered.' })
  removed!: boolean;
}

@ObjectType()
export class AssignOrphanedResourcesPayload {
  @Field(() => Int)
  assigned!: number;
}

/** Resolvers return the service's AdminWarning; absent fields are null. */
@ObjectType({ description: 'Something a tenant admin should act on.' })
export class AdminWarning {
  @Field({
    description:
      'DEFAULT_SUBSTITUTE_DEPROVISIONED (acknowledgeable), DEFAULT_SUBSTITUTE_UNAVAILABLE, ORPHANED_RESOURCES, SCIM_TOKEN_EXPIRING (within 14 days), SCIM_TOKEN_EXPIRED, WEBHOOK_CIRCUIT_OPEN (an endpoint kept failing; its deliveries wait for a probe), USER_NAME_LOOKALIKE (userNames that look alike, one in another script: a possible impersonation; at most 50 sets listed), GROUP_NAME_LOOKALIKE (group displayNames that look alike the same way; at most 50 sets listed).',
  })
  code!: string;

  @Field({ description: 'True when acknowledgeAdminWarning dismisses it; the others go when their cause is fixed.' })
  acknowledgeable!: boolean;

  @Field(() => ID, { nullable: true, description: 'The (former) default substitute.' })
  userId?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the IdP deprovisioned the substitute; when the webhook circuit opened.' })
  at?: number;

  @Field(() => String, { nullable: true, description: 'deleted or deactivated.' })
  reason?: string;

  @Field(() => Int, { nullable: true, description: 'Orphaned resources; consecutive failed attempts of the webhook endpoint.' })
  count?: number;

  @Field(() => JSONResolver, { nullable: true, description: 'Orphaned resources per resource type.' })
  byResourceType?: Record<string, number>;

  @Field(() => ID, { nullable: true })
  connectionId?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the SCIM token expires (or expired).' })
  expiresAt?: number;

  @Field(() => ID, { nullable: true, description: 'The webhook endpoint whose circuit is open.' })
  endpointId?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the open webhook circuit sends its next probe.' })
  nextProbeAt?: number;

  @Field(() => [ID], { nullable: true, description: 'The users whose userNames look alike (USER_NAME_LOOKALIKE).' })
  userIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Their userNames, as stored, in the order of userIds.' })
  userNames?: string[];

  @Field(() => [ID], { nullable: true, description: 'The groups whose displayNames look alike (GROUP_NAME_LOOKALIKE).' })
  groupIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Their displayNames, as stored, in the order of groupIds.' })
  displayNames?: string[];
}

@InputType()
export class AcknowledgeAdminWarningInput {
  @Field()
  code!: string;
}

@ObjectType()
export class AcknowledgeAdminWarningPayload {
  @Field({ description: 'False when the warning was no longer there.' })
  acknowledged!: boolean;

  @Field(() => [AdminWarning])
  warnings!: AdminWarning[];
}
