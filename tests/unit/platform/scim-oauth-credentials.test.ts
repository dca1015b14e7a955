import { checkAccessTokenLifetime, OAuthError, readClientCredentials } from '../../../src/domain/tenants/scim-oauth';
import { routeFamily } from '../../../src/http/metrics';
import { expectDomainError } from '../../support/domain-errors';

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;

function oauthError(run: () => unknown): { error: string; status: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return { error: error.error, status: error.status };
    throw error;
  }
  throw new Error('no OAuthError');
}

describe('client credentials of a token request (RFC 6749 section 2.3.1)', () => {
  it('reads client_secret_basic, form-decoding id and secret', () => {
    expect(readClientCredentials(basic('my%20client:s%3Acret+x'), {})).toEqual({ clientId: 'my client', clientSecret: 's:cret x', method: 'client_secret_basic' });
    expect(readClientCredentials('basic ' + Buffer.from('id:secret:with:colons').toString('base64'), { client_id: 'id' })).toEqual({ clientId: 'id', clientSecret: 'secret:with:colons', method: 'client_secret_basic' });
  });

  it('reads client_secret_post', () => {
    expect(readClientCredentials(undefined, { client_id: 'id', client_secret: 'secret' })).toEqual({ clientId: 'id', clientSecret: 'secret', method: 'client_secret_post' });
    // A bearer header is not client authentication: the form decides.
    expect(readClientCredentials('Bearer x', { client_id: 'id', client_secret: 'secret' }).method).toBe('client_secret_post');
  });

  it.each([
    ['both methods at once', basic('id:secret'), { client_secret: 'secret' }, 'invalid_request', 400],
    ['a body client_id other than the Basic one', basic('id:secret'), { client_id: 'other' }, 'invalid_request', 400],
    ['Basic without a colon', basic('idsecret'), {}, 'invalid_client', 401],
    ['Basic with broken percent-encoding', basic('id:%E0%A4%A'), {}, 'invalid_client', 401],
    ['no credentials', undefined, {}, 'invalid_client', 401],
    ['a client id without a secret', undefined, { client_id: 'id' }, 'invalid_client', 401],
    ['array-valued fields', undefined, { client_id: ['a', 'b'], client_secret: 's' }, 'invalid_client', 401],
  ])('refuses %s', (_name, authorization, form, error, status) => {
    expect(oauthError(() => readClientCredentials(authorization, form as Record<string, unknown>))).toEqual({ error, status });
  });
});

describe('access token lifetime', () => {
  it('accepts whole minutes from 60 to 360; none means the default', () => {
    expect([checkAccessTokenLifetime(60), checkAccessTokenLifetime(360), checkAccessTokenLifetime(undefined), checkAccessTokenLifetime(null)]).toEqual([60, 360, null, null]);
  });

  it.each([59, 361, 90.5, 0, -60, Number.NaN])('refuses %p', (minutes) => {
    expectDomainError(() => checkAccessTokenLifetime(minutes), 'INVALID_INPUT', '60 to 360');
  });
});

describe('metrics route families', () => {
  it.each([
    ['/scim/v2/Users', 'scim'],
    ['/scim/v2/oauth/token', 'scim_oauth'],
    ['/graphql', 'graphql'],
    ['/operator/graphql', 'operator_graphql'],
    ['/healthz', 'health'],
    ['/readyz', 'health'],
    ['/console/users', 'console'],
    ['/wp-admin/../etc/passwd', 'other'],
  ])('%s -> %s', (path, family) => {
    expect(routeFamily(path)).toBe(family);
  });
});
