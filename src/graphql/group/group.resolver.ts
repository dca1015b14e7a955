import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GroupProfile } from '../../persistence/repositories/group-profile.repository';
import type { UserProfile } from '../../persistence/repositories/user-profile.repository';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toConnection, type Connection } from '../connection';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { UserConnection } from '../user/user-connection.type';
import { GroupConnection } from './group-connection.type';
import { toGroupFilter } from './group-criteria';
import { GroupFilter } from './group-filter.input';
import { Group } from './group.type';
import type { Membership } from '../../persistence/repositories/membership.repository';
import { GroupMembershipConnection, MembershipFilter } from './membership.type';

@Resolver(() => Group)
@Authorized<Scope>(Scope.READ)
export class GroupResolver {
  @Query(() => Group, { nullable: true, description: 'The group with this id (the SCIM id); null when the tenant has none.' })
  group(@Arg('id', () => ID) id: string, @Ctx() context: GraphqlContext): Promise<GroupProfile | null> {
    return context.loaders.groupById.load(id);
  }

  @Query(() => GroupConnection, { complexity: connectionComplexity, description: 'Groups of the tenant, by displayName.' })
  async groups(
    @Arg('filter', () => GroupFilter, { nullable: true }) filter: GroupFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<GroupProfile>> {
    const page = pageRequest('groups', first, after);
    const resolved = toGroupFilter(filter);
    const { directory } = context.services;
    const result = await directory.listGroups(context.tenantId, resolved, page);
    return toConnection('groups', page, result, () => directory.countGroups(context.tenantId, resolved));
  }

  @FieldResolver(() => Int, { description: 'How many users are direct members (the same count as members.totalCount).' })
  memberCount(@Root() group: GroupProfile, @Ctx() context: GraphqlContext): Promise<number> {
    return context.loaders.userCountOfGroup.load(group.id);
  }

  @FieldResolver(() => GroupMembershipConnection, {
    complexity: connectionComplexity,
    description: "Direct memberships, users and nested groups (a nested group's members do not cascade), each with its source; by member id.",
  })
  async memberships(
    @Root() group: GroupProfile,
    @Arg('filter', () => MembershipFilter, { nullable: true }) filter: MembershipFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<Membership>> {
    const page = pageRequest('memberships', first, after);
    const criteria = { memberType: filter?.memberType ?? undefined, source: filter?.source ?? undefined };
    const result = await context.loaders.membershipsOfGroup(criteria, page).load(group.id);
    return toConnection('memberships', page, result, () => context.loaders.membershipCountOfGroup(criteria).load(group.id));
  }

  @FieldResolver(() => UserConnection, { complexity: connectionComplexity, description: 'Users that are direct members, by id; nested groups are in memberships.' })
  async members(
    @Root() group: GroupProfile,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<Connection<UserProfile>> {
    const page = pageRequest('members', first, after);
    const result = await context.loaders.usersOfGroup(page).load(group.id);
    return toConnection('members', page, result, () => context.loaders.userCountOfGroup.load(group.id));
  }
}
