import { migrate, openOrm } from '../../src/persistence/orm';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';

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
});
