import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { GroupProfile } from '../../persistence/repositories/group-profile.repository';
import type { ManualEditor } from '../../services/manual-edit.service';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { Group } from './group.type';

@InputType()
export class GroupMemberInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => ID)
  userId!: string;
}

@InputType()
export class SetGroupMembersInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => [ID], { description: 'Every member the group should have (users or groups of the tenant), at most 10,000.' })
  memberIds!: string[];
}

@InputType()
export class CreateGroupInput {
  @Field({ description: 'Unique per tenant, compared case-insensitively.' })
  displayName!: string;

  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Users or groups of the tenant.' })
  memberIds?: string[] | null;
}

@InputType({ description: 'externalId omitted keeps it; null removes it.' })
export class UpdateGroupInput {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}

@InputType()
export class DeleteGroupInput {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class GroupMembershipPayload {
  @Field(() => Group, { description: 'The group after the change.' })
  group!: Group;
}

@ObjectType()
export class DeleteGroupPayload {
  @Field(() => ID)
  id!: string;
}

/**
 * Manual group and membership edits by a tenant admin (issue 7), through ManualEditService: refused
 * with GROUPS_MANAGED_BY_IDP while the tenant restricts groups to its IdP, otherwise marked manual in
 * the same transaction; the IdP's next push wins over them.
 */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class GroupMembershipResolver {
  @Mutation(() => GroupMembershipPayload, { description: 'Adds a user to a group by hand, marked manual (admin; refused when groups are managed by the IdP).' })
  async addGroupMember(@Arg('input', () => GroupMemberInput) input: GroupMemberInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    if (!(await context.loaders.userById.load(input.userId))) throw new DomainError('NOT_FOUND', `User ${input.userId} not found`);
    await context.services.manualEdits.addGroupMembers(editorOf(context), input.groupId, [input.userId]);
    return { group: await profileOf(context, input.groupId) };
  }

  @Mutation(() => GroupMembershipPayload, { description: 'Removes a user from a group by hand (admin; refused when groups are managed by the IdP).' })
  async removeGroupMember(@Arg('input', () => GroupMemberInput) input: GroupMemberInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    await context.services.manualEdits.removeGroupMembers(editorOf(context), input.groupId, [input.userId]);
    return { group: await profileOf(context, input.groupId) };
  }

  @Mutation(() => GroupMembershipPayload, { description: 'Makes the members exactly these; only new memberships are marked manual (admin; refused when groups are managed by the IdP).' })
  async setGroupMembers(@Arg('input', () => SetGroupMembersInput) input: SetGroupMembersInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    await context.services.manualEdits.setGroupMembers(editorOf(context), input.groupId, input.memberIds);
    return { group: await profileOf(context, input.groupId) };
  }

  @Mutation(() => GroupMembershipPayload, { description: 'Creates a group by hand, managedBy MANUAL (admin; refused when groups are managed by the IdP).' })
  async createGroup(@Arg('input', () => CreateGroupInput) input: CreateGroupInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    const created = await context.services.manualEdits.createGroup(editorOf(context), { displayName: input.displayName, externalId: input.externalId }, input.memberIds ?? []);
    return { group: await profileOf(context, created.id) };
  }

  @Mutation(() => GroupMembershipPayload, { description: 'Renames a group by hand (admin; refused when groups are managed by the IdP).' })
  async updateGroup(@Arg('input', () => UpdateGroupInput) input: UpdateGroupInput, @Ctx() context: GraphqlContext): Promise<{ group: GroupProfile }> {
    await context.services.manualEdits.updateGroup(editorOf(context), input.id, { displayName: input.displayName, externalId: input.externalId });
    return { group: await profileOf(context, input.id) };
  }

  @Mutation(() => DeleteGroupPayload, { description: 'Deletes a group by hand; SCIM groups have no inactive state (admin; refused when groups are managed by the IdP).' })
  async deleteGroup(@Arg('input', () => DeleteGroupInput) input: DeleteGroupInput, @Ctx() context: GraphqlContext): Promise<{ id: string }> {
    await context.services.manualEdits.deleteGroup(editorOf(context), input.id);
    return { id: input.id };
  }
}

function editorOf(context: GraphqlContext): ManualEditor {
  return { tenant: context.principal.tenant, context: auditContextOf(context) };
}

async function profileOf(context: GraphqlContext, groupId: string): Promise<GroupProfile> {
  const [group] = await context.services.directory.groupsByIds(context.tenantId, [groupId]);
  if (!group) throw new DomainError('NOT_FOUND', `Group ${groupId} not found`);
  return group;
}
