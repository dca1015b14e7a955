import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestHub, testDatabaseKind, type TestHub } from '../support/test-app';
import type { Tx } from '../../src/persistence/database';
import { KeyedQuery } from '../../src/persistence/keyed-query';
import { positionBindings } from '../../src/persistence/postgres-session';
import { buildInsertText } from '../../src/persistence/sql-text';
import { UserRepository } from '../../src/persistence/repositories/user.repository';

/**
 * A keyed statement keeps the generic plan PostgreSQL settles on after five runs. Planned while a
 * tenant's table had not been analysed since it grew (an initial sync), the existence check of a
 * PATCH's members once scanned the whole tenant by a tenant_id-only index: 7.5 ms instead of 0.05 ms a
 * call. Its plan must probe the primary key whatever the statistics say. (SQLite plans each statement
 * once, from its indexes, with no statistics to mislead it: nothing of this to test there.)
 */
const onPostgres = testDatabaseKind() === 'postgresql' ? describe : describe.skip;

onPostgres('generic plans of keyed id-list reads on PostgreSQL', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await createTestHub();
  });

  afterAll(async () => {
    await hub.close();
  });

  async function insertUsers(tx: Tx, tenantId: string, prefix: string, count: number): Promise<string[]> {
    const columns = ['tenant_id', 'id', 'user_name', 'user_name_norm', 'active', 'raw', 'version', 'created_at', 'updated_at'];
    const ids: string[] = [];
    const bindings: unknown[] = [];
    for (let index = 0; index < count; index += 1) {
      const id = randomUUID();
      ids.push(id);
      bindings.push(tenantId, id, `${prefix}${index}`, `${prefix}${index}`, true, '{}', 1, index, index);
    }
    await tx.run(buildInsertText('users', columns, count), bindings);
    return ids;
  }

  it('the existence check of several users probes the primary key, even as the generic plan of a tenant grown since ANALYZE', async () => {
    const tenantId = randomUUID();
    // Statistics taken while the tenant was small, then an initial sync's worth of users.
    const first = await hub.hub.database.transaction((tx) => insertUsers(tx, tenantId, 'a', 5));
    await hub.hub.database.read((tx) => tx.run('ANALYZE users'));
    const ids = [...first, ...(await hub.hub.database.transaction(async (tx) => [...(await insertUsers(tx, tenantId, 'b', 2500)), ...(await insertUsers(tx, tenantId, 'c', 2500))]))];
    const sent: { sql: string; bindings: readonly unknown[] }[] = [];
    const found = await hub.hub.database.read((tx) => {
      const recording = Object.create(tx) as Tx;
      recording.all = (query, bindings) => {
        const text = query instanceof KeyedQuery ? query.query : query;
        sent.push({ sql: typeof text === 'string' ? text : text.toSQL().sql, bindings: bindings ?? [] });
        return tx.all(query, bindings);
      };
      return new UserRepository().existingIds(recording, tenantId, ids.slice(0, 6));
    });
    expect([...found].sort()).toEqual(ids.slice(0, 6).sort());
    expect(sent).toHaveLength(1);

    const client = new Client({ connectionString: hub.config.database.kind === 'postgresql' ? hub.config.database.url : '' });
    await client.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query({ name: 'existing', text: positionBindings(sent[0].sql), values: [...sent[0].bindings] });
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) EXECUTE existing(${sent[0].bindings.map((value) => client.escapeLiteral(Array.isArray(value) ? `{${value.join(',')}}` : String(value))).join(', ')})`);
      const lines = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(lines).toMatch(/Index (Only )?Scan using users_pkey/);
      expect(lines).not.toMatch(/Rows Removed by|Hash Join|Bitmap Heap Scan on users|Seq Scan on users/);
    } finally {
      await client.end();
    }
  });
});
