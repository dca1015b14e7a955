import type { Request } from 'express';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { DomainError } from '../domain/errors';
import { scopesFromClaims } from '../domain/tenants/api-access';
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

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

export type OidcRefusalListener = (reason: string, tenantId?: string) => void;

/**
 * Access tokens (JWT) from a tenant's own OIDC provider. The unverified `iss` and `aud` only pick the
 * one tenant whose provider settings then verify the token: signature against that provider's JWKS,
 * issuer, audience, expiry. Key sets are fetched on first use, cached, and refetched (rate-limited by
 * jose) when a token names a key id they do not have, so provider key rotation needs no restart.
 */
export class OidcTokenVerifier {
  private readonly keySets = new Map<string, RemoteKeySet>();

  constructor(private readonly access: ApiAccessService) {}

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
      const { payload } = await jwtVerify(token, this.keySet(provider.jwksUrl), {
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

  private keySet(url: string): RemoteKeySet {
    let keySet = this.keySets.get(url);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
      this.keySets.set(url, keySet);
    }
    return keySet;
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
