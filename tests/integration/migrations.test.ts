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
});
