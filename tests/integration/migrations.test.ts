import { migrate, openOrm } from '../../src/persistence/orm';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';
import { foldText } from '../../src/domain/text';
import { confusableSkeleton, nameSkeletonKey } from '../../src/domain/identity/confusable-skeleton';

describe(`migrations on ${testDatabaseKind()}`, () => {
  it('leave no difference between the schema and the entity definitions', async () => {
    const database = await createTestDatabase();
    const orm = await openOrm(database.config);
    try {
      const applied = await migrate(orm);
      expect(applied.length).toBeGreaterThan(0);
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      expect(await migrate(orm)).toEqual([]);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });

  it('backfill the tenant counters from the users and groups already stored', async () => {
    const database = await createTestDatabase();
    const orm = await openOrm(database.config);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((migration) => migration.name);
      const counters = pending.find((name) => name.endsWith('_resource_counts'));
      if (!counters) throw new Error('the resource counters migration is missing');
      await migrator.up({ to: pending[pending.indexOf(counters) - 1] });
      const connection = orm.em.getConnection();
      for (const [tenant, users] of [['tenant-a', 3], ['tenant-b', 1]] as const) {
        for (let index = 0; index < users; index += 1) {
          await connection.execute(
            'insert into users (tenant_id, id, user_name, user_name_norm, active, raw, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 1, 1, 1)',
            [tenant, `${tenant}-${index}`, `u${index}`, `u${index}`, true, '{}'],
          );
        }
      }
      await connection.execute("insert into groups (tenant_id, id, display_name, display_name_norm, raw, version, created_at, updated_at) values ('tenant-b', 'g', 'G', 'g', '{}', 1, 1, 1)");
      await migrate(orm);
      const rows: { tenant_id: string; resource_type: string; total: number | string }[] = await connection.execute(
        'select tenant_id, resource_type, sum(total) as total from tenant_resource_counts group by tenant_id, resource_type order by tenant_id, resource_type',
      );
      expect(rows.map((row) => [row.tenant_id, row.resource_type, Number(row.total)])).toEqual([
        ['tenant-a', 'users', 3],
        ['tenant-b', 'groups', 1],
        ['tenant-b', 'users', 1],
      ]);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });

  it('refold the stored keys without default-ignorable characters, keeping both rows of a pair that would collide (issue 13)', async () => {
    const database = await createTestDatabase();
    const orm = await openOrm(database.config);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((migration) => migration.name);
      const refold = pending.find((name) => name.endsWith('_refold_keys'));
      if (!refold) throw new Error('the refold migration is missing');
      await migrator.up({ to: pending[pending.indexOf(refold) - 1] });
      const connection = orm.em.getConnection();
      // Keys as the fold before issue 13 stored them: invisible characters kept.
      const users: [string, string, string, string | null][] = [
        ['t', 'plain', 'alice@acme.com', null],
        ['t', 'zwsp', 'alice@acme.com\u200b', 'oid-\u200b1'],
        ['t', 'soft', 'Bob\u00ad@acme.com', null],
        ['u', 'other-tenant', 'alice@acme.com\u2060', null],
      ];
      for (const [tenant, id, userName, externalId] of users) {
        await connection.execute(
          'insert into users (tenant_id, id, user_name, user_name_norm, external_id, active, raw, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 1, 1, 1)',
          [tenant, id, userName, userName.normalize('NFKC').trim().toLowerCase(), externalId, true, '{}'],
        );
      }
      await connection.execute("insert into user_emails (tenant_id, user_id, position, value, value_norm, type, is_primary) values ('t', 'soft', 0, 'Bob\u00ad@acme.com', 'bob\u00ad@acme.com', null, ?)", [true]);
      await connection.execute("insert into groups (tenant_id, id, display_name, display_name_norm, raw, version, created_at, updated_at) values ('t', 'g', 'Fi\u200bnance', 'fi\u200bnance', '{}', 1, 1, 1)");
      await migrate(orm);

      const rows: { id: string; user_name: string; user_name_norm: string; user_name_skeleton: string; external_id: string | null }[] = await connection.execute(
        'select id, user_name, user_name_norm, user_name_skeleton, external_id from users order by tenant_id, id',
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      expect(byId.get('plain')?.user_name_norm).toBe('alice@acme.com');
      // Its new key is taken by "plain": kept as it was, and both users are still there with their userNames as sent.
      expect(byId.get('zwsp')).toMatchObject({ user_name: 'alice@acme.com\u200b', user_name_norm: 'alice@acme.com\u200b', external_id: 'oid-1' });
      expect(byId.get('soft')?.user_name_norm).toBe('bob@acme.com');
      expect(byId.get('other-tenant')?.user_name_norm).toBe('alice@acme.com');
      expect(byId.get('zwsp')?.user_name_skeleton).toBe(byId.get('plain')?.user_name_skeleton);
      expect(rows.every((row) => typeof row.user_name_skeleton === 'string' && row.user_name_skeleton !== '')).toBe(true);
      const [email]: { value: string; value_norm: string }[] = await connection.execute("select value, value_norm from user_emails where user_id = 'soft'");
      expect(email).toEqual({ value: 'Bob\u00ad@acme.com', value_norm: 'bob@acme.com' });
      const [group]: { display_name_norm: string }[] = await connection.execute("select display_name_norm from groups where id = 'g'");
      expect(group.display_name_norm).toBe('finance');
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });

  it("fill the skeletons of the groups' displayNames already stored, so their look-alikes are listed (issue 13)", async () => {
    const database = await createTestDatabase();
    const orm = await openOrm(database.config);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((migration) => migration.name);
      const skeletons = pending.find((name) => name.endsWith('_group_name_skeletons'));
      if (!skeletons) throw new Error('the group name skeletons migration is missing');
      await migrator.up({ to: pending[pending.indexOf(skeletons) - 1] });
      const connection = orm.em.getConnection();
      for (const [tenant, id, displayName] of [['t', 'latin', 'Finance Admins'], ['t', 'cyrillic', 'Fin\u0430nce Adm\u0456ns'], ['u', 'other', 'Payroll']] as const) {
        await connection.execute(
          "insert into groups (tenant_id, id, display_name, display_name_norm, raw, version, created_at, updated_at) values (?, ?, ?, ?, '{}', 1, 1, 1)",
          [tenant, id, displayName, foldText(displayName)],
        );
      }
      // A user's skeleton stored whole, as before keys were cut (U+FDFA: 18 code points of skeleton each).
      const longName = '\ufdfa'.repeat(55);
      await connection.execute(
        'insert into users (tenant_id, id, user_name, user_name_norm, user_name_skeleton, active, raw, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 1, 1, 1)',
        ['t', 'long', longName, foldText(longName), confusableSkeleton(foldText(longName)), true, '{}'],
      );
      await migrate(orm);
      const rows: { id: string; display_name_skeleton: string | null }[] = await connection.execute('select id, display_name_skeleton from groups order by tenant_id, id');
      const byId = new Map(rows.map((row) => [row.id, row.display_name_skeleton]));
      expect(byId.get('latin')).toBe(nameSkeletonKey('Finance Admins'));
      expect(byId.get('cyrillic')).toBe(byId.get('latin'));
      expect(byId.get('other')).toBe(nameSkeletonKey('Payroll'));
      const [user]: { user_name_skeleton: string }[] = await connection.execute("select user_name_skeleton from users where id = 'long'");
      expect(user.user_name_skeleton).toBe(nameSkeletonKey(longName));
      expect(Buffer.byteLength(user.user_name_skeleton)).toBeLessThanOrEqual(1024);
      expect(user.user_name_skeleton.length).toBeLessThan(confusableSkeleton(foldText(longName)).length);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });

  it('claim the OIDC (issuer, audience) pairs already configured, the earliest provider first (issue 13)', async () => {
    const database = await createTestDatabase();
    const orm = await openOrm(database.config);
    try {
      const migrator = orm.getMigrator();
      const pending = (await migrator.getPendingMigrations()).map((migration) => migration.name);
      const claims = pending.find((name) => name.endsWith('_oidc_audience_claims'));
      if (!claims) throw new Error('the claims migration is missing');
      await migrator.up({ to: pending[pending.indexOf(claims) - 1] });
      const connection = orm.em.getConnection();
      // Two tenants holding one pair (the race before claims existed), a third its own pair.
      for (const [tenant, audience, createdAt] of [['late', 'shared', 2], ['early', 'shared', 1], ['alone', 'own', 3]] as const) {
        await connection.execute(
          "insert into oidc_providers (tenant_id, issuer, audience, jwks_url, scope_claim, read_scope, admin_scope, created_at, updated_at) values (?, 'https://idp.example', ?, 'https://idp.example/jwks', 'scope', 'read', 'admin', ?, ?)",
          [tenant, audience, createdAt, createdAt],
        );
      }
      await migrate(orm);
      const rows: { tenant_id: string; audience: string }[] = await connection.execute('select tenant_id, audience from oidc_audience_claims order by audience');
      expect(rows.map((row) => [row.audience, row.tenant_id])).toEqual([['own', 'alone'], ['shared', 'early']]);
      const providers: { tenant_id: string }[] = await connection.execute('select tenant_id from oidc_providers order by tenant_id');
      expect(providers.map((row) => row.tenant_id)).toEqual(['alone', 'early', 'late']);
    } finally {
      await orm.close(true);
      await database.drop();
    }
  });
});
