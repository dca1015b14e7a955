import { randomBytes } from 'node:crypto';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { checkAccessTokenLifetime, DEFAULT_ACCESS_TOKEN_MINUTES, OAuthError, type ClientCredentials } from '../domain/tenants/scim-oauth';
import { generateSecret, hashSecret, isWellFormedSecret, safeEqual } from '../domain/tenants/secret-token';
import type { Database, Tx } from '../persistence/database';
import { TenantRepository, type OAuthClientRecord } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import { CredentialCache } from './credential-cache';
import type { CredentialChanges } from '../persistence/credential-changes';
import type { RefusedCredentialListener, ScimPrincipal } from './tenant.service';

export interface ScimOAuthClient {
  readonly clientId: string;
  readonly secretCreatedAt: number;
  readonly tokenLifetimeMinutes: number;
}

export interface IssuedClientSecret extends ScimOAuthClient {
  /** Shown once: only its hash is stored. */
  readonly clientSecret: string;
}

export interface IssuedAccessToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/** How long a client's record is trusted without reading it again (a change on this node applies at once). */
const CLIENT_TTL_MS = 5_000;
const ALGORITHM = 'HS256';
const ISSUER_SUFFIX = '/oauth';

/** A JWT (three base64url parts): the static tokens (ihscim_...) never look like one. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/**
 * SCIM OAuth 2.0 client credentials: each connection may have a client (id, hashed secret, HS256 signing
 * key). The token endpoint signs access tokens whose audience is the SCIM base they were requested at;
 * rotating the secret or revoking the client replaces or removes the signing key, so every access
 * token issued before stops working at once (on other nodes when the change reaches them, at most CLIENT_TTL_MS).
 */
export class ScimOAuthService {
  private readonly tenants = new TenantRepository();
  private readonly clients: CredentialCache<OAuthClientRecord>;
  private readonly now: () => number;

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    options: { now?: () => number; credentialChanges?: CredentialChanges } = {},
  ) {
    this.now = options.now ?? Date.now;
    // Other nodes' rotations and revocations arrive through credentialChanges (connections rows notify).
    this.clients = new CredentialCache({ ttlMs: CLIENT_TTL_MS, maxEntries: 10_000, now: this.now, changes: options.credentialChanges });
    database.watchWrites(['tenants', 'connections'], () => this.clients.forgetAll());
  }

  /** The connection's client, or undefined when it has none. */
  async client(tenantId: string): Promise<ScimOAuthClient | undefined> {
    return this.database.read(async (tx) => {
      const status = await this.tenants.findOAuthClientStatus(tx, await this.defaultConnection(tx, tenantId));
      return status && { ...status, tokenLifetimeMinutes: status.tokenLifetimeMinutes ?? DEFAULT_ACCESS_TOKEN_MINUTES };
    });
  }

  /**
   * Issues a client secret: a new client on first use, else a rotation (the client id stays; the old
   * secret and every access token signed before stop working at once).
   */
  async issueClientSecret(tenantId: string, options: { tokenLifetimeMinutes?: number | null }, context: AuditContext): Promise<IssuedClientSecret> {
    const requestedLifetime = checkAccessTokenLifetime(options.tokenLifetimeMinutes);
    const clientSecret = generateSecret('scimClient');
    const now = this.now();
    const issued = await this.database.transaction(async (tx) => {
      const connection = await this.defaultConnection(tx, tenantId);
      const current = await this.tenants.findOAuthClientStatus(tx, connection);
      const clientId = current?.clientId ?? `ihcid_${randomBytes(16).toString('hex')}`;
      const tokenLifetimeMinutes = options.tokenLifetimeMinutes === undefined ? (current?.tokenLifetimeMinutes ?? null) : requestedLifetime;
      await this.tenants.setOAuthClient(tx, connection, { clientId, secretHash: hashSecret(clientSecret), signingKey: randomBytes(32).toString('hex'), createdAt: now, tokenLifetimeMinutes });
      await this.audit.record(tx, {
        ...context,
        tenantId,
        action: current ? 'scim_oauth_client.secret_rotated' : 'scim_oauth_client.created',
        target: { type: 'connection', id: connection.id },
        after: { clientId, tokenLifetimeMinutes },
      });
      return { clientId, secretCreatedAt: now, tokenLifetimeMinutes: tokenLifetimeMinutes ?? DEFAULT_ACCESS_TOKEN_MINUTES };
    });
    return { ...issued, clientSecret };
  }

  async setTokenLifetime(tenantId: string, minutes: number | null, context: AuditContext): Promise<ScimOAuthClient> {
    const lifetime = checkAccessTokenLifetime(minutes);
    await this.database.transaction(async (tx) => {
      const connection = await this.defaultConnection(tx, tenantId);
      const current = await this.tenants.findOAuthClientStatus(tx, connection);
      if (!current) throw new DomainError('NOT_FOUND', 'the connection has no OAuth client; create one first');
      await this.tenants.setOAuthTokenLifetime(tx, connection, lifetime);
      await this.audit.record(tx, { ...context, tenantId, action: 'scim_oauth_client.lifetime_set', target: { type: 'connection', id: connection.id }, before: { tokenLifetimeMinutes: current.tokenLifetimeMinutes }, after: { tokenLifetimeMinutes: lifetime } });
    });
    return (await this.client(tenantId))!;
  }

  /** Removes the client: its secret and every access token it obtained stop working. The static token is untouched. */
  async revokeClient(tenantId: string, context: AuditContext): Promise<void> {
    await this.database.transaction(async (tx) => {
      const connection = await this.defaultConnection(tx, tenantId);
      const current = await this.tenants.findOAuthClientStatus(tx, connection);
      if (!current) throw new DomainError('NOT_FOUND', 'the connection has no OAuth client');
      await this.tenants.setOAuthClient(tx, connection, null);
      await this.audit.record(tx, { ...context, tenantId, action: 'scim_oauth_client.revoked', target: { type: 'connection', id: connection.id }, before: { clientId: current.clientId } });
    });
  }

  /**
   * The token endpoint's work: checks the client's credentials and signs an access token for `audience`
   * (the SCIM base the request came to). `onRefused` learns the tenant of a known client whose secret was wrong.
   */
  async issueAccessToken(credentials: ClientCredentials, audience: string, onRefused: RefusedCredentialListener): Promise<IssuedAccessToken> {
    const client = await this.findClient(credentials.clientId);
    const secretHash = hashSecret(credentials.clientSecret);
    if (!client || !isWellFormedSecret('scimClient', credentials.clientSecret) || !safeEqual(client.secretHash, secretHash)) {
      if (client) onRefused(client.tenant.id);
      throw new OAuthError('invalid_client', 401, 'unknown client or wrong client secret');
    }
    if (client.tenant.suspendedAt !== null) throw new OAuthError('unauthorized_client', 400, 'this tenant is suspended by the operator of the hub');
    const lifetimeSeconds = (client.tokenLifetimeMinutes ?? DEFAULT_ACCESS_TOKEN_MINUTES) * 60;
    const issuedAt = Math.floor(this.now() / 1000);
    const accessToken = await new SignJWT({ client_id: client.clientId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
      .setIssuer(`${audience}${ISSUER_SUFFIX}`)
      .setSubject(client.clientId)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .setJti(randomBytes(16).toString('hex'))
      .sign(Buffer.from(client.signingKey, 'hex'));
    return { accessToken, expiresIn: lifetimeSeconds };
  }

  /**
   * The tenant and connection of a valid access token for `audience`, or undefined (bad signature,
   * expired, other audience, client rotated or revoked). `onRefused` learns the tenant of a token that
   * names a known client but fails.
   */
  async authenticateAccessToken(token: string, audience: string, onRefused: RefusedCredentialListener): Promise<ScimPrincipal | undefined> {
    let clientId: unknown;
    try {
      clientId = decodeJwt(token).client_id;
    } catch {
      return undefined;
    }
    if (typeof clientId !== 'string') return undefined;
    const client = await this.findClient(clientId);
    if (!client) return undefined;
    try {
      await jwtVerify(token, Buffer.from(client.signingKey, 'hex'), {
        algorithms: [ALGORITHM],
        audience,
        issuer: `${audience}${ISSUER_SUFFIX}`,
        subject: client.clientId,
        currentDate: new Date(this.now()),
      });
    } catch {
      onRefused(client.tenant.id);
      return undefined;
    }
    return { tenant: client.tenant, connection: client.connection };
  }

  private async findClient(clientId: string): Promise<OAuthClientRecord | undefined> {
    if (clientId === '' || clientId.length > 64) return undefined;
    return this.clients.remember(clientId, async () => {
      const record = await this.database.read((tx) => this.tenants.findOAuthClient(tx, clientId));
      return record && { value: record, tenantId: record.tenant.id };
    });
  }

  private async defaultConnection(tx: Tx, tenantId: string) {
    const connection = await this.tenants.findDefaultConnection(tx, tenantId);
    if (!connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
    return connection;
  }
}
