import { testDatabaseKind } from '../support/test-app';
import { expectScimError, GROUP_SCHEMA, USER_SCHEMA } from '../support/scim-client';
import { useGraphqlHub } from '../graphql/graphql-hub';
import { AdminWarningsDocument } from '../graphql/generated/operations';
import { nameSkeletonKey } from '../../src/domain/identity/confusable-skeleton';

/**
 * Issue 13: invisible variants of a userName (Default_Ignorable_Code_Point characters) are the same
 * userName (409 uniqueness); look-alikes in other scripts (UTS #39 skeleton) are accepted and listed
 * for the admin.
 */
describe(`userName folding and look-alikes on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it('invisible variants of an existing userName are 409 uniqueness; filters find the user by them', async () => {
    const { scim } = await graphql.tenant();
    const alice = await scim.createUser('alice@acme.com', { externalId: 'oid-1', emails: [{ value: 'alice@acme.com', type: 'work', primary: true }] });
    for (const variant of ['alice@acme.com\u200b', 'al\u200bice@acme.com', 'alice@acme.com\u2060', 'ali\u00adce@acme.com', '\ufeffALICE@acme.com', 'alice@acme.com\u{e0020}']) {
      const response = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: variant });
      expectScimError(response, 409, 'uniqueness');
    }
    for (const filter of ['userName eq "al\u200bice@acme.com"', 'emails.value eq "alice@acme.com\u2060"', 'externalId eq "oid-\u200b1"', 'userName sw "al\u00adi"']) {
      const found = await scim.filterUsers(filter);
      expect([filter, found.Resources.map((user: { id: string }) => user.id)]).toEqual([filter, [alice.id]]);
    }
    // The stored values stay as sent; SCIM echoes what the IdP set.
    const invisible = await scim.createUser('bob@acme.com', { externalId: 'oid-\u200b2' });
    expect(invisible.externalId).toBe('oid-\u200b2');
    expect((await scim.filterUsers('externalId eq "oid-2"')).Resources.map((user: { id: string }) => user.id)).toEqual([invisible.id]);
  });

  it('invisible variants of a group displayName are 409 uniqueness', async () => {
    const { scim } = await graphql.tenant();
    await scim.createGroup('Finance');
    const response = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Fi\u200bnance' });
    expectScimError(response, 409, 'uniqueness');
  });

  it('a look-alike userName in another script is accepted and listed as USER_NAME_LOOKALIKE for the admin', async () => {
    const tenant = await graphql.tenant();
    const alice = await tenant.scim.createUser('alice@acme.com');
    await tenant.scim.createUser('arnie@acme.com');
    await tenant.scim.createUser('amie@acme.com');
    expect((await tenant.admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'USER_NAME_LOOKALIKE')).toEqual([]);

    const cyrillic = await tenant.scim.createUser('\u0430lice@acme.com');
    const warnings = (await tenant.admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'USER_NAME_LOOKALIKE');
    expect(warnings).toHaveLength(1);
    expect([...(warnings[0].userIds ?? [])].sort()).toEqual([alice.id, cyrillic.id].sort());
    expect([...(warnings[0].userNames ?? [])].sort()).toEqual(['alice@acme.com', '\u0430lice@acme.com'].sort());
    expect(warnings[0].acknowledgeable).toBe(false);

    // Another tenant's users never pair with this tenant's.
    const other = await graphql.tenant();
    await other.scim.createUser('\u0430lice@acme.com');
    expect((await other.admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'USER_NAME_LOOKALIKE')).toEqual([]);
  });

  it('two users stored before the fold dropped invisible characters (kept by the migration) are listed as USER_NAME_LOOKALIKE', async () => {
    const tenant = await graphql.tenant();
    const alice = await tenant.scim.createUser('alice@acme.com');
    const legacyName = 'alice@acme.com\u200b';
    // As the migration leaves such a user: its old key kept, since the new one is taken.
    await graphql.hub.hub.database.transaction((tx) =>
      tx.run(
        'insert into users (tenant_id, id, user_name, user_name_norm, user_name_skeleton, active, raw, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 1, 1, 1)',
        [tenant.credentials.tenant.id, 'legacy-user', legacyName, legacyName, nameSkeletonKey(legacyName), true, JSON.stringify({ userName: legacyName })],
      ),
    );
    const warnings = (await tenant.admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'USER_NAME_LOOKALIKE');
    expect(warnings.map((warning) => [...(warning.userIds ?? [])].sort())).toEqual([[alice.id, 'legacy-user'].sort()]);
  });

  it('a look-alike group displayName in another script is accepted and listed as GROUP_NAME_LOOKALIKE; renaming it away clears the warning', async () => {
    const tenant = await graphql.tenant();
    const groupWarnings = async (admin = tenant.admin) => (await admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'GROUP_NAME_LOOKALIKE');
    const finance = await tenant.scim.createGroup('Finance Admins');
    await tenant.scim.createGroup('Modern');
    await tenant.scim.createGroup('Modem');
    expect(await groupWarnings()).toEqual([]);

    // Cyrillic "а" and "і": the same skeleton as "finance admins".
    const spoof = await tenant.scim.createGroup('Fin\u0430nce Adm\u0456ns');
    const warnings = await groupWarnings();
    expect(warnings).toHaveLength(1);
    expect([...(warnings[0].groupIds ?? [])].sort()).toEqual([finance.id, spoof.id].sort());
    expect([...(warnings[0].displayNames ?? [])].sort()).toEqual(['Finance Admins', 'Fin\u0430nce Adm\u0456ns'].sort());
    expect(warnings[0].acknowledgeable).toBe(false);
    // Groups and users never pair: a user named like the group is no group look-alike.
    await tenant.scim.createUser('Fin\u0430nce Admins');
    expect(await groupWarnings()).toHaveLength(1);

    const other = await graphql.tenant();
    await other.scim.createGroup('Fin\u0430nce Adm\u0456ns');
    expect(await groupWarnings(other.admin)).toEqual([]);

    expect((await tenant.scim.put(`/Groups/${spoof.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Finance Auditors' })).status).toBe(200);
    expect(await groupWarnings()).toEqual([]);
  });

  it('a name whose skeleton is many times longer than itself is stored (the skeleton key is bounded; look-alikes are still compared in full)', async () => {
    const { scim, admin } = await graphql.tenant();
    // U+060A is one character (2 bytes, its own fold) whose skeleton is 5: 1,000 of them fold to 1,000, skeleton 5,000.
    const long = '\u060a'.repeat(1000);
    expect((await scim.post('/Users', { schemas: [USER_SCHEMA], userName: long })).status).toBe(201);
    expect((await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: long })).status).toBe(201);
    expect((await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `${long}x` })).status).toBe(201);
    // Their keys are equal (the first 1,024 bytes); the whole names do not look alike.
    expect((await admin.data(AdminWarningsDocument)).adminWarnings.filter((warning) => warning.code === 'GROUP_NAME_LOOKALIKE')).toEqual([]);
  });
});
