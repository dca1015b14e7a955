import { randomUUID } from 'node:crypto';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import {
  validateApiKeyRequest,
  validateOidcProviderSettings,
  type ApiKey,
  type ApiScope,
  type OidcProvider,
  type OidcProviderSettings,
} from '../domain/tenants/api-access';
import { generateSecret, hashSecret } from '../domain/tenants/secret-token';
import type { Tenant } from '../domain/tenants/tenant';
import type { Database } from '../persistence/database';
import { ApiAccessRepository } from '../persistence/repositories/api-access.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import type { CredentialCache } from './credential-cache';
import type { OutboundHttp } from '../outbound/outbound-http';

export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** Shown once: only its hash is stored. */
  readonly secret: string;
}

export interface TrustedOidcProvider {
  readonly tenant: Tenant;
  readonly provider: OidcProvider;
}

export interface ApiAccessOptions {
  /** Accept http:// JWKS URLs (development and tests on one machine only). */
  readonly allowHttpJwks: boolean;
  /** API keys recently authenticated (TenantService fills it): a revocation forgets the tenant's at once. */
  readonly apiKeyCache?: CredentialCache<unknown>;
  /** Checks the JWKS URL against the outbound address policy (after DNS) before it is stored. */
  readonly outbound: OutboundHttp;
}

/**
 * The credentials a tenant's apps use on GraphQL: API keys, and the OIDC provider whose tokens it
 * trusts. Every change is audited in its own transaction (never a secret, only names, ids and scopes).
 */
export class ApiAccessService {
  private readonly access = new ApiAccessRepository();
  private readonly tenants = new TenantRepository();

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    private readonly options: ApiAccessOptions,
  ) {}

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return this.database.read((tx) => this.access.listApiKeys(tx, tenantId));
  }

  async createApiKey(tenantId: string, request: { name: string; scopes: readonly ApiScope[] }, context: AuditContext): Promise<CreatedApiKey> {
    const { name, scopes } = validateApiKeyRequest(request.name, request.scopes);
    const secret = generateSecret('api');
    const id = randomUUID();
    const now = Date.now();
    await this.database.transaction(async (tx) => {
      await this.tenants.insertApiKey(tx, { tenantId, id, name, keyHash: hashSecret(secret), scopes }, now);
      await this.audit.record(tx, { ...context, tenantId, action: 'api_key.created', target: { type: 'apiKey', id }, after: { name, scopes } });
    });
    return { apiKey: { tenantId, id, name, scopes, createdAt: now, revokedAt: null }, secret };
  }

  /**
   * Revokes a key at once (revoking a revoked key changes nothing). The tenant's last active admin key
   * is kept: without it nobody could create keys any more.
   */
  async revokeApiKey(tenantId: string, id: string, context: AuditContext): Promise<ApiKey> {
    const revoked = await this.database.transaction(async (tx) => {
      const keys = await this.access.listApiKeys(tx, tenantId);
      const key = keys.find((candidate) => candidate.id === id);
      if (!key) throw new DomainError('NOT_FOUND', `API key ${id} not found`);
      if (key.revokedAt !== null) return key;
      const otherAdmins = keys.filter((candidate) => candidate.id !== id && candidate.revokedAt === null && candidate.scopes.includes('admin'));
      if (key.scopes.includes('admin') && otherAdmins.length === 0) {
        throw new DomainError('CONFLICT', 'this is the last active admin API key; create another admin key before revoking it');
      }
      const now = Date.now();
      await this.access.revokeApiKey(tx, tenantId, id, now);
      await this.audit.record(tx, { ...context, tenantId, action: 'api_key.revoked', target: { type: 'apiKey', id }, details: { name: key.name } });
      return { ...key, revokedAt: now };
    });
    this.options.apiKeyCache?.forgetTenant(tenantId);
    return revoked;
  }

  async oidcProvider(tenantId: string): Promise<OidcProvider | undefined> {
    return this.database.read((tx) => this.access.findOidcProvider(tx, tenantId));
  }

  /**
   * Sets the tenant's OIDC provider. An issuer and audience pair names one tenant only, so a token can
   * never be claimed by two tenants: CONFLICT when another holds it (the claim is atomic: saveOidcProvider).
   */
  async configureOidcProvider(tenantId: string, settings: OidcProviderSettings, context: AuditContext): Promise<OidcProvider> {
    const provider: OidcProvider = { tenantId, ...validateOidcProviderSettings(settings, { allowHttpJwks: this.options.allowHttpJwks }) };
    await this.options.outbound.checkDestination(provider.jwksUrl, { allowHttp: this.options.allowHttpJwks, label: 'jwksUrl' });
    await this.database.transaction(async (tx) => {
      const previous = await this.access.findOidcProvider(tx, tenantId);
      await this.access.saveOidcProvider(tx, provider, Date.now());
      await this.audit.record(tx, { ...context, tenantId, action: 'oidc_provider.configured', target: { type: 'tenant', id: tenantId }, before: previous ?? null, after: provider });
    });
    return provider;
  }

  /** Stops trusting the tenant's OIDC provider; returns it, or undefined when there was none. */
  async removeOidcProvider(tenantId: string, context: AuditContext): Promise<OidcProvider | undefined> {
    return this.database.transaction(async (tx) => {
      const provider = await this.access.findOidcProvider(tx, tenantId);
      if (provider) {
        await this.access.deleteOidcProvider(tx, tenantId);
        await this.audit.record(tx, { ...context, tenantId, action: 'oidc_provider.removed', target: { type: 'tenant', id: tenantId }, before: provider });
      }
      return provider;
    });
  }

  /** The tenants that trust `issuer`, with their provider settings, for verifying a token it issued. */
  async trustedProvidersOf(issuer: string): Promise<TrustedOidcProvider[]> {
    return this.database.read(async (tx) => {
      const trusted: TrustedOidcProvider[] = [];
      for (const provider of await this.access.findOidcProvidersByIssuer(tx, issuer)) {
        const tenant = await this.tenants.findTenantById(tx, provider.tenantId);
        if (tenant) trusted.push({ tenant, provider });
      }
      return trusted;
    });
  }
}
