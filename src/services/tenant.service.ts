import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { generateSecret, hashSecret, isWellFormedSecret, safeEqual } from '../domain/tenants/secret-token';
import {
  DEFAULT_TENANT_SETTINGS,
  TENANT_SLUG_PATTERN,
  type Connection,
  type Dialect,
  type Tenant,
  type TenantSettings,
} from '../domain/tenants/tenant';
import type { Database } from '../persistence/database';
import { TenantRepository } from '../persistence/repositories/tenant.repository';

export interface TenantCredentials {
  readonly tenant: Tenant;
  readonly connection: Connection;
  /** Shown once: only its hash is stored. */
  readonly scimToken: string;
  readonly scimTokenExpiresAt: number | null;
  /** Shown once: only its hash is stored. */
  readonly adminApiKey: string;
}

export interface ScimPrincipal {
  readonly tenant: Tenant;
  readonly connection: Connection;
}

export interface ApiPrincipal {
  readonly tenant: Tenant;
  readonly apiKeyId: string;
  readonly scopes: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class TenantService {
  private readonly tenants = new TenantRepository();

  constructor(private readonly database: Database) {}

  async createTenant(input: { slug: string; name?: string; dialect?: Dialect; tokenExpiresInDays?: number }): Promise<TenantCredentials> {
    if (!TENANT_SLUG_PATTERN.test(input.slug)) {
      throw new DomainError('INVALID_INPUT', 'a tenant slug is 1-63 lower-case letters, digits and dashes, not starting or ending with a dash');
    }
    const now = Date.now();
    const tenant: Tenant = { id: randomUUID(), slug: input.slug, name: input.name ?? input.slug, settings: DEFAULT_TENANT_SETTINGS, createdAt: now };
    const connection: Connection = { tenantId: tenant.id, id: randomUUID(), name: 'default', dialect: input.dialect ?? 'generic' };
    const scimToken = generateSecret('scim');
    const adminApiKey = generateSecret('api');
    const scimTokenExpiresAt = expiryFrom(now, input.tokenExpiresInDays);
    await this.database.transaction(async (tx) => {
      try {
        await this.tenants.insertTenant(tx, tenant);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'CONFLICT') throw new DomainError('CONFLICT', `tenant "${input.slug}" already exists`);
        throw error;
      }
      await this.tenants.insertConnection(tx, connection, now);
      await this.tenants.setConnectionToken(tx, connection, hashSecret(scimToken), scimTokenExpiresAt, now);
      await this.tenants.insertApiKey(tx, { tenantId: tenant.id, id: randomUUID(), name: 'admin (created with the tenant)', keyHash: hashSecret(adminApiKey), scopes: ['read', 'admin'] }, now);
    });
    return { tenant, connection, scimToken, scimTokenExpiresAt, adminApiKey };
  }

  async countTenants(): Promise<number> {
    return this.database.read((tx) => this.tenants.countTenants(tx));
  }

  async getTenantBySlug(slug: string): Promise<Tenant> {
    const tenant = await this.database.read((tx) => this.tenants.findTenantBySlug(tx, slug));
    if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
    return tenant;
  }

  /** Issues a new SCIM token for the tenant's connection; the previous one stops working at once. */
  async rotateScimToken(slug: string, options: { expiresInDays?: number } = {}): Promise<{ scimToken: string; expiresAt: number | null }> {
    const scimToken = generateSecret('scim');
    const now = Date.now();
    const expiresAt = expiryFrom(now, options.expiresInDays);
    await this.database.transaction(async (tx) => {
      const tenant = await this.tenants.findTenantBySlug(tx, slug);
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
      const connection = await this.tenants.findDefaultConnection(tx, tenant.id);
      if (!connection) throw new DomainError('NOT_FOUND', `tenant "${slug}" has no connection`);
      await this.tenants.setConnectionToken(tx, connection, hashSecret(scimToken), expiresAt, now);
    });
    return { scimToken, expiresAt };
  }

  async updateSettings(slug: string, change: Partial<TenantSettings>): Promise<TenantSettings> {
    return this.database.transaction(async (tx) => {
      const tenant = await this.tenants.findTenantBySlug(tx, slug);
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${slug}" does not exist`);
      const settings = { ...tenant.settings, ...change };
      await this.tenants.updateSettings(tx, tenant.id, settings);
      return settings;
    });
  }

  /** The tenant and connection a SCIM bearer token belongs to, or undefined when it is unknown, rotated or expired. */
  async authenticateScimToken(token: string): Promise<ScimPrincipal | undefined> {
    if (!isWellFormedSecret('scim', token)) return undefined;
    const hash = hashSecret(token);
    return this.database.read(async (tx) => {
      const record = await this.tenants.findTokenByHash(tx, hash);
      if (!record || !safeEqual(record.tokenHash, hash)) return undefined;
      if (record.expiresAt !== null && record.expiresAt <= Date.now()) return undefined;
      const tenant = await this.tenants.findTenantById(tx, record.connection.tenantId);
      return tenant && { tenant, connection: record.connection };
    });
  }

  async authenticateApiKey(key: string): Promise<ApiPrincipal | undefined> {
    if (!isWellFormedSecret('api', key)) return undefined;
    const hash = hashSecret(key);
    return this.database.read(async (tx) => {
      const record = await this.tenants.findApiKeyByHash(tx, hash);
      if (!record || !safeEqual(record.keyHash, hash)) return undefined;
      const tenant = await this.tenants.findTenantById(tx, record.tenantId);
      return tenant && { tenant, apiKeyId: record.id, scopes: record.scopes };
    });
  }
}

function expiryFrom(now: number, days: number | undefined): number | null {
  if (days === undefined) return null;
  if (!Number.isFinite(days) || days <= 0) throw new DomainError('INVALID_INPUT', 'the token lifetime must be a positive number of days');
  return now + days * DAY_MS;
}
