import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { OwnershipService, OwnershipWarning } from './ownership.service';
import { TOKEN_EXPIRY_WARNING_DAYS, type TenantService } from './tenant.service';
import type { WebhookEndpointService } from './webhook-endpoint.service';
import type { UserService } from './user.service';
import type { GroupService } from './group.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Something a tenant admin should act on. */
export type AdminWarning =
  | OwnershipWarning
  | { readonly code: 'SCIM_TOKEN_EXPIRING' | 'SCIM_TOKEN_EXPIRED'; readonly connectionId: string; readonly expiresAt: number }
  /** The endpoint kept failing: its deliveries wait for a probe (at: opened; count: consecutive failures). */
  | { readonly code: 'WEBHOOK_CIRCUIT_OPEN'; readonly endpointId: string; readonly at: number | null; readonly nextProbeAt: number | null; readonly count: number }
  /** Users whose userNames look alike (UTS #39 skeleton), one of them in another script: a possible impersonation. */
  | { readonly code: 'USER_NAME_LOOKALIKE'; readonly userIds: readonly string[]; readonly userNames: readonly string[] }
  /** Groups whose displayNames look alike the same way. */
  | { readonly code: 'GROUP_NAME_LOOKALIKE'; readonly groupIds: readonly string[]; readonly displayNames: readonly string[] };

/** The warnings an admin can dismiss; the others last until their cause is fixed (a token rotated, orphans assigned). */
export const ACKNOWLEDGEABLE_WARNINGS = ['DEFAULT_SUBSTITUTE_DEPROVISIONED'] as const;
export type AcknowledgeableWarning = (typeof ACKNOWLEDGEABLE_WARNINGS)[number];

/**
 * One list of what needs a tenant admin: the ownership warnings (substitute deprovisioned or unusable,
 * orphaned resources), a SCIM token that expires within 14 days or has expired, each webhook
 * endpoint whose circuit is open, and each set of look-alike userNames or group displayNames.
 */
export class AdminWarningsService {
  constructor(
    private readonly tenants: TenantService,
    private readonly ownership: OwnershipService,
    private readonly webhooks: WebhookEndpointService,
    private readonly users: UserService,
    private readonly groups: GroupService,
    private readonly now: () => number = Date.now,
  ) {}

  async list(tenantId: string): Promise<AdminWarning[]> {
    const warnings: AdminWarning[] = await this.ownership.listWarnings(tenantId);
    const { token } = await this.tenants.getScimConnection(tenantId);
    const now = this.now();
    if (token.expiresAt !== null && token.expiresAt <= now + TOKEN_EXPIRY_WARNING_DAYS * DAY_MS) {
      warnings.push({ code: token.expiresAt <= now ? 'SCIM_TOKEN_EXPIRED' : 'SCIM_TOKEN_EXPIRING', connectionId: token.connectionId, expiresAt: token.expiresAt });
    }
    for (const endpoint of await this.webhooks.listOpenCircuits(tenantId)) {
      warnings.push({ code: 'WEBHOOK_CIRCUIT_OPEN', endpointId: endpoint.id, at: endpoint.circuit.since, nextProbeAt: endpoint.circuit.nextProbeAt, count: endpoint.consecutiveFailures });
    }
    for (const lookalikes of await this.users.lookalikeUserNames(tenantId)) {
      warnings.push({ code: 'USER_NAME_LOOKALIKE', userIds: lookalikes.map((user) => user.id), userNames: lookalikes.map((user) => user.userName) });
    }
    for (const lookalikes of await this.groups.lookalikeDisplayNames(tenantId)) {
      warnings.push({ code: 'GROUP_NAME_LOOKALIKE', groupIds: lookalikes.map((group) => group.id), displayNames: lookalikes.map((group) => group.displayName) });
    }
    return warnings;
  }

  /** Dismisses a warning that records an event; false when it was not (or no longer) there. */
  async acknowledge(tenantId: string, code: string, context: AuditContext): Promise<boolean> {
    if (!ACKNOWLEDGEABLE_WARNINGS.includes(code as AcknowledgeableWarning)) {
      throw new DomainError('INVALID_INPUT', `only ${ACKNOWLEDGEABLE_WARNINGS.join(', ')} can be acknowledged; the other warnings go when their cause is fixed`);
    }
    return this.ownership.acknowledgeDeprovisionedSubstitute(tenantId, context);
  }
}
