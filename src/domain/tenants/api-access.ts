import { DomainError } from '../errors';

/**
 * Who may read and configure a tenant over GraphQL: API keys and the tenant's own OIDC provider.
 * `read` covers every query that is not marked admin; `admin` covers configuration, logs and
 * provenance, and implies `read`. `ownership` lets an app register who owns its resources (and read
 * them back) without the power to configure the tenant; API keys only, admin does not imply it.
 */
export const API_SCOPES = ['read', 'admin', 'ownership'] as const;

export type ApiScope = (typeof API_SCOPES)[number];

/** The scopes a credential carries, closed under "admin implies read", unknown names dropped, in a fixed order. */
export function effectiveScopes(names: Iterable<string>): ApiScope[] {
  const granted = new Set<string>(names);
  if (granted.has('admin')) granted.add('read');
  return API_SCOPES.filter((scope) => granted.has(scope));
}

export interface ApiKey {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

const API_KEY_NAME_MAX = 200;

export function validateApiKeyRequest(name: string, scopes: readonly ApiScope[]): { name: string; scopes: ApiScope[] } {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > API_KEY_NAME_MAX) throw new DomainError('INVALID_INPUT', `an API key name is 1-${API_KEY_NAME_MAX} characters`);
  const effective = effectiveScopes(scopes);
  if (effective.length === 0) throw new DomainError('INVALID_INPUT', 'an API key needs at least one scope');
  return { name: trimmed, scopes: effective };
}

/**
 * The company's own OIDC provider, trusted to issue access tokens for one tenant: a token is accepted
 * when it is signed by a key of `jwksUrl`, names `issuer` and `audience`, and is unexpired. Its
 * `scopeClaim` (a space-separated string or an array, as `scope` and `scp` come) grants `read` when it
 * holds `readScope` and `admin` when it holds `adminScope`.
 */
export interface OidcProvider {
  readonly tenantId: string;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly scopeClaim: string;
  readonly readScope: string;
  readonly adminScope: string;
}

export type OidcProviderSettings = Omit<OidcProvider, 'tenantId'>;

const TEXT_MAX = 512;
const CLAIM_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * Checks what an admin configures. The JWKS URL must be https: the hub fetches it, and plain http would
 * let anyone on the path swap the keys. `allowHttpJwks` is for development and tests on one machine.
 */
export function validateOidcProviderSettings(settings: OidcProviderSettings, options: { allowHttpJwks: boolean }): OidcProviderSettings {
  const problems: string[] = [];
  const text = (name: string, value: string) => {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.length > TEXT_MAX) problems.push(`${name} must be 1-${TEXT_MAX} characters`);
    return trimmed;
  };
  const issuer = text('issuer', settings.issuer);
  const audience = text('audience', settings.audience);
  const readScope = text('readScope', settings.readScope);
  const adminScope = text('adminScope', settings.adminScope);
  const scopeClaim = settings.scopeClaim.trim();
  if (!CLAIM_NAME.test(scopeClaim)) problems.push('scopeClaim must be a claim name (letters, digits, _ . : -)');
  if (readScope !== '' && readScope === adminScope) problems.push('readScope and adminScope must differ');
  let jwksUrl = settings.jwksUrl.trim();
  try {
    const url = new URL(jwksUrl);
    const allowed = options.allowHttpJwks ? ['https:', 'http:'] : ['https:'];
    if (!allowed.includes(url.protocol)) problems.push(options.allowHttpJwks ? 'jwksUrl must be an http(s) URL' : 'jwksUrl must be an https URL');
    if (url.username || url.password) problems.push('jwksUrl must not carry credentials');
    jwksUrl = url.toString();
  } catch {
    problems.push('jwksUrl must be a URL');
  }
  if (jwksUrl.length > TEXT_MAX) problems.push(`jwksUrl must be at most ${TEXT_MAX} characters`);
  if (problems.length > 0) throw new DomainError('INVALID_INPUT', problems.join('; '));
  return { issuer, audience, jwksUrl, scopeClaim, readScope, adminScope };
}

/** The hub scopes a verified token's claims grant under `provider`. */
export function scopesFromClaims(provider: OidcProvider, claims: Record<string, unknown>): ApiScope[] {
  const value = claims[provider.scopeClaim];
  const values = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const granted: string[] = [];
  if (values.includes(provider.readScope)) granted.push('read');
  if (values.includes(provider.adminScope)) granted.push('admin');
  return effectiveScopes(granted);
}
