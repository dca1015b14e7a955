import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { GroupProfile } from '../../persistence/repositories/group-profile.repository';
import type { Membership } from '../../persistence/repositories/membership.repository';
import type { UserProfile } from '../../persistence/repositories/user-profile.repository';
import { UpdateTenantSettingsPayload } from '../admin/tenant-admin.payload';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toConnection, type Connection } from '../connection';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { Group } from './group.type';
import { GroupMemberNode, GroupMembership, GroupMembershipConnection, RemoveManualMembershipsInput, RemoveManualMembershipsPayload } from './membership.type';

/** The tenant's manual memberships: what an admin reviews and removes before groups are left to the IdP alone. */
async function manualMembershipsOf(context: GraphqlContext, first: number | null, after: string | null): Promise<Connection<Membership>> {
  const page = pageRequest('manualMemberships', first, after);
  const { directory } = context.services;
  return toConnection('manualMemberships', page, await directory.membershipsBySource(context.tenantId, 'manual', page), () => directory.countMembershipsBySource(context.tenantId, 'manual'));
}

@Resolver(() => GroupMembership)
@Authorized<Scope>(Scope.READ)
export class GroupMembershipFieldsResolver {
  @FieldResolver(() => Group)
  async group(@Root() membership: Membership, @Ctx() context: GraphqlContext): Promise<GroupProfile> {
    const group = await context.loaders.groupById.load(membership.groupId);
    if (!group) throw new DomainError('NOT_FOUND', `Group ${membership.groupId} not found`);
    return group;
  }

  @FieldResolver(() => GroupMemberNode, { nullable: true, description: 'The user or nested group; null only if it was removed since the page was read.' })
  member(@Root() membership: Membership, @Ctx() context: GraphqlContext): Promise<UserProfile | GroupProfile | null> {
    return membership.memberType === 'User' ? context.loaders.userById.load(membership.id) : context.loaders.groupById.load(membership.id);
  }

  @FieldResolver(() => ID)
  memberId(@Root() membership: Membership): string {
    return membership.id;
  }
}

@Resolver(() => GroupMembershipConnection)
export class GroupMembershipConnectionResolver {
  @FieldResolver(() => Int)
  totalCount(@Root() connection: Connection<unknown>): Promise<number> {
    return connection.countTotal();
  }
}

/** Turning restrictGroupsToIdp on answers with the manual memberships it leaves behind. */
@Resolver(() => UpdateTenantSettingsPayload)
@Authorized<Scope>(Scope.ADMIN)
export class UpdateTenantSettingsPayloadResolver {
  @FieldResolver(() => GroupMembershipConnection, { complexity: connectionComplexity, description: 'Memberships made by hand: remove them with removeManualMemberships before leaving groups to the IdP alone.' })
  manualMemberships(
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<Membership>> {
    return manualMembershipsOf(context, first, after);
  }
}

@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class ManualMembershipResolver {
  @Query(() => GroupMembershipConnection, { complexity: connectionComplexity, description: "Memberships admins made by hand, by group then member (admin)." })
  manualMemberships(
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<Membership>> {
    return manualMembershipsOf(context, first, after);
  }

  @Mutation(() => RemoveManualMembershipsPayload, {
    description: 'Removes the memberships made by hand (of one group, or all), at most 10,000 per call; allowed while groups are restricted to the IdP (admin).',
  })
  async removeManualMemberships(
    @Arg('input', () => RemoveManualMembershipsInput, { nullable: true }) input: RemoveManualMembershipsInput | null,
    @Ctx() context: GraphqlContext,
  ): Promise<{ removed: number; remaining: number }> {
    return context.services.manualEdits.removeManualMemberships({ tenant: context.principal.tenant, context: auditContextOf(context) }, input?.groupId ?? undefined);
  }
}
