import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { MembershipChange, StoredGroup } from '../../domain/groups/group';
import { assertManualGroupEditAllowed } from '../../domain/tenants/tenant';
import type { GroupProfile } from '../../persistence/repositories/group-profile.repository';
import type { GroupChange } from '../../services/group.service';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { Group } from './group.type';

@InputType()
export class GroupMemberInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => ID)
  userId!: string;
}

@ObjectType()
export class GroupMembershipPayload {
  @Field(() => Group, { description: 'The group after the change.' })
  group!: Group;
}

/** The group as it is, with `membership` applied: a manual edit changes members only. */
function membershipOnly(membership: MembershipChange): (current: StoredGroup) => GroupChange {
  return (current) => ({
    write: { raw: current.raw, fields: { displayName: current.displayName, externalId: typeof current.raw.externalId === 'string' ? current.raw.externalId : null } },
    memberships: [membership],
  });
}

/**
 * Manual membership edits by a tenant admin (issue 7), through the same GroupService as SCIM (rule
 * remapping included), made as the tenant's default connection. Refused with GROUPS_MANAGED_BY_IDP
 * while the tenant restricts groups to its IdP; the IdP's next push wins over them either way.
 */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class GroupMembershipResolver {
  @Mutation(() => GroupMembershipPayload, { description: 'Adds a user to a group by hand, marked manual (admin; refused when groups are managed by the IdP).' })
  async addGroupMember(@Arg('input', () => GroupMemberInput) input: GroupMemberInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    assertManualGroupEditAllowed(context.principal.tenant);
    if (!(await context.loaders.userById.load(input.userId))) throw new DomainError('NOT_FOUND', `User ${input.userId} not found`);
    const updated = await context.services.groups.modify(await this.actorOf(context), input.groupId, membershipOnly({ op: 'add', members: [{ value: input.userId }] }));
    // Memberships the edit created carry its timestamp; marking them is a second, immediate statement (GroupService.modify has no hook).
    await context.services.directory.markManualMembership(context.tenantId, input.groupId, input.userId, updated.updatedAt);
    return { group: await this.profileOf(context, input.groupId) };
  }

  @Mutation(() => GroupMembershipPayload, { description: 'Removes a user from a group by hand (admin; refused when groups are managed by the IdP).' })
  async removeGroupMember(@Arg('input', () => GroupMemberInput) input: GroupMemberInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    assertManualGroupEditAllowed(context.principal.tenant);
    await context.services.groups.modify(await this.actorOf(context), input.groupId, membershipOnly({ op: 'remove', values: [input.userId] }));
    return { group: await this.profileOf(context, input.groupId) };
  }

  private async actorOf(context: GraphqlContext) {
    return { tenant: context.principal.tenant, connection: await context.services.directory.defaultConnection(context.tenantId), requestId: context.requestId };
  }

  private async profileOf(context: GraphqlContext, groupId: string): Promise<GroupProfile> {
    const [group] = await context.services.directory.groupsByIds(context.tenantId, [groupId]);
    if (!group) throw new DomainError('NOT_FOUND', `Group ${groupId} not found`);
    return group;
  }
}
