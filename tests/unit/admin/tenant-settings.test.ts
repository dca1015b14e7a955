import { diffFields } from '../../../src/domain/audit';
import { DEFAULT_TENANT_SETTINGS, assertManualGroupEditAllowed, checkSettingsChange, readTenantSettings } from '../../../src/domain/tenants/tenant';
import { expectDomainError } from '../../support/domain-errors';

describe('tenant settings', () => {
  it('reads an older stored shape with defaults for everything new', () => {
    expect(readTenantSettings({ userPatchStatus: 204 })).toEqual({ ...DEFAULT_TENANT_SETTINGS, userPatchStatus: 204 });
    expect(readTenantSettings(null)).toEqual(DEFAULT_TENANT_SETTINGS);
    expect(DEFAULT_TENANT_SETTINGS).toMatchObject({ restrictGroupsToIdp: false, defaultSubstituteUserId: null, tokenGraceSeconds: 0, provisioningLogBodies: false });
  });

  it('falls back to defaults for malformed stored values', () => {
    const settings = readTenantSettings({ tokenGraceSeconds: -5, provisioningLogBodyRetentionDays: 1.5, restrictGroupsToIdp: 'yes', deprovisionedSubstitute: { userId: 7 } });
    expect(settings).toEqual(DEFAULT_TENANT_SETTINGS);
  });

  it('checks an admin change, naming every problem, and drops keys admins do not set directly', () => {
    expect(checkSettingsChange({ tokenGraceSeconds: 3600, restrictGroupsToIdp: true, defaultSubstituteUserId: 'u-1' } as never)).toEqual({
      tokenGraceSeconds: 3600,
      restrictGroupsToIdp: true,
    });
    expectDomainError(() => checkSettingsChange({ tokenGraceSeconds: 8 * 86_400, provisioningLogBodyRetentionDays: 0 }), 'INVALID_INPUT', /tokenGraceSeconds.*; provisioningLogBodyRetentionDays/);
    expectDomainError(() => checkSettingsChange({ userPatchStatus: 201 as never }), 'INVALID_INPUT', 'userPatchStatus must be 200 or 204');
  });

  it('reads and checks the deprovisioning policy and the userName setting', () => {
    expect(DEFAULT_TENANT_SETTINGS).toMatchObject({ scimUserDelete: 'remove', idpMayChangeUserName: true });
    expect(readTenantSettings({ scimUserDelete: 'deprovision', idpMayChangeUserName: false })).toMatchObject({ scimUserDelete: 'deprovision', idpMayChangeUserName: false });
    expect(readTenantSettings({ scimUserDelete: 'archive', idpMayChangeUserName: 'no' })).toMatchObject({ scimUserDelete: 'remove', idpMayChangeUserName: true });
    expect(checkSettingsChange({ scimUserDelete: 'deprovision', idpMayChangeUserName: false })).toEqual({ scimUserDelete: 'deprovision', idpMayChangeUserName: false });
    expectDomainError(() => checkSettingsChange({ scimUserDelete: 'archive' as never, idpMayChangeUserName: 'no' as never }), 'INVALID_INPUT', /scimUserDelete must be remove or deprovision; idpMayChangeUserName must be true or false/);
  });

  it('refuses manual group edits when groups are restricted to the IdP', () => {
    expect(() => assertManualGroupEditAllowed({ settings: DEFAULT_TENANT_SETTINGS })).not.toThrow();
    expectDomainError(() => assertManualGroupEditAllowed({ settings: { ...DEFAULT_TENANT_SETTINGS, restrictGroupsToIdp: true } }), 'GROUPS_MANAGED_BY_IDP', 'identity provider');
  });
});

describe('audit diffs', () => {
  it('keeps only the fields that changed, on both sides', () => {
    expect(diffFields({ a: 1, b: { c: [1, 2] }, d: 'same' }, { a: 2, b: { c: [1, 2] }, d: 'same', e: true })).toEqual({
      before: { a: 1, e: null },
      after: { a: 2, e: true },
    });
  });

  it('records a creation as after only, a deletion as before only, and nothing for no change', () => {
    expect(diffFields(null, { url: 'https://x' })).toEqual({ after: { url: 'https://x' } });
    expect(diffFields({ url: 'https://x' }, null)).toEqual({ before: { url: 'https://x' } });
    expect(diffFields({ a: 1 }, { a: 1 })).toBeNull();
    expect(diffFields(null, null, { count: 3 })).toEqual({ details: { count: 3 } });
  });
});
