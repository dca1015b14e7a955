import { useConsoleTestBed, PHONE } from './console-browser';

describe('console sign-in with a setup link (Chromium)', () => {
  const bed = useConsoleTestBed();

  it('opens the console once: a session cookie (HttpOnly, SameSite=Strict), the link refused when reused, audited', async () => {
    const tenant = await bed.hub.tenant();
    const link = await bed.setupLink(tenant);
    const first = await bed.newContext();
    const page = await first.newPage();
    await page.goto(link);
    // The token leaves the address bar (and the history) as soon as the page has read it.
    // (Polled from here: the console's CSP refuses the eval a page-side waitForFunction needs.)
    await page.waitForURL((url) => url.hash === '');
    await bed.screenshot(page, 'sign-in-setup-link');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
    await expect(page.getByLabel('Tenant', { exact: true }).textContent()).resolves.toContain(tenant.credentials.tenant.slug);
    const [cookie] = (await first.cookies()).filter((each) => each.name === 'ih_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });

    const second = await bed.newContext();
    const again = await second.newPage();
    await again.goto(link);
    await again.getByRole('button', { name: 'Open the console' }).click();
    await expect(again.getByRole('alert').textContent()).resolves.toContain('this setup link was already used');
    expect((await second.cookies()).some((each) => each.name === 'ih_console')).toBe(false);

    const audit = await bed.hub.hub.services.audit.list(tenant.credentials.tenant.id, { action: 'console.setup_link_used' }, { limit: 10 });
    expect(audit.items.map((item) => item.node.action)).toEqual(['console.setup_link_used']);
    await first.close();
    await second.close();
  });

  it('refuses an expired link with a message on the page', async () => {
    const tenant = await bed.hub.tenant();
    const link = await bed.setupLink(tenant, 0.0001);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const context = await bed.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('this setup link has expired');
    await context.close();
  });

  it('API calls need the CSRF header and the same origin; sign-out and link revocation end sessions at once', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const call = (headers: Record<string, string>) =>
      page.evaluate(
        async (sent) => (await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json', ...sent }, body: JSON.stringify({ query: '{ viewer { credential subject } }' }) })).status,
        headers,
      );
    expect(await call({})).toBe(401);
    const csrf = await page.evaluate(async () => ((await (await fetch('/console/auth/session')).json()) as { csrfToken: string }).csrfToken);
    expect(await call({ 'X-CSRF-Token': csrf })).toBe(200);

    // A second browser signed in with another link of the same tenant, then that link revoked: its session ends.
    const other = await bed.newContext();
    const otherPage = await other.newPage();
    const link = await bed.setupLink(tenant);
    await otherPage.goto(link);
    await otherPage.getByRole('button', { name: 'Open the console' }).click();
    await otherPage.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
    const [minted] = await bed.hub.hub.services.consoleAccess.listSetupLinks(tenant.credentials.tenant.id);
    await bed.hub.hub.services.consoleAccess.revokeSetupLink(tenant.credentials.tenant.id, minted!.id, { actor: { type: 'system', id: 'test' } });
    await otherPage.reload();
    await otherPage.getByRole('heading', { name: 'Sign in to the identity-hub console' }).waitFor();

    // The first one is untouched until it signs out.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the identity-hub console' }).waitFor();
    await bed.screenshot(page, 'sign-in');
    expect(await call({ 'X-CSRF-Token': csrf })).toBe(401);
    await context.close();
    await other.close();
  });
});
