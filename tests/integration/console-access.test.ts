import { CreateConsoleSetupLinkDocument, ConfigureConsoleSignInDocument, ConsoleSetupLinksDocument, RevokeConsoleSetupLinkDocument } from '../graphql/generated/operations';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';
import { databaseUrl, freePort, runCli, startServer } from '../support/processes';

/** The cookie's name=value and its attributes, from a Set-Cookie header. */
function consoleCookie(headers: Record<string, unknown>): { value: string; attributes: string } {
  const setCookie = ([] as string[]).concat((headers['set-cookie'] as string[] | string | undefined) ?? []).find((cookie) => cookie.startsWith('ih_console='));
  if (!setCookie) throw new Error('no ih_console cookie set');
  const [pair, ...attributes] = setCookie.split(';');
  return { value: pair!, attributes: attributes.join(';') };
}

describe(`console access: setup links and sessions over HTTP on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function redeem(tenant: GraphqlTestTenant) {
    const minted = (await tenant.admin.data(CreateConsoleSetupLinkDocument, { input: { expiresInHours: 2 } })).createConsoleSetupLink;
    const token = minted.url.split('#')[1]!;
    return { minted, token, response: await graphql.hub.http.post('/console/auth/setup-link').send({ token }) };
  }

  it('mints a one-time link over GraphQL, exchanges it for a cookie session that calls GraphQL with its CSRF token, and refuses it again', async () => {
    const tenant = await graphql.tenant();
    const { minted, token, response } = await redeem(tenant);
    expect(minted.url).toMatch(/^\/console\/setup#ihsetup_/);
    expect(minted.link).toMatchObject({ usedAt: null, revokedAt: null, createdBy: expect.stringMatching(/^apiKey:/) });
    expect(Date.parse(minted.link.expiresAt) - Date.now()).toBeGreaterThan(1.9 * 3600_000);
    expect(response.status).toBe(200);
    const cookie = consoleCookie(response.headers);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).not.toMatch(/Secure/);

    const session = await graphql.hub.http.get('/console/auth/session').set('Cookie', cookie.value);
    expect(session.body).toMatchObject({ tenant: { slug: tenant.credentials.tenant.slug }, method: 'setupLink' });
    const viewer = (headers: Record<string, string>) => graphql.hub.http.post('/graphql').set({ Cookie: cookie.value, 'Content-Type': 'application/json', ...headers }).send({ query: '{ viewer { credential scopes } }' });
    expect((await viewer({ 'X-CSRF-Token': session.body.csrfToken })).body.data.viewer).toEqual({ credential: 'CONSOLE_SESSION', scopes: ['READ', 'ADMIN'] });
    expect((await viewer({})).status).toBe(401);
    expect((await viewer({ 'X-CSRF-Token': 'wrong' })).status).toBe(401);
    expect((await viewer({ 'X-CSRF-Token': session.body.csrfToken, Origin: 'https://evil.example' })).status).toBe(401);

    const again = await graphql.hub.http.post('/console/auth/setup-link').send({ token });
    expect(again.status).toBe(401);
    expect(again.body.error).toContain('already used');
    expect((await graphql.hub.http.post('/console/auth/setup-link').send({ token: 'ihsetup_nope' })).status).toBe(401);
    expect((await graphql.hub.http.post('/console/auth/setup-link').send({})).status).toBe(400);
    expect((await tenant.admin.data(ConsoleSetupLinksDocument)).consoleSetupLinks).toEqual([{ id: minted.link.id, usedAt: expect.any(String), revokedAt: null }]);
  });

  it('revoking the link ends its sessions at once; sign-out needs the CSRF token', async () => {
    const tenant = await graphql.tenant();
    const { minted, response } = await redeem(tenant);
    const cookie = consoleCookie(response.headers).value;
    const session = await graphql.hub.http.get('/console/auth/session').set('Cookie', cookie);
    expect((await graphql.hub.http.post('/console/auth/sign-out').set('Cookie', cookie)).status).toBe(403);
    await tenant.admin.data(RevokeConsoleSetupLinkDocument, { input: { id: minted.link.id } });
    expect((await graphql.hub.http.get('/console/auth/session').set('Cookie', cookie)).status).toBe(401);
    expect((await graphql.hub.http.post('/graphql').set({ Cookie: cookie, 'X-CSRF-Token': session.body.csrfToken }).send({ query: '{ viewer { subject } }' })).status).toBe(401);
    expect(errorCodes(await tenant.admin.send(RevokeConsoleSetupLinkDocument, { input: { id: '00000000-0000-4000-8000-000000000000' } }))).toEqual(['NOT_FOUND']);
  });

  it('refuses bad input with stable codes, and read-only keys', async () => {
    const tenant = await graphql.tenant();
    expect(errorCodes(await tenant.admin.send(CreateConsoleSetupLinkDocument, { input: { expiresInHours: 0 } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(CreateConsoleSetupLinkDocument, { input: { expiresInHours: 721 } }))).toEqual(['INVALID_INPUT']);
    const base = { issuer: 'https://login.example.com/tenant', clientId: 'console', displayName: 'Example IdP' };
    expect(errorCodes(await tenant.admin.send(ConfigureConsoleSignInDocument, { input: { ...base, issuer: 'ftp://x' } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(ConfigureConsoleSignInDocument, { input: { ...base, clientId: ' ' } }))).toEqual(['INVALID_INPUT']);
    expect((await tenant.admin.data(ConfigureConsoleSignInDocument, { input: { ...base, clientSecret: 's3cret' } })).configureConsoleSignIn.signIn).toEqual({ ...base, hasClientSecret: true, adminRole: 'Admin' });
    const reader = await graphql.hub.hub.services.access.createApiKey(tenant.credentials.tenant.id, { name: 'reader', scopes: ['read'] }, { actor: { type: 'system', id: 'test' } });
    expect(errorCodes(await tenant.client(reader.secret).send(CreateConsoleSetupLinkDocument, {}))).toEqual(['FORBIDDEN']);
  });

  it('GET / and /admin lead to the console', async () => {
    for (const path of ['/', '/admin']) {
      const response = await graphql.hub.http.get(path);
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('/console/');
    }
  });
});

describe(`console setup links from the CLI and the start banner on ${testDatabaseKind()}`, () => {
  it('setup-link <slug> --json prints {url}; npm start prints a link for the demo tenant', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: databaseUrl(database.config) };
    try {
      const port = await freePort();
      const server = await startServer(env, port);
      try {
        const link = /Admin console \(demo tenant, one use\): (\S+)/.exec(server.output())?.[1];
        expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/console/setup#ihsetup_`));
        const redeemed = await fetch(`${server.baseUrl}/console/auth/setup-link`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: link!.split('#')[1] }) });
        expect(redeemed.status).toBe(200);
      } finally {
        await server.stop();
      }
      const printed = await runCli(['setup-link', 'demo', '--expires-in-hours', '2', '--json'], { ...env, PUBLIC_URL: 'https://hub.example.com' });
      expect(printed.status).toBe(0);
      const parsed = JSON.parse(printed.stdout) as { url: string; expiresAt: string };
      expect(parsed.url).toMatch(/^https:\/\/hub\.example\.com\/console\/setup#ihsetup_/);
      expect(Date.parse(parsed.expiresAt) - Date.now()).toBeLessThan(2 * 3600_000 + 60_000);
      const unknown = await runCli(['setup-link', 'nope'], env);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('tenant "nope" does not exist');
    } finally {
      await database.drop();
    }
  });
});
