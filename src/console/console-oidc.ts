import express, { type Request, type Response, type Router } from 'express';
import * as oidc from 'openid-client';
import { DomainError, isDomainError } from '../domain/errors';
import type { OutboundHttp } from '../outbound/outbound-http';
import type { ConsoleAccessService } from '../services/console-access.service';
import type { ConsoleSignInService } from '../services/console-sign-in.service';
import type { DirectoryService } from '../services/directory.service';
import type { TenantService } from '../services/tenant.service';
import { setConsoleCookie } from './console-session-cookie';

/** The sign-in in progress (PKCE verifier, state, nonce), kept in the browser between start and callback. */
const FLOW_COOKIE = 'ih_console_oidc';
const FLOW_PATH = '/console/auth/oidc';
const FLOW_MAX_AGE_MS = 10 * 60 * 1000;
/** Discovery and token requests to the IdP end by then, and read at most this much (limits.md). */
const IDP_DEADLINE_MS = 10_000;
const IDP_MAX_BODY_BYTES = 256 * 1024;
/** ID token claims tried, in order, as the hub user's userName. */
const USERNAME_CLAIMS = ['preferred_username', 'email', 'upn'] as const;

interface PendingSignIn {
  readonly slug: string;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export interface ConsoleOidcOptions {
  readonly tenants: TenantService;
  readonly signIn: ConsoleSignInService;
  readonly access: ConsoleAccessService;
  readonly directory: DirectoryService;
  /** Discovery and token calls go through the hub's outbound client (address policy, deadline, size cap). */
  readonly outbound: OutboundHttp;
  /** http:// issuers for allow-listed hosts (development and tests; OIDC_ALLOW_HTTP_JWKS). */
  readonly allowHttp: boolean;
  readonly publicUrl: string | undefined;
}

function readFlowCookie(request: Request): PendingSignIn | undefined {
  const raw = request.headers.cookie?.split(';').map((part) => part.trim()).find((part) => part.startsWith(`${FLOW_COOKIE}=`));
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw.slice(FLOW_COOKIE.length + 1), 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    if (typeof value.slug === 'string' && typeof value.verifier === 'string' && typeof value.state === 'string' && typeof value.nonce === 'string') return value as PendingSignIn;
  } catch {
    // a cookie we did not write: no sign-in in progress
  }
  return undefined;
}

/**
 * Sign-in to the console with the tenant's own IdP: OpenID Connect authorization code with PKCE
 * (openid-client). Every call to the IdP goes through the outbound client; the hub user is found by
 * the ID token's username claims, and may sign in only while active with the tenant's admin role.
 */
export function createConsoleOidcRoutes(options: ConsoleOidcOptions): Router {
  const router = express.Router();
  const baseUrl = (request: Request) => options.publicUrl ?? `${request.protocol}://${request.get('host')}`;
  const redirectUri = (request: Request) => `${baseUrl(request)}${FLOW_PATH}/callback`;
  const fetcher = options.outbound.fetcher({ allowHttp: options.allowHttp, deadlineMs: IDP_DEADLINE_MS, maxBodyBytes: IDP_MAX_BODY_BYTES });

  const configurationFor = async (tenantId: string) => {
    const registration = await options.signIn.settings(tenantId);
    if (!registration) throw new DomainError('NOT_FOUND', 'this organisation has no sign-in with an identity provider');
    const configuration = await oidc.discovery(
      new URL(registration.issuer),
      registration.clientId,
      registration.clientSecret ?? undefined,
      registration.clientSecret ? oidc.ClientSecretPost(registration.clientSecret) : oidc.None(),
      { [oidc.customFetch]: fetcher as oidc.CustomFetch, execute: options.allowHttp ? [oidc.allowInsecureRequests] : [] },
    );
    return { registration, configuration };
  };

  const fail = (request: Request, response: Response, slug: string | undefined, error: unknown) => {
    const message = isDomainError(error) ? error.message : error instanceof oidc.ResponseBodyError ? `the identity provider refused the sign-in (${error.error})` : 'signing in with the identity provider failed; try again';
    if (!isDomainError(error)) request.log.warn({ err: error }, 'console sign-in with the IdP failed');
    const query = new URLSearchParams({ ...(slug ? { tenant: slug } : {}), error: message });
    response.redirect(302, `/console/sign-in?${query.toString()}`);
  };

  router.get('/oidc/callback', async (request, response) => {
    const pending = readFlowCookie(request);
    response.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
    try {
      if (!pending) throw new DomainError('UNAUTHENTICATED', 'the sign-in expired or was started in another browser; start again');
      const tenant = await options.tenants.getTenantBySlug(pending.slug);
      const { configuration } = await configurationFor(tenant.id);
      const tokens = await oidc.authorizationCodeGrant(configuration, new URL(request.originalUrl, baseUrl(request)), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims: Record<string, unknown> = tokens.claims() ?? {};
      const names = USERNAME_CLAIMS.map((claim) => claims[claim]).filter((value): value is string => typeof value === 'string' && value !== '');
      let user: { id: string; userName: string } | undefined;
      for (const name of names) {
        user = await options.directory.userByUserName(tenant.id, name);
        if (user) break;
      }
      if (!user) throw new DomainError('FORBIDDEN', `${names[0] ?? 'this account'} is not a user of ${tenant.name}: the IdP has not provisioned it`);
      const { session, cookieToken } = await options.access.startUserSession(tenant.id, user, request.requestId);
      setConsoleCookie(request, response, cookieToken, session.expiresAt);
      response.redirect(302, '/console/connect');
    } catch (error) {
      fail(request, response, pending?.slug, error);
    }
  });

  router.get('/oidc/:slug/start', async (request, response) => {
    const slug = String(request.params.slug);
    try {
      const tenant = await options.tenants.getTenantBySlug(slug);
      const { configuration } = await configurationFor(tenant.id);
      const pending: PendingSignIn = { slug, verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
      const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri(request),
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      // SameSite=Lax: the IdP's redirect back is a top-level navigation from another site.
      response.cookie(FLOW_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), { httpOnly: true, sameSite: 'lax', secure: request.secure, path: FLOW_PATH, maxAge: FLOW_MAX_AGE_MS });
      response.redirect(302, authorizationUrl.href);
    } catch (error) {
      fail(request, response, slug, error);
    }
  });

  /** Whether the tenant offers sign-in with its IdP, and what the button says. */
  router.get('/oidc/:slug', async (request, response, next) => {
    const slug = String(request.params.slug);
    try {
      const tenant = await options.tenants.getTenantBySlug(slug).catch(() => undefined);
      const registration = tenant && (await options.signIn.settings(tenant.id));
      if (!registration) {
        response.status(404).json({ error: 'no sign-in with an identity provider for this organisation' });
        return;
      }
      response.json({ displayName: registration.displayName, startUrl: `${FLOW_PATH}/${encodeURIComponent(slug)}/start` });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
