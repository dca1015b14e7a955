import { testDatabaseKind } from '../support/test-app';
import { expectStatus } from '../support/scim-client';
import { errorCodes, useGraphqlHub, type GraphqlTestTenant } from '../graphql/graphql-hub';
import {
  AcknowledgeAdminWarningDocument,
  AdminWarningsDocument,
  AssignOrphanedResourcesDocument,
  CreateApiKeyDocument,
  OrphanedResourcesDocument,
  OwnedResourcesDocument,
  RegisterOwnershipDocument,
  RotateScimTokenDocument,
  ScimConnectionDocument,
  SetDefaultSubstituteDocument,
  SetScimTokenExpiryDocument,
  UnregisterOwnershipDocument,
  UpdateAllTenantSettingsDocument,
  ViewerDocument,
} from '../graphql/generated/operations';

const DAY_MS = 86_400_000;

/** Issue 7 over GraphQL: tenant settings, the SCIM connection's token, ownership, default substitute, admin warnings. */
describe(`GraphQL tenant admin lifecycle on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  async function auditRows(tenant: GraphqlTestTenant, action: string): Promise<{ actor_type: string; diff: unknown }[]> {
    return graphql.hub.hub.database.read((tx) =>
      tx.all(tx.knex('audit_events').select('actor_type', 'diff').where({ tenant_id: tenant.credentials.tenant.id, action }).orderBy('id')),
    );
  }

  async function ownershipClient(tenant: GraphqlTestTenant) {
    const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'contracts app', scopes: ['READ', 'OWNERSHIP'] } });
    return tenant.client(createApiKey.secret);
  }

  it('updateTenantSettings changes every setting it is given, keeps the others, audits only the diff, and names every bad value', async () => {
    const tenant = await graphql.tenant();
    const { updateTenantSettings } = await tenant.admin.data(UpdateAllTenantSettingsDocument, {
      input: { restrictGroupsToIdp: true, transferOnDeactivate: true, tokenGraceSeconds: 3600, provisioningLogBodies: true, provisioningLogBodyRetentionDays: 30 },
    });
    expect(updateTenantSettings.settings).toEqual({
      userPatchStatus: 200,
      restrictGroupsToIdp: true,
      defaultSubstituteUserId: null,
      deprovisionedSubstitute: null,
      transferOnDeactivate: true,
      tokenGraceSeconds: 3600,
      provisioningLogBodies: true,
      provisioningLogBodyRetentionDays: 30,
    });
    const partial = await tenant.admin.data(UpdateAllTenantSettingsDocument, { input: { userPatchStatus: 204, restrictGroupsToIdp: false } });
    expect(partial.updateTenantSettings.settings).toMatchObject({ userPatchStatus: 204, restrictGroupsToIdp: false, tokenGraceSeconds: 3600, provisioningLogBodyRetentionDays: 30 });
    const rows = await auditRows(tenant, 'tenant.settings_changed');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ actor_type: 'apiKey' });
    const diff = typeof rows[1].diff === 'string' ? JSON.parse(rows[1].diff) : rows[1].diff;
    expect(diff).toEqual({ before: { userPatchStatus: 200, restrictGroupsToIdp: true }, after: { userPatchStatus: 204, restrictGroupsToIdp: false } });

    const bad = await tenant.admin.send(UpdateAllTenantSettingsDocument, { input: { tokenGraceSeconds: -1, provisioningLogBodyRetentionDays: 91 } });
    expect(errorCodes(bad)).toEqual(['INVALID_INPUT']);
    expect(bad.errors?.[0].message).toMatch(/tokenGraceSeconds.*provisioningLogBodyRetentionDays/);
    expect(await auditRows(tenant, 'tenant.settings_changed')).toHaveLength(2);
  });

  it('the grace period set over GraphQL keeps a rotated-out token working; scimConnection shows it and the token status', async () => {
    const tenant = await graphql.tenant();
    const before = (await tenant.admin.data(ScimConnectionDocument)).scimConnection;
    expect(before).toMatchObject({ name: 'default', dialect: 'generic', token: { prefix: 'ihscim_', expiresAt: null, lastUsedAt: null, graceUntil: null } });
    expect(Date.parse(before.token.createdAt ?? '')).not.toBeNaN();
    expectStatus(await tenant.scim.get('/Users'), 200);
    expect(Date.parse((await tenant.admin.data(ScimConnectionDocument)).scimConnection.token.lastUsedAt ?? '')).not.toBeNaN();

    await tenant.admin.data(UpdateAllTenantSettingsDocument, { input: { tokenGraceSeconds: 600 } });
    const { rotateScimToken } = await tenant.admin.data(RotateScimTokenDocument, {});
    expectStatus(await tenant.scim.get('/Users'), 200);
    const after = (await tenant.admin.data(ScimConnectionDocument)).scimConnection;
    expect(after.token.graceUntil).toBe(rotateScimToken.previousTokenValidUntil);
    expect(after.token.lastUsedAt).toBeNull();
    expect(JSON.stringify(after)).not.toContain(rotateScimToken.scimToken.slice(7));
  });

  it('setScimTokenExpiry sets and removes the expiry, refuses the past, and an expiry within 14 days is an admin warning', async () => {
    const tenant = await graphql.tenant();
    const soon = new Date(Date.now() + 3 * DAY_MS).toISOString();
    const { setScimTokenExpiry } = await tenant.admin.data(SetScimTokenExpiryDocument, { input: { expiresAt: soon } });
    expect(setScimTokenExpiry.connection.token.expiresAt).toBe(soon);
    const warnings = (await tenant.admin.data(AdminWarningsDocument)).adminWarnings;
    expect(warnings).toEqual([expect.objectContaining({ code: 'SCIM_TOKEN_EXPIRING', acknowledgeable: false, connectionId: setScimTokenExpiry.connection.id, expiresAt: soon })]);
    expectStatus(await tenant.scim.get('/Users'), 200);

    expect(errorCodes(await tenant.admin.send(SetScimTokenExpiryDocument, { input: { expiresAt: new Date(Date.now() - 1000).toISOString() } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(AcknowledgeAdminWarningDocument, { input: { code: 'SCIM_TOKEN_EXPIRING' } }))).toEqual(['INVALID_INPUT']);
    const never = await tenant.admin.data(SetScimTokenExpiryDocument, { input: { expiresAt: null } });
    expect(never.setScimTokenExpiry.connection.token.expiresAt).toBeNull();
    expect((await tenant.admin.data(AdminWarningsDocument)).adminWarnings).toEqual([]);
    expect((await auditRows(tenant, 'scim_token.expiry_set')).map((row) => row.actor_type)).toEqual(['apiKey', 'apiKey']);
  });

  it('an app with the OWNERSHIP scope registers and lists ownership; admin-only operations refuse it; READ cannot register', async () => {
    const tenant = await graphql.tenant();
    const app = await ownershipClient(tenant);
    expect((await app.data(ViewerDocument)).viewer.scopes).toEqual(['READ', 'OWNERSHIP']);
    const ada = await tenant.scim.createUser('ada@example.com');
    const bob = await tenant.scim.createUser('bob@example.com');
    for (const id of ['c-2', 'c-1']) await app.data(RegisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: id, ownerUserId: ada.id } });
    const moved = await app.data(RegisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: 'c-2', ownerUserId: bob.id } });
    expect(moved.registerOwnership.ownership).toMatchObject({ ownerUserId: bob.id, previousOwnerUserId: ada.id, orphanedAt: null });
    expect(moved.registerOwnership.ownership.registeredBy).toMatch(/^apiKey:/);

    const owned = await app.data(OwnedResourcesDocument, { ownerUserId: ada.id });
    expect(owned.ownedResources.nodes.map((node) => node.resourceId)).toEqual(['c-1']);
    expect(errorCodes(await app.send(RegisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: 'c-3', ownerUserId: '00000000-0000-4000-8000-000000000000' } }))).toEqual([
      'INVALID_INPUT',
    ]);
    expect(errorCodes(await app.send(RegisterOwnershipDocument, { input: { resourceType: 'has space', resourceId: 'x', ownerUserId: ada.id } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await app.send(OrphanedResourcesDocument, {}))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await app.send(SetDefaultSubstituteDocument, { input: { userId: bob.id } }))).toEqual(['FORBIDDEN']);

    const { createApiKey } = await tenant.admin.data(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['READ'] } });
    expect(errorCodes(await tenant.client(createApiKey.secret).send(RegisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: 'c-9', ownerUserId: ada.id } }))).toEqual([
      'FORBIDDEN',
    ]);
    // Another tenant's app sees nothing of these.
    const other = await graphql.tenant();
    expect((await (await ownershipClient(other)).data(OwnedResourcesDocument, { ownerUserId: ada.id })).ownedResources.nodes).toEqual([]);

    expect((await app.data(UnregisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: 'c-1' } })).unregisterOwnership.removed).toBe(true);
    expect((await app.data(UnregisterOwnershipDocument, { input: { resourceType: 'contract', resourceId: 'c-1' } })).unregisterOwnership.removed).toBe(false);
    expect((await app.data(OwnedResourcesDocument, { ownerUserId: ada.id })).ownedResources.nodes).toEqual([]);
  });

  it('a SCIM DELETE hands resources to the default substitute; without one they are orphaned, listed, warned about and assignable', async () => {
    const tenant = await graphql.tenant();
    const app = await ownershipClient(tenant);
    const [ada, bob, carol] = [await tenant.scim.createUser('ada@example.com'), await tenant.scim.createUser('bob@example.com'), await tenant.scim.createUser('carol@example.com')];
    expect((await tenant.admin.data(SetDefaultSubstituteDocument, { input: { userId: bob.id } })).setDefaultSubstitute.settings.defaultSubstituteUserId).toBe(bob.id);
    for (const id of ['a-1', 'a-2', 'a-3']) await app.data(RegisterOwnershipDocument, { input: { resourceType: 'folder', resourceId: id, ownerUserId: ada.id } });
    expectStatus(await tenant.scim.delete(`/Users/${ada.id}`), 204);
    const inherited = await app.data(OwnedResourcesDocument, { ownerUserId: bob.id, first: 2 });
    expect(inherited.ownedResources.nodes.map((node) => [node.resourceId, node.previousOwnerUserId])).toEqual([
      ['a-1', ada.id],
      ['a-2', ada.id],
    ]);
    const rest = await app.data(OwnedResourcesDocument, { ownerUserId: bob.id, first: 2, after: inherited.ownedResources.pageInfo.endCursor });
    expect(rest.ownedResources.nodes.map((node) => node.resourceId)).toEqual(['a-3']);
    expect(rest.ownedResources.pageInfo.hasNextPage).toBe(false);

    // The IdP deprovisions the substitute itself: that succeeds, the setting is cleared, the resources are orphaned.
    expectStatus(await tenant.scim.delete(`/Users/${bob.id}`), 204);
    const orphaned = await tenant.admin.data(OrphanedResourcesDocument, {});
    expect(orphaned.orphanedResources.nodes.map((node) => [node.resourceId, node.ownerUserId, node.previousOwnerUserId])).toEqual([
      ['a-1', null, bob.id],
      ['a-2', null, bob.id],
      ['a-3', null, bob.id],
    ]);
    const warnings = (await tenant.admin.data(AdminWarningsDocument)).adminWarnings;
    expect(warnings.map((warning) => [warning.code, warning.acknowledgeable])).toEqual([
      ['DEFAULT_SUBSTITUTE_DEPROVISIONED', true],
      ['ORPHANED_RESOURCES', false],
    ]);
    expect(warnings[0]).toMatchObject({ userId: bob.id, reason: 'deleted' });
    expect(warnings[1]).toMatchObject({ count: 3, byResourceType: { folder: 3 } });

    const acknowledged = await tenant.admin.data(AcknowledgeAdminWarningDocument, { input: { code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED' } });
    expect(acknowledged.acknowledgeAdminWarning.acknowledged).toBe(true);
    expect(acknowledged.acknowledgeAdminWarning.warnings.map((warning) => warning.code)).toEqual(['ORPHANED_RESOURCES']);
    expect((await tenant.admin.data(AcknowledgeAdminWarningDocument, { input: { code: 'DEFAULT_SUBSTITUTE_DEPROVISIONED' } })).acknowledgeAdminWarning.acknowledged).toBe(false);

    expect(errorCodes(await tenant.admin.send(AssignOrphanedResourcesDocument, { input: { toUserId: ada.id } }))).toEqual(['INVALID_INPUT']);
    expect((await tenant.admin.data(AssignOrphanedResourcesDocument, { input: { toUserId: carol.id } })).assignOrphanedResources.assigned).toBe(3);
    expect((await tenant.admin.data(OrphanedResourcesDocument, {})).orphanedResources.nodes).toEqual([]);
    expect((await tenant.admin.data(AdminWarningsDocument)).adminWarnings).toEqual([]);
    expect((await auditRows(tenant, 'tenant.warning_acknowledged')).map((row) => row.actor_type)).toEqual(['apiKey']);
  });

  it('setDefaultSubstitute refuses a deactivated or unknown user and clears with null', async () => {
    const tenant = await graphql.tenant();
    const inactive = await tenant.scim.createUser('gone@example.com', { active: false });
    expect(errorCodes(await tenant.admin.send(SetDefaultSubstituteDocument, { input: { userId: inactive.id } }))).toEqual(['INVALID_INPUT']);
    expect(errorCodes(await tenant.admin.send(SetDefaultSubstituteDocument, { input: { userId: '00000000-0000-4000-8000-000000000000' } }))).toEqual(['INVALID_INPUT']);
    const active = await tenant.scim.createUser('here@example.com');
    await tenant.admin.data(SetDefaultSubstituteDocument, { input: { userId: active.id } });
    expect((await tenant.admin.data(SetDefaultSubstituteDocument, { input: { userId: null } })).setDefaultSubstitute.settings.defaultSubstituteUserId).toBeNull();
  });
});
