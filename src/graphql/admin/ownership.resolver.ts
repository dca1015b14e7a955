import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { TenantSettings as TenantSettingsValue } from '../../domain/tenants/tenant';
import type { Ownership as OwnershipValue } from '../../persistence/repositories/ownership.repository';
import { ACKNOWLEDGEABLE_WARNINGS, type AdminWarning as AdminWarningValue } from '../../services/admin-warnings.service';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toCursorPage, type CursorPage } from '../connection';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { SetDefaultSubstituteInput } from './tenant-admin.input';
import { UpdateTenantSettingsPayload } from './tenant-admin.payload';
import {
  AcknowledgeAdminWarningInput,
  AcknowledgeAdminWarningPayload,
  AdminWarning,
  AssignOrphanedResourcesInput,
  AssignOrphanedResourcesPayload,
  OwnershipConnection,
  RegisterOwnershipInput,
  RegisterOwnershipPayload,
  UnregisterOwnershipInput,
  UnregisterOwnershipPayload,
} from './ownership.type';

type AdminWarningView = AdminWarningValue & { readonly acknowledgeable: boolean };

function withAcknowledgeable(warnings: readonly AdminWarningValue[]): AdminWarningView[] {
  return warnings.map((warning) => ({ ...warning, acknowledgeable: (ACKNOWLEDGEABLE_WARNINGS as readonly string[]).includes(warning.code) }));
}

/**
 * Apps register who owns their resources (scope OWNERSHIP, an API key's); admins choose the default
 * substitute, see and reassign orphaned resources, and read the warnings that need them (scope ADMIN).
 */
@Resolver()
export class OwnershipResolver {
  @Authorized<Scope>(Scope.OWNERSHIP)
  @Mutation(() => RegisterOwnershipPayload, { description: 'Records (or changes) who owns an app resource (ownership scope).' })
  async registerOwnership(@Arg('input', () => RegisterOwnershipInput) input: RegisterOwnershipInput, @Ctx() context: GraphqlContext): Promise<{ ownership: OwnershipValue }> {
    return { ownership: await context.services.ownership.registerOwnership(context.tenantId, { ...input }, auditContextOf(context)) };
  }

  @Authorized<Scope>(Scope.OWNERSHIP)
  @Mutation(() => UnregisterOwnershipPayload, { description: 'Forgets a resource the app deleted (ownership scope).' })
  async unregisterOwnership(@Arg('input', () => UnregisterOwnershipInput) input: UnregisterOwnershipInput, @Ctx() context: GraphqlContext): Promise<{ removed: boolean }> {
    return { removed: await context.services.ownership.releaseOwnership(context.tenantId, input.resourceType, input.resourceId) };
  }

  @Authorized<Scope>(Scope.OWNERSHIP)
  @Query(() => OwnershipConnection, { complexity: connectionComplexity, description: 'What a user owns, by resource type and id (ownership scope).' })
  async ownedResources(
    @Arg('ownerUserId', () => ID) ownerUserId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<OwnershipValue>> {
    const page = pageRequest('ownedResources', first, after);
    return toCursorPage('ownedResources', page, await context.services.ownership.listOwnedBy(context.tenantId, ownerUserId, page));
  }

  @Authorized<Scope>(Scope.ADMIN)
  @Query(() => OwnershipConnection, { complexity: connectionComplexity, description: 'Resources whose owner was deprovisioned without a usable substitute (admin).' })
  async orphanedResources(
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<OwnershipValue>> {
    const page = pageRequest('orphanedResources', first, after);
    return toCursorPage('orphanedResources', page, await context.services.ownership.listOrphaned(context.tenantId, page));
  }

  @Authorized<Scope>(Scope.ADMIN)
  @Mutation(() => AssignOrphanedResourcesPayload, { description: 'Gives every orphaned resource to an active user (admin).' })
  async assignOrphanedResources(@Arg('input', () => AssignOrphanedResourcesInput) input: AssignOrphanedResourcesInput, @Ctx() context: GraphqlContext): Promise<{ assigned: number }> {
    return { assigned: await context.services.ownership.assignOrphanedResources(context.tenantId, input.toUserId, auditContextOf(context)) };
  }

  @Authorized<Scope>(Scope.ADMIN)
  @Mutation(() => UpdateTenantSettingsPayload, { description: "Names the active user who inherits deprovisioned users' resources, or nobody (admin)." })
  async setDefaultSubstitute(@Arg('input', () => SetDefaultSubstituteInput) input: SetDefaultSubstituteInput, @Ctx() context: GraphqlContext): Promise<{ settings: TenantSettingsValue }> {
    return { settings: await context.services.ownership.setDefaultSubstitute(context.tenantId, input.userId ?? null, auditContextOf(context)) };
  }

  @Authorized<Scope>(Scope.ADMIN)
  @Query(() => [AdminWarning], { description: 'What needs an admin: substitute deprovisioned or unusable, orphaned resources, SCIM token expiring within 14 days, webhook endpoints whose circuit is open, look-alike userNames and group displayNames (admin).' })
  async adminWarnings(@Ctx() context: GraphqlContext): Promise<AdminWarningView[]> {
    return withAcknowledgeable(await context.services.warnings.list(context.tenantId));
  }

  @Authorized<Scope>(Scope.ADMIN)
  @Mutation(() => AcknowledgeAdminWarningPayload, { description: 'Dismisses an acknowledgeable warning (admin).' })
  async acknowledgeAdminWarning(
    @Arg('input', () => AcknowledgeAdminWarningInput) input: AcknowledgeAdminWarningInput,
    @Ctx() context: GraphqlContext,
  ): Promise<{ acknowledged: boolean; warnings: AdminWarningView[] }> {
    const acknowledged = await context.services.warnings.acknowledge(context.tenantId, input.code, auditContextOf(context));
    return { acknowledged, warnings: withAcknowledgeable(await context.services.warnings.list(context.tenantId)) };
  }
}
