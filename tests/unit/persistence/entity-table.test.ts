import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_ENTITIES } from '../../../src/persistence/entities/all-entities';
import { entityTable } from '../../../src/persistence/entity-table';
import { TABLES } from '../../../src/persistence/tables';

interface Snapshot {
  readonly tables: readonly { readonly name: string; readonly columns: Record<string, { readonly name: string }> }[];
}

function snapshotColumns(dialect: 'sqlite' | 'postgresql'): Map<string, string[]> {
  const snapshot = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'migrations', dialect, '.snapshot.json'), 'utf8')) as Snapshot;
  return new Map(snapshot.tables.map((table) => [table.name, Object.values(table.columns).map((column) => column.name)]));
}

describe('entity tables: column lists and row mappers derived from the entity schemas', () => {
  it.each(['sqlite', 'postgresql'] as const)('every entity names the table and columns its %s migrations created', (dialect) => {
    const migrated = snapshotColumns(dialect);
    for (const entity of ALL_ENTITIES) {
      const table = entityTable(entity as never);
      expect({ table: table.name, columns: [...table.names()].sort() }).toEqual({ table: table.name, columns: [...(migrated.get(table.name) ?? [])].sort() });
    }
  });

  it('reads driver values as the properties hold them: numbers, booleans, decoded JSON, NULL as null', () => {
    const properties = ['id', 'active', 'raw', 'version', 'createdAt', 'externalId'] as const;
    const sqliteRow = { id: 'u1', active: 1, raw: '{"userName":"a"}', version: 2, created_at: 1700000000000, external_id: null };
    expect(TABLES.users.reader('sqlite', properties)(sqliteRow)).toEqual({ id: 'u1', active: true, raw: { userName: 'a' }, version: 2, createdAt: 1700000000000, externalId: null });
    const postgresRow = { id: 'u1', active: false, raw: { userName: 'a' }, version: 3, created_at: '1700000000000', external_id: 'x' };
    expect(TABLES.users.reader('postgresql', properties)(postgresRow)).toEqual({ id: 'u1', active: false, raw: { userName: 'a' }, version: 3, createdAt: 1700000000000, externalId: 'x' });
  });

  it('a JSON column holding a bare string is decoded on SQLite and kept on PostgreSQL (which decodes it already)', () => {
    expect(TABLES.userValues.reader('sqlite', ['value'])({ value: '"Sales"' })).toEqual({ value: 'Sales' });
    expect(TABLES.userValues.reader('postgresql', ['value'])({ value: 'Sales' })).toEqual({ value: 'Sales' });
  });

  it('binds values in the order asked: JSON encoded, absent and null-in-a-nullable-JSON column as NULL', () => {
    const row = { tenantId: 't', userId: 'u', fieldKey: 'roles', position: 0, value: ['a'], rawValue: null, updatedAt: 5 };
    expect(TABLES.userValues.values(row, ['tenantId', 'value', 'valueText', 'rawValue', 'updatedAt'])).toEqual(['t', '["a"]', null, null, 5]);
    expect(TABLES.userValues.names(['tenantId', 'fieldKey', 'rawValue'])).toEqual(['tenant_id', 'field_key', 'raw_value']);
  });

  it('a property the entity does not have is refused, not silently dropped', () => {
    expect(() => TABLES.users.names(['nope' as never])).toThrow('users has no column for nope');
  });
});
