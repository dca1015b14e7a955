import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { DomainError } from '../../domain/errors';
import type { DeprovisionedUser as DeprovisionedUserValue } from '../../persistence/repositories/deprovisioned-user.repository';
import type { UserProfile } from '../../persistence/repositories/user-profile.repository';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toCursorPage, type CursorPage } from '../connection';
import { auditContextOf, type GraphqlContext } from '../context';
import { Scope } from '../scope';
import { DeprovisionedUserConnection, DeprovisionedUserInput, PurgeUserPayload, RestoreUserPayload } from './deprovisioned-user.type';

/** Users kept as deprovisioned: listed, restored or purged by an admin. */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class DeprovisionedUserResolver {
  @Query(() => DeprovisionedUserConnection, { complexity: connectionComplexity, description: 'Users the IdP deleted and the tenant kept as deprovisioned, most recent first (admin).' })
  async deprovisionedUsers(
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<DeprovisionedUserValue>> {
    const page = pageRequest('deprovisionedUsers', first, after);
    return toCursorPage('deprovisionedUsers', page, await context.services.users.listDeprovisioned(context.tenantId, page));
  }

  @Mutation(() => RestoreUserPayload, { description: 'Brings a deprovisioned user back with its id, history and the resources its substitute still holds; CONFLICT when its userName was taken meanwhile (admin).' })
  async restoreUser(@Arg('input', () => DeprovisionedUserInput) input: DeprovisionedUserInput, @Ctx() context: GraphqlContext): Promise<{ user: UserProfile }> {
    await context.services.manualEdits.restoreUser({ tenant: context.principal.tenant, context: auditContextOf(context) }, input.id);
    const [user] = await context.services.directory.usersByIds(context.tenantId, [input.id]);
    if (!user) throw new DomainError('NOT_FOUND', `User ${input.id} not found`);
    return { user };
  }

  @Mutation(() => PurgeUserPayload, { description: 'Removes a deprovisioned user for good, announced as user.deleted (admin).' })
  async purgeUser(@Arg('input', () => DeprovisionedUserInput) input: DeprovisionedUserInput, @Ctx() context: GraphqlContext): Promise<{ purgedUserId: string }> {
    await context.services.manualEdits.purgeUser({ tenant: context.principal.tenant, context: auditContextOf(context) }, input.id);
    return { purgedUserId: input.id };
  }
}
