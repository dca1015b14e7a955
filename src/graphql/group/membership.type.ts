import { DateTimeResolver } from 'graphql-scalars';
import { createUnionType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../connection';
import { User } from '../user/user.type';
import { Group } from './group.type';

export enum MembershipSource {
  IDP = 'idp',
  MANUAL = 'manual',
  RULE = 'rule',
}

registerEnumType(MembershipSource, {
  name: 'MembershipSource',
  description: 'Where a membership came from: IDP pushed over SCIM, MANUAL added by an admin, RULE granted by a mapping assignment rule.',
});

export enum MemberKind {
  USER = 'User',
  GROUP = 'Group',
}

registerEnumType(MemberKind, { name: 'MemberKind', description: 'USER, or GROUP for a nested group (whose members do not cascade).' });

/** Resolved from the profile read for the member: users have a userName, groups a displayName. */
export const GroupMemberNode = createUnionType({
  name: 'GroupMemberNode',
  description: 'A direct member of a group: a user, or a nested group.',
  types: () => [User, Group] as const,
  resolveType: (value) => ('userName' in value ? User : Group),
});

/** Resolvers return the repository's Membership (id: the member id); group and member are field resolvers. */
@ObjectType({ description: 'One direct membership of a group, with where it came from.' })
export class GroupMembership {
  @Field(() => ID, { description: "The member's id (a user's or a group's)." })
  memberId!: string;

  @Field(() => MemberKind)
  memberType!: MemberKind;

  @Field(() => MembershipSource)
  source!: MembershipSource;

  @Field(() => DateTimeResolver, { description: 'When the membership was made.' })
  addedAt!: number;
}

@ObjectType()
export class GroupMembershipEdge {
  @Field()
  cursor!: string;

  @Field(() => GroupMembership)
  node!: GroupMembership;
}

@ObjectType({ description: 'A page of memberships (Relay connection).' })
export class GroupMembershipConnection {
  @Field(() => Int, { description: 'How many memberships the whole list holds.' })
  totalCount!: number;

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => [GroupMembershipEdge])
  edges!: GroupMembershipEdge[];

  @Field(() => [GroupMembership])
  nodes!: GroupMembership[];
}

@InputType({ description: 'Conditions that must all hold; none: every direct membership.' })
export class MembershipFilter {
  @Field(() => MemberKind, { nullable: true, description: 'USER: direct users only; GROUP: nested groups only.' })
  memberType?: MemberKind | null;

  @Field(() => MembershipSource, { nullable: true })
  source?: MembershipSource | null;
}

@InputType()
export class RemoveManualMembershipsInput {
  @Field(() => ID, { nullable: true, description: 'Only this group; omitted: every group of the tenant.' })
  groupId?: string | null;
}

@ObjectType()
export class RemoveManualMembershipsPayload {
  @Field(() => Int, { description: 'Manual memberships removed by this call (at most 10,000).' })
  removed!: number;

  @Field(() => Int, { description: 'Manual memberships left (call again while more than 0).' })
  remaining!: number;
}
