import type { Request } from 'express';
import { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { DomainError } from '../domain/errors';
import { scopesFromClaims } from '../domain/tenants/api-access';
import type { OutboundHttp } from '../outbound/outbound-http';
import type { ApiAccessService } from '../services/api-access.service';
import type { GraphqlPrincipal } from './graphql-principal';
import { noteRefusedCredential } from './refused-credential';

export const OIDC_TOKEN_STRATEGY = 'graphql-oidc-token';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Larger than any access token a real provider issues; bounds the work an unauthenticated caller can ask for. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Asymmetric algorithms only: a shared-secret (HS*) token could be forged by anyone who can read the JWKS. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
/** One JWKS fetch, connection to last byte. */
const JWKS_DEADLINE_MS = 5_000;
/** A key set larger than this is refused (real ones are a few KB). */
const JWKS_MAX_BYTES = 256 * 1024;
/** A tenant's JWKS is fetched at most this often, whatever callers send (jose's own cooldown for unknown key ids is 30 s). */
const JWKS_MIN_FETCH_INTERVAL_MS = 10_000;
/** After a failed fetch (unreachable, refused, not 200, not a key set), none for this long. */
const JWKS_RETRY_AFTER_FAILURE_MS = 30_000;
/** Fetched keys are used this long before they are fetched again. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** A token naming a key id the cached set lacks refetches the set at most this often (key rotation). */
const JWKS_COOLDOWN_MS = 30_000;

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

export interface OidcTokenVerifierOptions {
  /** The client every JWKS fetch goes through (outbound address policy, deadlines, no redirects). */
  readonly outbound: OutboundHttp;
  /** Plain http:// JWKS URLs for allow-listed hosts (development and tests). */
  readonly allowHttpJwks: boolean;
  readonly now?: () => number;
}

/** The keys cannot be had now: fetches are rate-limited, or the provider answered other than 200. */
class JwksUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JwksUnavailable';
  }
}

/**
 * Per tenant, when its JWKS may be fetched next: an unauthenticated caller naming a tenant's issuer
 * cannot make the hub open a connection per request (issue 13: 40 requests were 40 connections when
 * the provider answered 503, since jose caches only successes).
 */
class JwksFetchLimiter {
  private readonly nextFetchAt = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Takes the tenant's turn, or throws JwksUnavailable. */
  take(tenantId: string): void {
    const now = this.now();
    if ((this.nextFetchAt.get(tenantId) ?? 0) > now) throw new JwksUnavailable("the tenant's JWKS was fetched or failed too recently");
    this.nextFetchAt.set(tenantId, now + JWKS_MIN_FETCH_INTERVAL_MS);
  }

  failed(tenantId: string): void {
    this.nextFetchAt.set(tenantId, this.now() + JWKS_RETRY_AFTER_FAILURE_MS);
  }
}

export type OidcRefusalListener = (reason: string, tenantId?: string) => void;

/**
 * Access tokens (JWT) from a tenant's own OIDC provider. The unverified `iss` and `aud` only pick the
 * one tenant whose provider settings then verify the token: signature against that provider's JWKS,
 * issuer, audience, expiry. Key sets are fetched on first use through the outbound client, cached
 * (10 minutes), and refetched when a token names a key id they do not have (at most every 30 s, jose's
 * cooldown), so provider key rotation needs no restart. Fetches are rate-limited per tenant: at most one
 * every 10 s, none for 30 s after a failure; meanwhile such tokens are answered UNAVAILABLE (503).
 */
export class OidcTokenVerifier {
  private readonly keySets = new Map<string, RemoteKeySet>();
  private readonly limiter: JwksFetchLimiter;
  private readonly fetchJwks: ReturnType<OutboundHttp['fetcher']>;

  constructor(
    private readonly access: ApiAccessService,
    options: OidcTokenVerifierOptions,
  ) {
    this.limiter = new JwksFetchLimiter(options.now ?? Date.now);
    this.fetchJwks = options.outbound.fetcher({ allowHttp: options.allowHttpJwks, deadlineMs: JWKS_DEADLINE_MS, maxBodyBytes: JWKS_MAX_BYTES });
  }

  /**
   * The principal for a valid token; undefined for anything else; UNAVAILABLE when the provider's keys
   * cannot be fetched. `onRefusal` learns why, and the tenant when the token names exactly one tenant's
   * provider but fails its verification (the failure then counts against that tenant).
   */
  async verify(token: string, onRefusal: OidcRefusalListener = () => undefined): Promise<GraphqlPrincipal | undefined> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return undefined;
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    if (typeof unverified.iss !== 'string') return undefined;
    const audiences = typeof unverified.aud === 'string' ? [unverified.aud] : (unverified.aud ?? []);
    const candidates = (await this.access.trustedProvidersOf(unverified.iss)).filter(({ provider }) => audiences.includes(provider.audience));
    if (candidates.length !== 1) {
      onRefusal('no tenant trusts this issuer and audience');
      return undefined;
    }
    const [{ tenant, provider }] = candidates;
    try {
      const { payload } = await jwtVerify(token, this.keySet(tenant.id, provider.jwksUrl), {
        issuer: provider.issuer,
        audience: provider.audience,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      });
      return {
        tenant,
        scopes: scopesFromClaims(provider, payload),
        credential: { kind: 'oidcToken', issuer: provider.issuer, subject: typeof payload.sub === 'string' ? payload.sub : null },
      };
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new DomainError('UNAVAILABLE', "the tenant's OIDC signing keys cannot be fetched right now; retry shortly");
      }
      onRefusal(error.code, tenant.id);
      return undefined;
    }
  }

  /** One cached key set per tenant and URL: a changed URL starts afresh, and limits stay per tenant. */
  private keySet(tenantId: string, url: string): RemoteKeySet {
    const key = `${tenantId} ${url}`;
    let keySet = this.keySets.get(key);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(url), {
        timeoutDuration: JWKS_DEADLINE_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        [customFetch]: (target: string, init: { headers?: Headers; signal?: AbortSignal }) => this.limitedFetch(tenantId, target, init),
      });
      this.keySets.set(key, keySet);
    }
    return keySet;
  }

  private async limitedFetch(tenantId: string, url: string, init: { headers?: Headers; signal?: AbortSignal }): Promise<Response> {
    this.limiter.take(tenantId);
    try {
      const response = await this.fetchJwks(url, init);
      // Not the token's fault: UNAVAILABLE (503), not a refusal of the credential.
      if (response.status !== 200) throw new JwksUnavailable(`the JWKS endpoint answered HTTP ${response.status}`);
      return response;
    } catch (error) {
      this.limiter.failed(tenantId);
      throw error;
    }
  }
}

/** `Authorization: Bearer <JWT>` verified by `OidcTokenVerifier`; why a token was refused goes to the request log. */
export function createOidcTokenStrategy(verifier: OidcTokenVerifier) {
  return new BearerStrategy({ passReqToCallback: true }, (request: Request, token: string, done: (error: unknown, user?: GraphqlPrincipal | false) => void) => {
    verifier
      .verify(token, (reason, tenantId) => {
        request.log.info({ reason, tenantId }, 'OIDC access token refused');
        if (tenantId !== undefined) noteRefusedCredential(request, tenantId);
      })
      .then(
        (principal) => done(null, principal ?? false),
        (error: unknown) => done(error),
      );
  });
}
