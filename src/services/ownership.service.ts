import { SYSTEM_ACTOR, type Actor, type AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { OwnershipTransferReason, OwnershipTransferredData } from '../domain/events';
import type { Tenant, TenantSettings } from '../domain/tenants/tenant';
import type { Database, Tx } from '../persistence/database';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import { OwnershipRepository, type Ownership } from '../persistence/repositories/ownership.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import type { OutboxService } from './outbox.service';

export interface OwnershipRegistration {
  /** The app's own kind of resource: `contract`, `folder`, `crm:account` ... */
  readonly resourceType: string;
  readonly resourceId: string;
  readonly ownerUserId: string;
}

/** What a deprovisioning did to the user's resources (also the `ownership.transferred` payload). */
export type OwnershipTransfer = OwnershipTransferredData;

/** Things an admin should act on, listed with the tenant's settings. */
export type OwnershipWarning =
  | { readonly code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED'; readonly userId: string; readonly at: number; readonly reason: OwnershipTransferReason }
  | { readonly code: 'DEFAULT_SUBSTITUTE_UNAVAILABLE'; readonly userId: string }
  | { readonly code: 'ORPHANED_RESOURCES'; readonly count: number; readonly byResourceType: Readonly<Record<string, number>> };

export const OWNERSHIP_PAGE_MAX = 500;
const RESOURCE_TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;
const RESOURCE_ID_MAX = 200;

function registeredBy(actor: Actor): string {
  return `${actor.type}:${actor.id}`.slice(0, 200);
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((total, count) => total + count, 0);
}

/**
 * Ownership of app resources and the default substitute. Apps register who owns what; when the IdP
 * deprovisions a user, `transferOwnership` (called by the user service inside its transaction) hands
 * everything to the tenant's default substitute, or marks it orphaned. It never refuses: the IdP's
 * request must succeed whatever the app-side state.
 */
export class OwnershipService {
  private readonly ownerships = new OwnershipRepository();
  private readonly tenants = new TenantRepository();

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records (or changes) the owner of an app resource; the owner must be a user of the tenant. */
  async registerOwnership(tenantId: string, registration: OwnershipRegistration, context: AuditContext): Promise<Ownership> {
    const resourceType = registration.resourceType.trim();
    const resourceId = registration.resourceId.trim();
    if (!RESOURCE_TYPE_PATTERN.test(resourceType)) throw new DomainError('INVALID_INPUT', 'resourceType is 1-100 letters, digits and _ . : -');
    if (resourceId === '' || resourceId.length > RESOURCE_ID_MAX) throw new DomainError('INVALID_INPUT', `resourceId is 1-${RESOURCE_ID_MAX} characters`);
    return this.database.transaction(async (tx) => {
      if (!(await this.ownerships.findUser(tx, tenantId, registration.ownerUserId, { share: true }))) {
        throw new DomainError('INVALID_INPUT', `owner ${registration.ownerUserId} is not a user of this tenant`);
      }
      const previous = await this.ownerships.find(tx, tenantId, resourceType, resourceId);
      const ownerChanged = previous !== undefined && previous.ownerUserId !== registration.ownerUserId;
      const ownership: Ownership = {
        tenantId,
        resourceType,
        resourceId,
        ownerUserId: registration.ownerUserId,
        registeredBy: registeredBy(context.actor),
        orphanedAt: null,
        previousOwnerUserId: ownerChanged ? previous.ownerUserId : (previous?.previousOwnerUserId ?? null),
        updatedAt: this.now(),
      };
      await this.ownerships.upsert(tx, ownership);
      return ownership;
    });
  }

  /** Forgets a resource the app deleted; false when it was not registered. */
  async releaseOwnership(tenantId: string, resourceType: string, resourceId: string): Promise<boolean> {
    return this.database.transaction((tx) => this.ownerships.delete(tx, tenantId, resourceType, resourceId));
  }

  async getOwnership(tenantId: string, resourceType: string, resourceId: string): Promise<Ownership | undefined> {
    return this.database.read((tx) => this.ownerships.find(tx, tenantId, resourceType, resourceId));
  }

  async listOwnedBy(tenantId: string, userId: string, page: KeysetRequest): Promise<KeysetPage<Ownership>> {
    return this.database.read((tx) => this.ownerships.listOwnedBy(tx, tenantId, userId, boundedPage(page)));
  }

  /** Resources without an owner (deprovisioned without a usable substitute), for admins to reassign. */
  async listOrphaned(tenantId: string, page: KeysetRequest): Promise<KeysetPage<Ownership>> {
    return this.database.read((tx) => this.ownerships.listOwnedBy(tx, tenantId, null, boundedPage(page)));
  }

  /**
   * Names the user who inherits a deprovisioned user's resources (null: nobody, they are orphaned).
   * The user must exist and be active. Choosing one clears the warning about a deprovisioned substitute.
   */
  async setDefaultSubstitute(tenantId: string, userId: string | null, context: AuditContext): Promise<TenantSettings> {
    return this.database.transaction(async (tx) => {
      // The user first, then the tenant: the order deprovisioning takes them in, so the two never deadlock.
      if (userId !== null) {
        const user = await this.ownerships.findUser(tx, tenantId, userId, { share: true });
        if (!user) throw new DomainError('INVALID_INPUT', `user ${userId} is not a user of this tenant`);
        if (!user.active) throw new DomainError('INVALID_INPUT', `user ${userId} is deactivated and cannot be the default substitute`);
      }
      const tenant = await this.lockedTenant(tx, tenantId);
      const settings: TenantSettings = { ...tenant.settings, defaultSubstituteUserId: userId, deprovisionedSubstitute: null };
      await this.tenants.updateSettings(tx, tenantId, settings);
      await this.audit.record(tx, {
        ...context,
        tenantId,
        action: 'tenant.default_substitute_set',
        target: { type: 'tenant', id: tenantId },
        before: { defaultSubstituteUserId: tenant.settings.defaultSubstituteUserId },
        after: { defaultSubstituteUserId: userId },
      });
      return settings;
    });
  }

  /** Gives every orphaned resource of the tenant to `toUserId` (an active user); returns how many. */
  async assignOrphanedResources(tenantId: string, toUserId: string, context: AuditContext): Promise<number> {
    return this.database.transaction(async (tx) => {
      const user = await this.ownerships.findUser(tx, tenantId, toUserId, { share: true });
      if (!user?.active) throw new DomainError('INVALID_INPUT', `user ${toUserId} is not an active user of this tenant`);
      const byResourceType = await this.ownerships.countByResourceType(tx, tenantId, null);
      const assigned = await this.ownerships.transferAll(tx, tenantId, null, toUserId, this.now());
      if (assigned > 0) {
        await this.audit.record(tx, { ...context, tenantId, action: 'ownership.orphans_assigned', target: { type: 'user', id: toUserId }, details: { assigned, byResourceType } });
      }
      return assigned;
    });
  }

  /**
   * An admin has seen that the IdP deprovisioned the default substitute: the warning goes, the setting
   * stays empty until one is chosen. False when there was nothing to acknowledge.
   */
  async acknowledgeDeprovisionedSubstitute(tenantId: string, context: AuditContext): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const tenant = await this.lockedTenant(tx, tenantId);
      const { deprovisionedSubstitute } = tenant.settings;
      if (!deprovisionedSubstitute) return false;
      await this.tenants.updateSettings(tx, tenantId, { ...tenant.settings, deprovisionedSubstitute: null });
      await this.audit.record(tx, {
        ...context,
        tenantId,
        action: 'tenant.warning_acknowledged',
        target: { type: 'tenant', id: tenantId },
        details: { code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED', userId: deprovisionedSubstitute.userId },
      });
      return true;
    });
  }

  async listWarnings(tenantId: string): Promise<OwnershipWarning[]> {
    return this.database.read(async (tx) => {
      const tenant = await this.tenants.findTenantById(tx, tenantId);
      if (!tenant) throw new DomainError('NOT_FOUND', 'the tenant does not exist');
      const warnings: OwnershipWarning[] = [];
      const { defaultSubstituteUserId, deprovisionedSubstitute } = tenant.settings;
      if (deprovisionedSubstitute) warnings.push({ code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED', ...deprovisionedSubstitute });
      if (defaultSubstituteUserId !== null && !(await this.ownerships.findUser(tx, tenantId, defaultSubstituteUserId))?.active) {
        warnings.push({ code: 'DEFAULT_SUBSTITUTE_UNAVAILABLE', userId: defaultSubstituteUserId });
      }
      const byResourceType = await this.ownerships.countByResourceType(tx, tenantId, null);
      const count = sum(byResourceType);
      if (count > 0) warnings.push({ code: 'ORPHANED_RESOURCES', count, byResourceType });
      return warnings;
    });
  }

  /**
   * Called inside the transaction that deletes (or deactivates) `userId`. Everything the user owns
   * passes to the default substitute when there is an active one; otherwise it is marked orphaned. When
   * the user IS the default substitute, the setting is cleared and kept as a warning, and their
   * resources are orphaned. An audit row and an `ownership.transferred` event record what happened
   * whenever the user owned something or was the substitute. Never throws for app-side reasons.
   * A deactivation transfers only when the tenant chose `transferOnDeactivate`; otherwise this returns
   * null and changes nothing, so callers call it on every deactivation.
   */
  async transferOwnership(
    tx: Tx,
    tenantId: string,
    userId: string,
    reason: OwnershipTransferReason,
    context: AuditContext = { actor: SYSTEM_ACTOR },
  ): Promise<OwnershipTransfer | null> {
    const now = this.now();
    const tenant = await this.tenants.findTenantById(tx, tenantId);
    if (!tenant) throw new DomainError('NOT_FOUND', 'the tenant does not exist');
    if (reason === 'deactivated' && !tenant.settings.transferOnDeactivate) return null;
    const substituteCleared = tenant.settings.defaultSubstituteUserId === userId;
    let toUserId: string | null = null;
    if (substituteCleared) {
      await this.clearDeprovisionedSubstitute(tx, tenantId, userId, reason, now, context);
    } else if (tenant.settings.defaultSubstituteUserId !== null) {
      const substitute = await this.ownerships.findUser(tx, tenantId, tenant.settings.defaultSubstituteUserId, { share: true });
      if (substitute?.active) toUserId = tenant.settings.defaultSubstituteUserId;
    }
    const byResourceType = await this.ownerships.countByResourceType(tx, tenantId, userId);
    const owned = sum(byResourceType);
    const transfer: OwnershipTransfer = {
      fromUserId: userId,
      toUserId,
      reason,
      transferred: toUserId === null ? 0 : owned,
      orphaned: toUserId === null ? owned : 0,
      byResourceType,
      substituteCleared,
    };
    if (owned === 0 && !substituteCleared) return transfer;
    if (owned > 0) {
      if (toUserId === null) await this.ownerships.orphanAll(tx, tenantId, userId, now);
      else await this.ownerships.transferAll(tx, tenantId, userId, toUserId, now);
    }
    await this.audit.record(tx, { ...context, tenantId, action: 'ownership.transferred', target: { type: 'user', id: userId }, details: { ...transfer } });
    await this.outbox.enqueue(tx, { tenantId, type: 'ownership.transferred', resourceId: userId, data: transfer });
    return transfer;
  }

  /**
   * Called inside the transaction that restores a deprovisioned user: what its deprovisioning moved to
   * `heldBy` (the substitute then; null: orphaned) and nobody reassigned since comes back to it.
   * Audited when anything came back; returns how many resources did.
   */
  async returnOwnership(tx: Tx, tenantId: string, userId: string, heldBy: string | null, context: AuditContext): Promise<number> {
    const returned = await this.ownerships.returnAll(tx, tenantId, userId, heldBy, this.now());
    if (returned > 0) await this.audit.record(tx, { ...context, tenantId, action: 'ownership.returned', target: { type: 'user', id: userId }, details: { fromUserId: heldBy, returned } });
    return returned;
  }

  private async clearDeprovisionedSubstitute(tx: Tx, tenantId: string, userId: string, reason: OwnershipTransferReason, now: number, context: AuditContext): Promise<void> {
    const tenant = await this.lockedTenant(tx, tenantId);
    const settings: TenantSettings = { ...tenant.settings, defaultSubstituteUserId: null, deprovisionedSubstitute: { userId, at: now, reason } };
    await this.tenants.updateSettings(tx, tenantId, settings);
    await this.audit.record(tx, {
      ...context,
      tenantId,
      action: 'tenant.default_substitute_cleared',
      target: { type: 'tenant', id: tenantId },
      before: { defaultSubstituteUserId: userId },
      after: { defaultSubstituteUserId: null },
      details: { reason },
    });
  }

  private async lockedTenant(tx: Tx, tenantId: string): Promise<Tenant> {
    const tenant = await this.tenants.findTenantById(tx, tenantId, { forUpdate: true });
    if (!tenant) throw new DomainError('NOT_FOUND', 'the tenant does not exist');
    return tenant;
  }
}

function boundedPage(page: KeysetRequest): KeysetRequest {
  return { ...page, limit: Math.max(1, Math.min(page.limit, OWNERSHIP_PAGE_MAX)) };
}
