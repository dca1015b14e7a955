import { LocalOidcProvider } from '../graphql/local-oidc-provider';
import { useConsoleTestBed } from './console-browser';

describe('console sign-in with the tenant’s IdP: OIDC authorization code with PKCE (Chromium)', () => {
  // http:// issuers are allowed for allow-listed hosts in development and tests only.
  const bed = useConsoleTestBed({ OIDC_ALLOW_HTTP_JWKS: 'true' });
  let provider: LocalOidcProvider;
  beforeAll(async () => {
    provider = await LocalOidcProvider.startAuthorizationServer();
  });
  afterAll(async () => {
    await provider.stop();
  });

  it('configured on the Settings page; an admin (mapped role Admin) signs in, a non-admin is refused, deprovisioning ends the session', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const admin = await tenant.scim.createUser('employee@example.com', { userType: 'admin', displayName: 'Em Ployee' });
    await tenant.scim.createUser('viewer@example.com', { userType: 'viewer' });

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('textbox', { name: 'Issuer' }).fill(provider.issuer);
    await page.getByRole('textbox', { name: 'Client ID' }).fill('identity-hub-console');
    await page.getByRole('textbox', { name: 'Button text: Sign in with' }).fill('Company IdP');
    await page.getByRole('button', { name: 'Save sign-in' }).click();
    await page.getByText('Saved').waitFor();
    await context.close();

    const signInAs = async (email: string) => {
      provider.signInAs = { sub: `sub-${email}`, email };
      const browser = await bed.newContext();
      const signIn = await browser.newPage();
      await signIn.goto('/console/sign-in');
      await signIn.getByRole('textbox', { name: 'Organisation (tenant slug)' }).fill(tenant.credentials.tenant.slug);
      await signIn.getByRole('button', { name: 'Continue' }).click();
      await signIn.getByRole('link', { name: 'Sign in with Company IdP' }).click();
      return { browser, signIn };
    };

    const refused = await signInAs('viewer@example.com');
    await expect(refused.signIn.getByRole('alert').textContent()).resolves.toContain('viewer@example.com is not an active admin');
    await refused.browser.close();

    const tokenRequests = provider.tokenRequests;
    const { browser, signIn } = await signInAs('employee@example.com');
    await signIn.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
    await expect(signIn.getByText('Signed in as employee@example.com').count()).resolves.toBe(1);
    expect(provider.tokenRequests).toBe(tokenRequests + 1);
    expect(provider.discoveryFetches).toBeGreaterThan(0);

    // The IdP deactivates the admin: the console session ends at once.
    expect((await tenant.scim.patch(`/Users/${admin.id as string}`, [{ op: 'replace', path: 'active', value: false }])).status).toBeLessThan(300);
    await signIn.reload();
    await signIn.getByRole('heading', { name: 'Sign in to the identity-hub console' }).waitFor();
    await browser.close();
  });
});
