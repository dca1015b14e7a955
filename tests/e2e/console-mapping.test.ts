import type { Page } from 'playwright-core';
import { useConsoleTestBed } from './console-browser';

async function rolesOf(bed: ReturnType<typeof useConsoleTestBed>, tenantId: string, userIds: string[]): Promise<string[]> {
  const values = await bed.hub.hub.services.mapping.valuesOf(tenantId, userIds);
  return values.filter((value) => value.fieldKey === 'appRoles').map((value) => String(value.value)).sort();
}

async function open(page: Page, name: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

describe('console: mapping with preview and rollback (Chromium)', () => {
  const bed = useConsoleTestBed();

  it('renames Manager to "Creator - Manager": dry run, impact diff, activate, re-apply to the end, roll back', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const tenantId = tenant.credentials.tenant.id;
    const ids: string[] = [];
    for (const [userName, userType] of [['mia@example.com', 'manager'], ['max@example.com', 'manager'], ['uli@example.com', 'user']]) {
      ids.push((await tenant.scim.createUser(userName, { userType, name: { givenName: userName.split('@')[0], familyName: 'Test' } })).id as string);
    }
    expect(await rolesOf(bed, tenantId, ids)).toEqual(['Contributor', 'Manager', 'Manager']);

    await open(page, 'Fields and option lists', 'Fields and option lists');
    await page.getByRole('textbox', { name: 'New role name' }).fill('Creator - Manager');
    await page.getByRole('button', { name: 'Add role' }).click();
    await page.getByRole('button', { name: 'Remove role Creator - Manager' }).waitFor();

    await open(page, 'Mapping', 'Mapping');
    await page.getByRole('combobox', { name: 'Role for manager' }).selectOption('Creator - Manager');
    await page.getByRole('button', { name: 'Save role table as draft' }).click();
    await page.getByText('Saved as draft version 2; it is valid.').waitFor();

    await page.getByRole('button', { name: 'Dry run version 2' }).click();
    await expect(page.getByLabel('Mapped values of pasted').textContent()).resolves.toContain('Creator - Manager');
    await page.getByRole('combobox', { name: 'Run on' }).selectOption('samples');
    await page.getByRole('button', { name: 'Dry run version 2' }).click();
    await page.getByLabel('Mapped values of pasted').waitFor({ state: 'detached' });
    await expect(page.getByLabel('Dry run result').locator('h3').count()).resolves.toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Compute impact' }).click();
    await page.getByText('3 users evaluated').waitFor({ timeout: 60_000 });
    await expect(page.locator('.impact').textContent()).resolves.toContain('2 would change');
    await expect(page.getByRole('table', { name: 'What changes' }).textContent()).resolves.toContain('Creator - Manager');
    await bed.screenshot(page, 'mapping');

    await page.getByRole('button', { name: 'Activate version 2' }).click();
    await page.getByText('Version 2 is active.').waitFor();
    await page.getByRole('button', { name: 'Re-apply the active version' }).click();
    await page.getByText(/Re-applied: \d+ users written/).waitFor({ timeout: 60_000 });
    expect(await rolesOf(bed, tenantId, ids)).toEqual(['Contributor', 'Creator - Manager', 'Creator - Manager']);

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByText('Rolled back: version 1 is active again.').waitFor();
    await page.getByRole('button', { name: 'Re-apply the active version' }).click();
    await page.getByText(/Re-applied: \d+ users written/).waitFor({ timeout: 60_000 });
    expect(await rolesOf(bed, tenantId, ids)).toEqual(['Contributor', 'Manager', 'Manager']);
    await bed.screenshot(page, 'mapping-history');
    await context.close();
  });

  it('maps a field from a SCIM attribute with the form; an empty path gets a message', async () => {
    const { page, context } = await bed.signedIn();
    await open(page, 'Mapping', 'Mapping');
    const form = page.getByRole('form', { name: 'Map a field from a SCIM attribute' });
    await form.getByRole('combobox', { name: 'Field' }).selectOption('costCenter');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await form.getByText('Enter the SCIM attribute path').waitFor();
    await form.getByRole('textbox', { name: 'From SCIM attribute' }).fill('title');
    await form.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByText('Saved as draft version 2; it is valid.').waitFor();
    await page.getByRole('button', { name: 'Dry run version 2' }).waitFor();
    await context.close();
  });

  it('maps IdP groups to roles with the group table: a missing or repeated name gets a message next to it; saved, activated, re-applied, then removed', async () => {
    const { tenant, page, context } = await bed.signedIn();
    const tenantId = tenant.credentials.tenant.id;
    const uli = (await tenant.scim.createUser('uli@example.com', { userType: 'user' })).id as string;
    await tenant.scim.createGroup('App-Admins', [uli]);
    expect(await rolesOf(bed, tenantId, [uli])).toEqual(['Contributor']);

    await open(page, 'Mapping', 'Mapping');
    const form = page.getByRole('form', { name: 'Roles from IdP groups' });
    await form.getByRole('button', { name: 'Save group roles as draft' }).click();
    await form.getByText('Add a group first: there is no group rule to change.').waitFor();
    await form.getByRole('button', { name: 'Add a group' }).click();
    await form.getByRole('button', { name: 'Save group roles as draft' }).click();
    await expect(form.getByRole('textbox', { name: 'Group name, row 1' }).getAttribute('aria-invalid')).resolves.toBe('true');
    await form.getByText('Enter the name of the group as the IdP sends it.').waitFor();
    await expect(form.getByText('Add a group first').count()).resolves.toBe(0);
    await form.getByRole('textbox', { name: 'Group name, row 1' }).fill('App-Admins');
    await form.getByRole('combobox', { name: 'Role for group, row 1' }).selectOption('Admin');
    await form.getByRole('button', { name: 'Add a group' }).click();
    await form.getByRole('textbox', { name: 'Group name, row 2' }).fill('app-admins');
    await form.getByRole('button', { name: 'Save group roles as draft' }).click();
    await form.getByText('This group is listed already.').waitFor();
    await expect(page.getByText(/Saved as draft version/).count()).resolves.toBe(0);
    await form.getByRole('button', { name: 'Remove group row 2 (app-admins)' }).click();
    await form.getByRole('button', { name: 'Save group roles as draft' }).click();
    await page.getByText('Saved as draft version 2; it is valid.').waitFor();

    await page.getByRole('button', { name: 'Activate version 2' }).click();
    await page.getByText('Version 2 is active.').waitFor();
    await page.getByRole('button', { name: 'Re-apply the active version' }).click();
    await page.getByText(/Re-applied: \d+ users written/).waitFor({ timeout: 60_000 });
    expect(await rolesOf(bed, tenantId, [uli])).toEqual(['Admin', 'Contributor']);

    await page.reload();
    await page.getByText('Active: version 2').waitFor();
    await expect(form.getByRole('textbox', { name: 'Group name, row 1' }).inputValue()).resolves.toBe('App-Admins');
    await expect(form.getByRole('combobox', { name: 'Role for group, row 1' }).inputValue()).resolves.toBe('Admin');
    await form.getByRole('button', { name: 'Remove group row 1 (App-Admins)' }).click();
    await form.getByRole('button', { name: 'Save group roles as draft' }).click();
    await page.getByText('Saved as draft version 3; it is valid.').waitFor();
    await page.getByRole('button', { name: 'Activate version 3' }).click();
    await page.getByText('Version 3 is active.').waitFor();
    await page.getByRole('button', { name: 'Re-apply the active version' }).click();
    await page.getByText(/Re-applied: \d+ users written/).waitFor({ timeout: 60_000 });
    expect(await rolesOf(bed, tenantId, [uli])).toEqual(['Contributor']);
    await context.close();
  });

  it('shows located errors for invalid YAML and stores nothing active', async () => {
    const { page, context } = await bed.signedIn();
    await open(page, 'Mapping', 'Mapping');
    await page.getByText('Active: version 1').waitFor();
    await page.getByRole('textbox', { name: 'Mapping rules' }).fill('rules:\n  - id: role\n    target: appRoles\n    expr: lower(src.userType\n');
    await page.getByRole('button', { name: 'Save YAML as draft' }).click();
    const problems = page.getByRole('list', { name: 'Problems in the draft' });
    await problems.waitFor();
    await expect(problems.textContent()).resolves.toMatch(/Line \d+, column \d+/);
    await expect(page.getByText('Active: version 1').count()).resolves.toBe(1);
    await context.close();
  });
});
