import { useConsoleTestBed, PHONE } from './console-browser';

describe('console: connect your IdP (Chromium)', () => {
  const bed = useConsoleTestBed();

  it('generates the token (shown once) and shows an Entra-shaped Test Connection request arrive, then the first users', async () => {
    const { page, context } = await bed.signedIn();
    await page.getByRole('radio', { name: 'Microsoft Entra ID' }).check();
    await expect(page.getByRole('textbox', { name: 'Tenant URL' }).inputValue()).resolves.toBe(`${bed.hub.baseUrl}/scim/v2`);
    await page.getByRole('button', { name: 'Rotate token' }).click();
    const token = await page.getByRole('textbox', { name: 'New secret token' }).inputValue();
    expect(token).toMatch(/^ihscim_/);
    await page.getByText('Waiting for Microsoft Entra ID’s Test Connection request').waitFor();

    // What Entra sends on "Test Connection": a filter on a random userName, expecting an empty list.
    const test = await fetch(`${bed.hub.baseUrl}/scim/v2/Users?filter=${encodeURIComponent('userName eq "a1b2c3d4-0f3e-4d7c-9a7e-6b1f0f0e9a11"')}`, {
      headers: { Authorization: `Bearer ${token}`, 'User-Agent': 'Azure AD SCIM Client' },
    });
    expect(test.status).toBe(200);
    await page.getByText('Arrived, answered 200').waitFor();
    await expect(page.getByRole('table', { name: /Requests received/ }).textContent()).resolves.toContain('GET /Users?filter=userName eq');

    const created = await fetch(`${bed.hub.baseUrl}/scim/v2/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'first.arrival@example.com', displayName: 'First Arrival', active: true }),
    });
    expect(created.status).toBe(201);
    await page.getByRole('link', { name: 'First Arrival' }).waitFor({ timeout: 30_000 });
    await bed.screenshot(page, 'connect');

    // A reload shows no secret: it was shown once.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Connect your IdP' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'New secret token' }).count()).toBe(0);
    await context.close();
  });

  it('sets the connection’s dialect from the IdP picked, with that IdP’s own field names, readable at 390 px', async () => {
    const { tenant, page, context } = await bed.signedIn(PHONE);
    const dialect = async () => (await tenant.admin.sendText<{ scimConnection: { dialect: string } }>('{ scimConnection { dialect } }')).data?.scimConnection.dialect;
    // The stored dialect is the one selected: a new tenant's connection is generic.
    await expect(page.getByRole('radio', { name: 'Another SCIM 2.0 client' }).isChecked()).resolves.toBe(true);
    await page.getByRole('textbox', { name: 'SCIM base URL' }).waitFor();
    await page.getByRole('radio', { name: 'Okta' }).check();
    await page.getByText('The connection now speaks Okta.').waitFor();
    await page.getByRole('link', { name: 'review and activate it in Mapping' }).waitFor();
    await page.getByText('The connection is set for Okta.').waitFor();
    expect(await dialect()).toBe('okta');
    await page.getByRole('textbox', { name: 'SCIM connector base URL' }).waitFor();
    await expect(page.getByRole('textbox', { name: 'Unique identifier field for users' }).inputValue()).resolves.toBe('userName');
    await page.getByRole('radio', { name: 'OneLogin' }).check();
    await page.getByRole('textbox', { name: 'SCIM Base URL' }).waitFor();
    await page.getByText('SCIM Bearer Token: generate it below').waitFor();
    await page.getByText('The connection now speaks OneLogin.').waitFor();
    expect(await dialect()).toBe('onelogin');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await bed.screenshot(page, 'connect-390px');
    await page.reload();
    await page.getByRole('textbox', { name: 'SCIM Base URL' }).waitFor();
    await expect(page.getByRole('radio', { name: 'OneLogin' }).isChecked()).resolves.toBe(true);
    await context.close();
  });
});
