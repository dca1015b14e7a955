import { DomainError } from '../errors';

/**
 * OAuth 2.0 client credentials (RFC 6749 section 4.4) for a connection's SCIM client, beside its static
 * bearer token: the IdP trades its client id and secret for a short-lived signed access token.
 */
export const MIN_ACCESS_TOKEN_MINUTES = 60;
export const MAX_ACCESS_TOKEN_MINUTES = 360;
export const DEFAULT_ACCESS_TOKEN_MINUTES = 60;

/** The lifetime asked for, checked; undefined or null means the default. */
export function checkAccessTokenLifetime(minutes: number | null | undefined): number | null {
  if (minutes === undefined || minutes === null) return null;
  if (!Number.isInteger(minutes) || minutes < MIN_ACCESS_TOKEN_MINUTES || minutes > MAX_ACCESS_TOKEN_MINUTES) {
    throw new DomainError('INVALID_INPUT', `an access token lifetime is a whole number of minutes from ${MIN_ACCESS_TOKEN_MINUTES} to ${MAX_ACCESS_TOKEN_MINUTES}`);
  }
  return minutes;
}

/** The client credentials a token request carries, from the Authorization header (client_secret_basic) or the form body (client_secret_post). */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly method: 'client_secret_basic' | 'client_secret_post';
}

/** An RFC 6749 section 5.2 error: `error` is the registered code, `status` the HTTP status to answer with. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'unauthorized_client',
    readonly status: 400 | 401,
    description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

/** RFC 6749 section 2.3.1: client id and secret are form-urlencoded before they are joined for Basic. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * Reads the client's credentials from a token request: one method only (RFC 6749 section 2.3: a client
 * must not use more than one), Basic credentials well formed.
 */
export function readClientCredentials(authorization: string | undefined, form: Readonly<Record<string, unknown>>): ClientCredentials {
  const postedId = typeof form.client_id === 'string' ? form.client_id : undefined;
  const postedSecret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
  if (authorization !== undefined && /^basic\s/i.test(authorization)) {
    if (postedSecret !== undefined) throw new OAuthError('invalid_request', 400, 'send the client secret either in the Authorization header or in the body, not both');
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 401, 'the Basic credentials are not client_id:client_secret');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 401, 'the Basic credentials are not form-urlencoded');
    }
    if (postedId !== undefined && postedId !== clientId) throw new OAuthError('invalid_request', 400, 'client_id in the body differs from the one in the Authorization header');
    return { clientId, clientSecret, method: 'client_secret_basic' };
  }
  if (postedId === undefined || postedSecret === undefined) {
    throw new OAuthError('invalid_client', 401, 'client authentication needed: HTTP Basic (client_secret_basic) or client_id and client_secret in the body (client_secret_post)');
  }
  return { clientId: postedId, clientSecret: postedSecret, method: 'client_secret_post' };
}
