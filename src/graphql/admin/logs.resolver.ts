import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { AuditEvent as AuditEventValue } from '../../domain/audit';
import type { ProvisioningLogEntry as ProvisioningLogEntryValue } from '../../persistence/repositories/provisioning-log.repository';
import { connectionComplexity, DEFAULT_PAGE_SIZE, pageRequest, toCursorPage, type CursorPage } from '../connection';
import type { GraphqlContext } from '../context';
import { Scope } from '../scope';
import { AuditEventConnection, AuditFilter, ProvisioningLogConnection, ProvisioningLogFilter } from './logs.type';

function millis(date: Date | null | undefined): number | undefined {
  return date === null || date === undefined ? undefined : date.getTime();
}

function given<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

/** The audit trail and the provisioning log of the caller's tenant, newest first (admin). */
@Resolver()
@Authorized<Scope>(Scope.ADMIN)
export class LogsResolver {
  @Query(() => AuditEventConnection, { complexity: connectionComplexity, description: 'Changes to the tenant, newest first (admin).' })
  async auditEvents(
    @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<AuditEventValue>> {
    const page = pageRequest('auditEvents', first, after);
    const result = await context.services.audit.list(
      context.tenantId,
      {
        actor: filter?.actorId ? { id: filter.actorId } : undefined,
        target: filter?.targetId ? { id: filter.targetId } : undefined,
        action: given(filter?.action),
        from: millis(filter?.from),
        to: millis(filter?.to),
      },
      page,
    );
    return toCursorPage('auditEvents', page, result);
  }

  @Query(() => ProvisioningLogConnection, { complexity: connectionComplexity, description: "The IdP's SCIM requests and their outcomes, newest first (admin)." })
  async provisioningLog(
    @Arg('filter', () => ProvisioningLogFilter, { nullable: true }) filter: ProvisioningLogFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: GraphqlContext,
  ): Promise<CursorPage<ProvisioningLogEntryValue>> {
    const page = pageRequest('provisioningLog', first, after);
    const failed = given(filter?.failed);
    const result = await context.services.provisioningLog.list(
      context.tenantId,
      {
        outcome: failed === undefined ? undefined : failed ? 'failed' : 'succeeded',
        status: given(filter?.status),
        method: given(filter?.method),
        resourceType: given(filter?.resourceType),
        resourceId: given(filter?.resourceId),
        requestId: given(filter?.requestId),
        from: millis(filter?.from),
        to: millis(filter?.to),
      },
      page,
    );
    return toCursorPage('provisioningLog', page, result);
  }
}
