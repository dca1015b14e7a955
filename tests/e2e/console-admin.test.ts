import type { Page } from 'playwright-core';
import { useConsoleTestBed } from './console-browser';

async function open(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

describe('console: fields, settings, logs, apps and users (Chromium)', () => {
  const bed = useConsoleTestBed();

  it('adds a dropdown field, refuses an empty name, approves the value the IdP added, renames, adds, merges and retires values', async () => {
    const { tenant, page, context } = await bed.signedIn();
    await open(page, 'Fields and option lists');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByText('Give the field a name.').waitFor();

    await page.getByRole('textbox', { name: 'Field name' }).fill('Cost region');
    await page.getByRole('combobox', { name: 'Type' }).selectOption('option');
    await page.getByRole('button', { name: 'Add field' }).click();
    const urn = `urn:ietf:params:scim:schemas:extension:${tenant.credentials.tenant.slug}:2.0:User`;
    await page.getByText(`Added Cost region. Your IdP sends it as ${urn}:costRegion.`).waitFor();

    await tenant.scim.createUser('erin@example.com', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', urn], [urn]: { costRegion: 'EMEA' } });
    await page.reload();
    const list = page.getByRole('region', { name: 'Option list Cost region' });
    await list.getByText('Pending review').waitFor();
    await bed.screenshot(page, 'fields');
    await list.getByRole('button', { name: 'Approve EMEA' }).click();
    await list.getByText('Approved').waitFor();

    await list.getByRole('combobox', { name: 'Cost region value to rename' }).selectOption('EMEA');
    await list.getByRole('textbox', { name: 'New spelling' }).fill('Europe');
    await list.getByRole('button', { name: 'Rename' }).click();
    await list.getByText('Renamed EMEA to Europe; 1 users followed.').waitFor();
    await list.getByRole('textbox', { name: 'New Cost region value' }).fill('Americas');
    await list.getByRole('button', { name: 'Add value' }).click();
    await list.getByText('Added Americas.').waitFor();
    await list.getByRole('combobox', { name: 'Merge Cost region value' }).selectOption('Americas');
    await list.getByRole('combobox', { name: 'into' }).selectOption('Europe');
    await list.getByRole('button', { name: 'Merge' }).click();
    await list.getByText(/Merged Americas into Europe/).waitFor();
    await list.getByRole('textbox', { name: 'New Cost region value' }).fill('APAC');
    await list.getByRole('button', { name: 'Add value' }).click();
    await list.getByText('Added APAC.').waitFor();
    await list.getByRole('combobox', { name: 'Cost region value to retire' }).selectOption('APAC');
    await list.getByRole('button', { name: 'Retire' }).click();
    await list.getByText('Retired APAC: kept on record, matched no more; 0 users followed.').waitFor();
    await list.getByRole('listitem').filter({ hasText: 'APAC' }).getByText('Retired').waitFor();
    await expect(list.getByRole('combobox', { name: 'Cost region value to retire' }).locator('option').allTextContents()).resolves.toEqual(['Europe']);
    await context.close();
  });

  it('sets the default substitute with the picker; a SCIM DELETE transfers what the user owned', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const tenantId = tenant.credentials.tenant.id;
    const leaver = await tenant.scim.createUser('leaver@example.com', { displayName: 'Lee Leaver' });
    const substitute = await tenant.scim.createUser('sam.sub@example.com', { displayName: 'Sam Substitute' });
    await bed.hub.hub.services.ownership.registerOwnership(tenantId, { resourceType: 'contract', resourceId: 'c-1', ownerUserId: leaver.id as string }, { actor: { type: 'system', id: 'test' } });

    await open(page, 'Settings');
    await page.getByRole('textbox', { name: 'Find a user' }).fill('sam');
    await page.getByRole('button', { name: 'Choose Sam Substitute (sam.sub@example.com)' }).click();
    await page.getByText('Current: Sam Substitute').waitFor();
    await bed.screenshot(page, 'settings');

    expect((await tenant.scim.delete(`/Users/${leaver.id as string}`)).status).toBe(204);
    const owned = await bed.hub.hub.services.ownership.getOwnership(tenantId, 'contract', 'c-1');
    expect(owned).toMatchObject({ ownerUserId: substitute.id, previousOwnerUserId: leaver.id });
    await context.close();
  });

  it('restricting groups to the IdP lists the manual memberships, which can then be removed', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const member = await tenant.scim.createUser('manual@example.com');
    const created = await tenant.admin.sendText<{ createGroup: { group: { id: string } } }>('mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } } }', {
      input: { displayName: 'Hand made', memberIds: [member.id] },
    });
    expect(created.data?.createGroup.group.id).toBeDefined();
    await open(page, 'Settings');
    await page.getByRole('checkbox', { name: 'Restrict group assignment to the IdP' }).click();
    await page.getByText('1 memberships were made by hand (e.g. in Hand made)').waitFor();
    await page.getByRole('button', { name: 'Remove the manual memberships' }).click();
    await page.getByText('1 manual memberships removed').waitFor();
    await context.close();
  });

  it('reassigns orphaned resources to a picked user', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const tenantId = tenant.credentials.tenant.id;
    const leaver = await tenant.scim.createUser('gone@example.com');
    const heir = await tenant.scim.createUser('heir@example.com', { displayName: 'Hana Heir' });
    await bed.hub.hub.services.ownership.registerOwnership(tenantId, { resourceType: 'folder', resourceId: 'f-9', ownerUserId: leaver.id as string }, { actor: { type: 'system', id: 'test' } });
    expect((await tenant.scim.delete(`/Users/${leaver.id as string}`)).status).toBe(204);

    await open(page, 'Apps');
    await page.getByText('folder f-9').waitFor();
    await page.getByRole('textbox', { name: 'Give every orphaned resource to' }).fill('hana');
    await page.getByRole('button', { name: 'Choose Hana Heir (heir@example.com)' }).click();
    await page.getByText('1 resources reassigned').waitFor();
    expect(await bed.hub.hub.services.ownership.getOwnership(tenantId, 'folder', 'f-9')).toMatchObject({ ownerUserId: heir.id, orphanedAt: null });
    await context.close();
  });

  it('filters the provisioning log to a failed request and opens its SCIM error', async () => {
    const { tenant, page, context } = await bed.signedIn();
    await tenant.scim.createUser('ok@example.com');
    expect((await tenant.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'No userName' })).status).toBe(400);
    await bed.hub.hub.services.provisioningLog.flush();

    await open(page, 'Logs');
    const rows = page.getByRole('table').first().locator('tbody tr');
    // The unfiltered log already shows the failure; the filter has applied once the success row is gone.
    const succeeded = rows.filter({ hasText: /POST \/Users.*201/ });
    await succeeded.waitFor();
    await page.getByRole('combobox', { name: 'Outcome' }).selectOption('failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await succeeded.waitFor({ state: 'detached' });
    await page.getByText('Failed 400').waitFor();
    await expect(rows.count()).resolves.toBe(1);
    await rows.first().getByRole('button', { name: 'Show details' }).click();
    await rows.first().getByText(/SCIM error: .*userName/).waitFor();
    await bed.screenshot(page, 'logs');
    await context.close();
  });

  it('creates an API key (shown once) and revokes it; an empty name gets a message', async () => {
    const { page, context } = await bed.signedIn();
    await open(page, 'Apps');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('Give the key a name that says what it is for.').waitFor();
    await page.getByRole('textbox', { name: 'Key name' }).fill('HR dashboard');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = await page.getByRole('textbox', { name: 'New API key' }).inputValue();
    expect(secret).toMatch(/^ihapi_/);
    const asKey = () => fetch(`${bed.hub.baseUrl}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { subject } }' }) });
    expect((await asKey()).status).toBe(200);
    await bed.screenshot(page, 'apps');
    await page.getByRole('button', { name: 'Revoke HR dashboard' }).click();
    await page.getByRole('row', { name: /HR dashboard/ }).getByText(/Revoked/).waitFor();
    expect((await asKey()).status).toBe(401);
    await context.close();
  });

  it('lists groups and a group’s members with how each came', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const members = [];
    for (const name of ['gina', 'gus']) members.push((await tenant.scim.createUser(`${name}@example.com`, { displayName: `${name} Grouped` })).id as string);
    await tenant.scim.createGroup('Legal', members);
    await open(page, 'Groups');
    await page.getByRole('row', { name: /Legal/ }).getByText('IdP').waitFor();
    await page.getByRole('link', { name: 'Legal' }).click();
    await page.getByRole('heading', { level: 1, name: 'Legal' }).waitFor();
    await page.getByText('2 members · managed by the IdP').waitFor();
    await page.getByRole('row', { name: /gina Grouped/ }).getByText('from the IdP').waitFor();
    await page.getByRole('row', { name: /gus Grouped/ }).getByText('from the IdP').waitFor();
    await context.close();
  });

  it('lists deprovisioned users: Restore brings one back, a taken userName is refused in its row, Purge asks first', async () => {
    const { tenant, page, context } = await bed.signedIn();
    expect((await tenant.admin.sendText('mutation { updateTenantSettings(input: { scimUserDelete: DEPROVISION }) { settings { scimUserDelete } } }')).errors).toBeUndefined();
    const dora = await tenant.scim.createUser('dora@example.com', { displayName: 'Dora Departed' });
    const pete = await tenant.scim.createUser('pete@example.com');
    const carl = await tenant.scim.createUser('carl@example.com');
    for (const user of [dora, pete, carl]) expect((await tenant.scim.delete(`/Users/${user.id as string}`)).status).toBe(204);
    await tenant.scim.createUser('CARL@example.com');

    await open(page, 'Users');
    await page.getByRole('link', { name: 'Deprovisioned users' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deprovisioned users' }).waitFor();
    await page.getByRole('row', { name: /dora@example\.com/ }).getByRole('button', { name: 'Restore dora@example.com' }).click();
    await page.getByText('dora@example.com is restored.').waitFor();
    await page.getByRole('row', { name: /dora@example\.com/ }).waitFor({ state: 'detached' });
    expect((await tenant.scim.get(`/Users/${dora.id as string}`)).status).toBe(200);

    const carlRow = page.getByRole('row', { name: /carl@example\.com/ });
    await carlRow.getByRole('button', { name: 'Restore carl@example.com' }).click();
    await carlRow.getByRole('alert').getByText('userName "carl@example.com" is already taken in this tenant').waitFor();

    const peteRow = page.getByRole('row', { name: /pete@example\.com/ });
    await peteRow.getByRole('button', { name: 'Purge pete@example.com' }).click();
    await peteRow.getByRole('group', { name: 'Confirm purging pete@example.com' }).getByRole('button', { name: 'Cancel' }).click();
    await peteRow.getByRole('button', { name: 'Purge pete@example.com' }).click();
    await peteRow.getByRole('button', { name: 'Purge for good' }).click();
    await page.getByText('pete@example.com is purged.').waitFor();
    await peteRow.waitFor({ state: 'detached' });
    const left = await tenant.admin.sendText('{ deprovisionedUsers { nodes { userName } } }');
    expect(left.data).toEqual({ deprovisionedUsers: { nodes: [{ userName: 'carl@example.com' }] } });
    await context.close();
  });

  it('filters users on the server and shows a user’s raw SCIM resource beside the mapped values with provenance', async () => {
    const { tenant, page, context } = await bed.signedIn();
    await tenant.scim.createUser('ada@example.com', { displayName: 'Ada Admin', userType: 'admin', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Legal' } });
    await tenant.scim.createUser('bob@example.com', { displayName: 'Bob Builder', userType: 'user', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales' } });
    await open(page, 'Users');
    await page.getByText('2 users').waitFor();
    await page.getByRole('combobox', { name: 'Role' }).selectOption('Contributor');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('1 users').waitFor();
    await page.getByRole('link', { name: 'Bob Builder' }).waitFor();
    await page.getByRole('textbox', { name: 'Member of group' }).fill('Nobody here');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No group is named Nobody here.').waitFor();
    await page.getByRole('textbox', { name: 'Member of group' }).fill('');
    await page.getByRole('combobox', { name: 'Role' }).selectOption('');
    await page.getByRole('textbox', { name: 'Department' }).fill('Legal');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: 'Ada Admin' }).waitFor();
    await page.getByText('1 users').waitFor();
    await bed.screenshot(page, 'users');
    await page.getByRole('link', { name: 'Ada Admin' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ada Admin' }).waitFor();
    await expect(page.getByLabel('Raw SCIM resource', { exact: true }).textContent()).resolves.toContain('"userType": "admin"');
    await expect(page.getByRole('row', { name: /appRoles/ }).textContent()).resolves.toMatch(/Admin.*rule role, mapping v1, from userType = "admin"/);
    await bed.screenshot(page, 'user');
    await context.close();
  });
});
