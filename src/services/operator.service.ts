import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { generateSecret, hashSecret, isWellFormedSecret, safeEqual } from '../domain/tenants/secret-token';
import type { Tenant } from '../domain/tenants/tenant';
import type { Database } from '../persistence/database';
import { OperatorRepository, type OperatorKeyRecord, type TenantUsage } from '../persistence/repositories/operator.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import type { CredentialCache } from './credential-cache';
import type { OutboxService } from './outbox.service';

export interface CreatedOperatorKey {
  readonly key: OperatorKeyRecord;
  /** Shown once: only its hash is stored. */
  readonly secret: string;
}

export interface TenantWithUsage {
  readonly tenant: Tenant;
  readonly usage: TenantUsage;
}

export interface TenantPage {
  readonly tenants: TenantWithUsage[];
  /** The slug to pass as `after` for the next page; null on the last page. */
  readonly nextAfter: string | null;
}

export interface OperatorServiceDependencies {
  readonly audit: AuditService;
  readonly outbox: OutboxService;
  /** API keys recently authenticated: a suspended or deleted tenant's are forgotten at once on this node. */
  readonly apiKeyCache?: CredentialCache<unknown>;
  readonly now?: () => number;
}

/** Tenants per page of the operator's list, at most. */
export const MAX_TENANT_PAGE = 100;
const OPERATOR_KEY_NAME_MAX = 200;
const SUSPENSION_REASON_MAX = 500;
/** A key's last use is written at most this often. */
const LAST_USED_INTERVAL_MS = 60_000;

/**
 * The operator's side of the hub (the company running it, above every tenant): operator keys, and the
 * tenant lifecycle a SaaS backend drives by API. It sees tenants, their usage and their credentials'
 * metadata, never their users.
 */
export class OperatorService {
  private readonly operators = new OperatorRepository();
  private readonly tenants = new TenantRepository();
  private readonly now: () => number;

  constructor(
    private readonly database: Database,
    private readonly dependencies: OperatorServiceDependencies,
  ) {
    this.now = dependencies.now ?? Date.now;
  }

  async createKey(name: string): Promise<CreatedOperatorKey> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > OPERATOR_KEY_NAME_MAX) throw new DomainError('INVALID_INPUT', `an operator key name is 1-${OPERATOR_KEY_NAME_MAX} characters`);
    const secret = generateSecret('operator');
    const key: OperatorKeyRecord = { id: randomUUID(), name: trimmed, createdAt: this.now(), lastUsedAt: null, revokedAt: null };
    await this.database.transaction((tx) => this.operators.insertKey(tx, { ...key, keyHash: hashSecret(secret) }));
    return { key, secret };
  }

  async listKeys(): Promise<OperatorKeyRecord[]> {
    return this.database.read((tx) => this.operators.listKeys(tx));
  }

  async revokeKey(id: string): Promise<void> {
    const revoked = await this.database.transaction((tx) => this.operators.revokeKey(tx, id, this.now()));
    if (!revoked) throw new DomainError('NOT_FOUND', `no active operator key ${id}`);
  }

  /** The active operator key with this secret, or undefined (unknown, malformed or revoked: always read, so a revocation applies at once). */
  async authenticate(secret: string): Promise<OperatorKeyRecord | undefined> {
    if (!isWellFormedSecret('operator', secret)) return undefined;
    const hash = hashSecret(secret);
    const key = await this.database.read((tx) => this.operators.findKeyByHash(tx, hash));
    if (!key || !safeEqual(key.keyHash, hash) || key.revokedAt !== null) return undefined;
    const now = this.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_INTERVAL_MS) {
      await this.database.read((tx) => this.operators.touchKeyLastUsed(tx, key.id, now, now - LAST_USED_INTERVAL_MS));
    }
    return { id: key.id, name: key.name, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt, revokedAt: null };
  }

  async listTenants(options: { after?: string; first?: number } = {}): Promise<TenantPage> {
    const limit = options.first ?? MAX_TENANT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TENANT_PAGE) throw new DomainError('INVALID_INPUT', `first must be 1-${MAX_TENANT_PAGE}`);
    return this.database.read(async (tx) => {
      const page = await this.tenants.listTenants(tx, { after: options.after, limit: limit + 1 });
      const tenants: TenantWithUsage[] = [];
      for (const tenant of page.slice(0, limit)) tenants.push({ tenant, usage: await this.operators.tenantUsage(tx, tenant.id) });
      return { tenants, nextAfter: page.length > limit ? tenants[tenants.length - 1].tenant.slug : null };
    });
  }

  async tenant(slug: string): Promise<TenantWithUsage> {
    return this.database.read(async (tx) => {
      const tenant = await this.tenants.findTenantBySlug(tx, slug);
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
      return { tenant, usage: await this.operators.tenantUsage(tx, tenant.id) };
    });
  }

  async suspensionReason(tenantId: string): Promise<string | null> {
    return this.database.read((tx) => this.tenants.findSuspensionReason(tx, tenantId));
  }

  /**
   * Suspends the tenant: SCIM answers 403 and GraphQL TENANT_SUSPENDED until it is resumed; nothing is
   * deleted. A `tenant.suspended` event tells the tenant's apps. Suspending a suspended tenant changes nothing.
   */
  async suspendTenant(slug: string, reason: string | null, context: AuditContext): Promise<Tenant> {
    const trimmed = reason?.trim() || null;
    if (trimmed !== null && trimmed.length > SUSPENSION_REASON_MAX) throw new DomainError('INVALID_INPUT', `a suspension reason is at most ${SUSPENSION_REASON_MAX} characters`);
    const tenant = await this.database.transaction(async (tx) => {
      const found = await this.lockedTenant(tx, slug);
      if (found.suspendedAt !== null) return found;
      const at = this.now();
      await this.tenants.setSuspension(tx, found.id, { at, reason: trimmed });
      await this.dependencies.audit.record(tx, { ...context, tenantId: found.id, action: 'tenant.suspended', target: { type: 'tenant', id: found.id }, details: { reason: trimmed } });
      const suspendedAt = new Date(at).toISOString();
      await this.dependencies.outbox.enqueue(tx, { tenantId: found.id, type: 'tenant.suspended', resourceId: found.id, data: { tenantId: found.id, suspendedAt, reason: trimmed } });
      return { ...found, suspendedAt: at };
    });
    this.dependencies.apiKeyCache?.forgetTenant(tenant.id);
    return tenant;
  }

  /** Resumes a suspended tenant (a `tenant.resumed` event); resuming an active tenant changes nothing. */
  async resumeTenant(slug: string, context: AuditContext): Promise<Tenant> {
    const tenant = await this.database.transaction(async (tx) => {
      const found = await this.lockedTenant(tx, slug);
      if (found.suspendedAt === null) return found;
      const reason = await this.tenants.findSuspensionReason(tx, found.id);
      await this.tenants.setSuspension(tx, found.id, null);
      await this.dependencies.audit.record(tx, { ...context, tenantId: found.id, action: 'tenant.resumed', target: { type: 'tenant', id: found.id }, details: { suspendedAt: found.suspendedAt } });
      const suspendedAt = new Date(found.suspendedAt).toISOString();
      await this.dependencies.outbox.enqueue(tx, { tenantId: found.id, type: 'tenant.resumed', resourceId: found.id, data: { tenantId: found.id, suspendedAt, reason } });
      return { ...found, suspendedAt: null };
    });
    this.dependencies.apiKeyCache?.forgetTenant(tenant.id);
    return tenant;
  }

  /**
   * Deletes the tenant and every row it owns in every table, in one transaction. `confirmSlug` must
   * repeat the slug, so a mistyped id cannot delete another tenant. Returns the rows deleted per table.
   */
  async deleteTenant(slug: string, confirmSlug: string): Promise<{ tenant: Tenant; deletedRows: Record<string, number> }> {
    if (confirmSlug !== slug) throw new DomainError('INVALID_INPUT', 'confirmSlug must repeat the slug of the tenant to delete');
    const outcome = await this.database.transaction(async (tx) => {
      const tenant = await this.lockedTenant(tx, slug);
      return { tenant, deletedRows: await this.operators.deleteTenantRows(tx, tenant.id) };
    });
    this.dependencies.apiKeyCache?.forgetTenant(outcome.tenant.id);
    return outcome;
  }

  private async lockedTenant(tx: Parameters<TenantRepository['findTenantById']>[0], slug: string): Promise<Tenant> {
    const found = await this.tenants.findTenantBySlug(tx, slug);
    const tenant = found && (await this.tenants.findTenantById(tx, found.id, { forUpdate: true }));
    if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
    return tenant;
  }
}
