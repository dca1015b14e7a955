import { TenantService, TOKEN_EXPIRY_WARNING_DAYS } from '../../src/services/tenant.service';
import { testDatabaseKind } from '../support/test-app';
import { expectStatus, useScimHub } from '../support/scim-client';

const DAY_MS = 24 * 60 * 60 * 1000;

/** SCIM token lifecycle: rotation, grace period, expiry, last use, expiry warnings. */
describe(`SCIM token lifecycle on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function status(token: string): Promise<number> {
    return (await scim.hub.http.get('/scim/v2/Users').set('Authorization', `Bearer ${token}`)).status;
  }

  function connectionRow(tenantId: string) {
    return scim.hub.hub.database.read((tx) => tx.first<Record<string, unknown>>(tx.knex('connections').where({ tenant_id: tenantId })));
  }

  it('rotation expires the previous token at once by default, and the audit row holds no secret', async () => {
    const created = await scim.hub.createTenant();
    const { tenants, audit } = scim.hub.hub.services;
    expect(await status(created.scimToken)).toBe(200);
    const rotated = await tenants.rotateScimToken(created.tenant.slug, { context: { actor: { type: 'apiKey', id: 'admin-key' }, requestId: 'req-rotate' } });
    expect(rotated.scimToken).toMatch(/^ihscim_/);
    expect(rotated.previousTokenValidUntil).toBeNull();
    expect(await status(created.scimToken)).toBe(401);
    expect(await status(rotated.scimToken)).toBe(200);

    const events = (await audit.list(created.tenant.id, { action: 'scim_token.rotated' }, { limit: 10 })).items.map((item) => item.node);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { type: 'apiKey', id: 'admin-key' }, target: { type: 'connection', id: created.connection.id }, requestId: 'req-rotate' });
    const row = await connectionRow(created.tenant.id);
    const text = JSON.stringify(events);
    for (const secret of [created.scimToken, rotated.scimToken, String(row?.token_hash)]) expect(text).not.toContain(secret);
  });

  it('a grace period keeps the previous token working until it ends, and only the last one', async () => {
    const created = await scim.hub.createTenant();
    const { tenants } = scim.hub.hub.services;
    await tenants.updateSettings(created.tenant.slug, { tokenGraceSeconds: 3600 });
    const before = Date.now();
    const second = await tenants.rotateScimToken(created.tenant.slug);
    expect(second.previousTokenValidUntil).toBeGreaterThanOrEqual(before + 3600 * 1000);
    expect(await status(created.scimToken)).toBe(200);
    expect(await status(second.scimToken)).toBe(200);
    expect((await tenants.getScimTokenStatus(created.tenant.id)).previousTokenExpiresAt).toBe(second.previousTokenValidUntil);

    const third = await tenants.rotateScimToken(created.tenant.slug);
    expect(await status(created.scimToken)).toBe(401);
    expect(await status(second.scimToken)).toBe(200);
    await scim.hub.hub.database.transaction((tx) => tx.run(tx.knex('connections').where({ tenant_id: created.tenant.id }).update({ previous_token_expires_at: Date.now() - 1 })));
    expect(await status(second.scimToken)).toBe(401);
    expect(await status(third.scimToken)).toBe(200);
    expect((await tenants.getScimTokenStatus(created.tenant.id)).previousTokenExpiresAt).toBeNull();
  });

  it('a grace period never outlives the previous token’s own expiry', async () => {
    const created = await scim.hub.createTenant();
    const { tenants } = scim.hub.hub.services;
    await tenants.updateSettings(created.tenant.slug, { tokenGraceSeconds: 7 * 24 * 3600 });
    const first = await tenants.rotateScimToken(created.tenant.slug, { expiresInDays: 1 });
    const second = await tenants.rotateScimToken(created.tenant.slug);
    expect(second.previousTokenValidUntil).toBe(first.expiresAt);
  });

  it('refuses a token past its expiry; the expiry is optional', async () => {
    const created = await scim.hub.createTenant();
    const { tenants } = scim.hub.hub.services;
    expect((await tenants.getScimTokenStatus(created.tenant.id)).expiresAt).toBeNull();
    const rotated = await tenants.rotateScimToken(created.tenant.slug, { expiresInDays: 30 });
    expect(rotated.expiresAt).toBeGreaterThan(Date.now() + 29 * DAY_MS);
    expect(await status(rotated.scimToken)).toBe(200);
    await scim.hub.hub.database.transaction((tx) => tx.run(tx.knex('connections').where({ tenant_id: created.tenant.id }).update({ token_expires_at: Date.now() - 1 })));
    expect(await status(rotated.scimToken)).toBe(401);
  });

  it('stamps lastUsedAt on use, at most once a minute per token', async () => {
    const created = await scim.hub.createTenant();
    const { audit, outbox } = scim.hub.hub.services;
    const clock = { now: Date.now() };
    const tenants = new TenantService(scim.hub.hub.database, { audit, outbox, mapping: scim.hub.hub.services.mapping, now: () => clock.now });
    expect((await tenants.getScimTokenStatus(created.tenant.id)).lastUsedAt).toBeNull();

    const first = clock.now;
    expect(await tenants.authenticateScimToken(created.scimToken)).toBeDefined();
    expect((await tenants.getScimTokenStatus(created.tenant.id)).lastUsedAt).toBe(first);
    clock.now += 30_000;
    await tenants.authenticateScimToken(created.scimToken);
    expect((await tenants.getScimTokenStatus(created.tenant.id)).lastUsedAt).toBe(first);

    // Another node's service: its own first use within the minute does not write over the recent stamp.
    const otherNode = new TenantService(scim.hub.hub.database, { audit, outbox, mapping: scim.hub.hub.services.mapping, now: () => clock.now });
    await otherNode.authenticateScimToken(created.scimToken);
    expect((await tenants.getScimTokenStatus(created.tenant.id)).lastUsedAt).toBe(first);

    clock.now += 31_000;
    await tenants.authenticateScimToken(created.scimToken);
    expect((await tenants.getScimTokenStatus(created.tenant.id)).lastUsedAt).toBe(clock.now);
  });

  it('lists tokens expiring within 14 days and announces each with token.expiring once a day', async () => {
    const soon = await scim.hub.createTenant();
    const later = await scim.hub.createTenant();
    const { audit, outbox } = scim.hub.hub.services;
    const clock = { now: Date.now() };
    const tenants = new TenantService(scim.hub.hub.database, { audit, outbox, mapping: scim.hub.hub.services.mapping, now: () => clock.now });
    const rotated = await tenants.rotateScimToken(soon.tenant.slug, { expiresInDays: 10 });
    await tenants.rotateScimToken(later.tenant.slug, { expiresInDays: TOKEN_EXPIRY_WARNING_DAYS + 1 });

    const expiring = await tenants.listExpiringScimTokens();
    const ours = expiring.filter((token) => [soon.tenant.id, later.tenant.id].includes(token.tenantId));
    expect(ours).toEqual([{ tenantId: soon.tenant.id, tenantSlug: soon.tenant.slug, connectionId: soon.connection.id, tokenCreatedAt: expect.any(Number), expiresAt: rotated.expiresAt }]);

    const announcements = () =>
      scim.hub.hub.database.read((tx) => tx.all<{ type: string; payload: unknown; resource_id: string }>(tx.knex('outbox_events').where({ tenant_id: soon.tenant.id, type: 'token.expiring' })));
    await tenants.announceExpiringScimTokens();
    await tenants.announceExpiringScimTokens();
    await scim.hub.hub.services.tenants.announceExpiringScimTokens();
    expect(await announcements()).toHaveLength(1);
    const [event] = await announcements();
    expect(event.resource_id).toBe(soon.connection.id);
    const payloadOf = (row: { payload: unknown }) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);
    expect(payloadOf(event)).toEqual({ connectionId: soon.connection.id, expiresAt: new Date(rotated.expiresAt ?? 0).toISOString(), daysLeft: 10 });

    clock.now += DAY_MS;
    await tenants.announceExpiringScimTokens();
    const both = await announcements();
    expect(both.map((row) => payloadOf(row).daysLeft).sort((a, b) => a - b)).toEqual([9, 10]);
    const laterEvents = await scim.hub.hub.database.read((tx) => tx.all(tx.knex('outbox_events').where({ tenant_id: later.tenant.id })));
    expect(laterEvents).toHaveLength(0);
  });

  it('keeps listing a long-expired token but stops announcing it after 14 days', async () => {
    const abandoned = await scim.hub.createTenant();
    const { tenants } = scim.hub.hub.services;
    await tenants.rotateScimToken(abandoned.tenant.slug, { expiresInDays: 1 });
    await scim.hub.hub.database.transaction((tx) => tx.run(tx.knex('connections').where({ tenant_id: abandoned.tenant.id }).update({ token_expires_at: Date.now() - 20 * DAY_MS })));
    expect((await tenants.listExpiringScimTokens()).map((token) => token.tenantId)).toContain(abandoned.tenant.id);
    await tenants.announceExpiringScimTokens();
    const events = await scim.hub.hub.database.read((tx) => tx.all(tx.knex('outbox_events').where({ tenant_id: abandoned.tenant.id })));
    expect(events).toHaveLength(0);
  });

  it('validates and audits settings changes', async () => {
    const created = await scim.hub.createTenant();
    const { tenants, audit } = scim.hub.hub.services;
    await expect(tenants.updateSettings(created.tenant.slug, { tokenGraceSeconds: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const settings = await tenants.updateSettings(created.tenant.slug, { restrictGroupsToIdp: true, userPatchStatus: 200 }, { actor: { type: 'user', id: 'alice' } });
    expect(settings.restrictGroupsToIdp).toBe(true);
    await tenants.updateSettings(created.tenant.slug, { restrictGroupsToIdp: true });
    const changes = (await audit.list(created.tenant.id, { action: 'tenant.settings_changed' }, { limit: 10 })).items.map((item) => item.node);
    expect(changes).toHaveLength(1);
    const [event] = changes;
    expect(event).toMatchObject({ actor: { type: 'user', id: 'alice' }, diff: { before: { restrictGroupsToIdp: false }, after: { restrictGroupsToIdp: true } } });
    const client = await scim.client();
    expectStatus(await client.get('/Users'), 200);
  });
});
