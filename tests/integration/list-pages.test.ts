import { randomUUID } from 'node:crypto';
import type { Tx } from '../../src/persistence/database';
import { toNumber } from '../../src/persistence/column-values';
import { PageAnchorCache } from '../../src/persistence/page-anchors';
import { listRows, type ListSpec } from '../../src/persistence/repositories/resource-rows';
import { buildInsertText } from '../../src/persistence/sql-text';
import { readImportRecords } from '../../src/scim/import-file';
import { createDefaultSchemaRegistry } from '../../src/scim/protocol/schema-definitions';
import { buildTenantExtension } from '../../src/scim/protocol/tenant-extension';
import { GROUP_SCHEMA, ScimClient, USER_SCHEMA, expectStatus, useScimHub } from '../support/scim-client';
import { testDatabaseKind } from '../support/test-app';

/**
 * Unfiltered SCIM lists (issue 6, S4): totalResults comes from tenant_resource_counts, which triggers keep
 * exact through every write path, and deep pages seek from page anchors. Whatever path a page takes, it
 * must equal the plain COUNT and ORDER BY ... LIMIT/OFFSET over the same rows.
 */
describe(`unfiltered list pages on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();
  const database = () => scim.hub.hub.database;

  const USERS: ListSpec<'userName'> = { table: 'users', columns: ['id', 'created_at'], sortColumns: { userName: 'user_name_norm' } };

  async function counters(): Promise<Map<string, number>> {
    const rows = await database().read((tx) =>
      tx.all<{ tenant_id: string; resource_type: string; total: number | string }>('SELECT tenant_id, resource_type, SUM(total) AS total FROM tenant_resource_counts GROUP BY tenant_id, resource_type'),
    );
    return new Map(rows.filter((row) => toNumber(row.total) !== 0).map((row) => [`${row.resource_type}|${row.tenant_id}`, toNumber(row.total)]));
  }

  async function counted(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const table of ['users', 'groups']) {
      const rows = await database().read((tx) => tx.all<{ tenant_id: string; total: number | string }>(`SELECT tenant_id, COUNT(*) AS total FROM ${table} GROUP BY tenant_id`));
      for (const row of rows) totals.set(`${table}|${row.tenant_id}`, toNumber(row.total));
    }
    return totals;
  }

  async function expectCountersExact(): Promise<void> {
    expect(await counters()).toEqual(await counted());
  }

  /** Users inserted straight into the table, `perTick` of them sharing each created_at (ties the order breaks by id). */
  async function insertUsers(tx: Tx, tenantId: string, count: number, createdFrom: number, perTick = 3): Promise<void> {
    const columns = ['tenant_id', 'id', 'user_name', 'user_name_norm', 'active', 'raw', 'version', 'created_at', 'updated_at'];
    const bindings: unknown[] = [];
    for (let index = 0; index < count; index += 1) {
      const name = `u-${randomUUID()}`;
      const created = createdFrom + Math.floor(index / perTick);
      bindings.push(tenantId, randomUUID(), name, name, true, '{}', 1, created, created);
    }
    await tx.run(buildInsertText('users', columns, count), bindings);
  }

  /** The reference: what plain OFFSET and COUNT(*) answer for the same rows. */
  async function plainPage(tenantId: string, offset: number, limit: number, sortByName?: 'ASC' | 'DESC') {
    return database().read(async (tx) => {
      const order = sortByName ? `user_name_norm ${sortByName}, created_at ASC, id ASC` : 'created_at ASC, id ASC';
      const rows = await tx.all<{ id: string }>(`SELECT id FROM users WHERE tenant_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`, [tenantId, limit, offset]);
      const total = await tx.first<{ total: number | string }>('SELECT COUNT(*) AS total FROM users WHERE tenant_id = ?', [tenantId]);
      return { total: toNumber(total?.total), ids: rows.map((row) => row.id) };
    });
  }

  async function listedPage(tenantId: string, anchors: PageAnchorCache, offset: number, limit: number, sortByName?: 'ASC' | 'DESC') {
    const sort = sortByName ? { field: 'userName' as const, descending: sortByName === 'DESC' } : undefined;
    const page = await database().read((tx) => listRows<{ id: string }, 'userName'>(tx, USERS, tenantId, undefined, sort, { offset, limit }, anchors));
    return { total: page.total, ids: page.rows.map((row) => row.id) };
  }

  /** Every offset from 0 to past the end, with page sizes that do and do not divide the anchor step, twice (the first pass builds anchors). */
  async function expectEveryPageEqualsOffset(tenantId: string, anchors: PageAnchorCache, rows: number): Promise<void> {
    for (const pass of [1, 2]) {
      for (let offset = 0; offset <= rows + 3; offset += pass === 1 ? 1 : 3) {
        for (const limit of offset % 5 === 0 ? [1, 7, 10, 25] : [7]) {
          expect({ offset, limit, page: await listedPage(tenantId, anchors, offset, limit) }).toEqual({ offset, limit, page: await plainPage(tenantId, offset, limit) });
        }
      }
    }
  }

  it('counters stay exact through SCIM creates and deletes, SCIM bulk, the bulk import and multi-tenant statements', async () => {
    const client = await scim.client();
    // Concurrent creates: on PostgreSQL each session writes its own shard of the counter.
    const users = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => client.createUser(`${name}@example.com`)));
    const group = await client.createGroup('Team', [users[0].id]);
    await client.createGroup('Other');
    expectStatus(await client.delete(`/Users/${users[1].id}`), 204);
    expectStatus(await client.delete(`/Groups/${group.id}`), 204);
    const bulk = await client.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'x', data: { schemas: [USER_SCHEMA], userName: 'x@example.com' } },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: 'Bulk group' } },
        { method: 'DELETE', path: `/Users/${users[2].id}` },
      ],
    });
    expectStatus(bulk, 200);
    await expectCountersExact();

    const imported = await scim.hub.createTenant();
    const services = scim.hub.hub.services;
    const target = await services.bulkImport.resolveTarget(imported.tenant.slug);
    const registry = createDefaultSchemaRegistry([buildTenantExtension(await services.mapping.activeSchema(target.tenant.id))]);
    async function* lines() {
      for (let index = 0; index < 30; index += 1) yield JSON.stringify({ schemas: [USER_SCHEMA], userName: `imported${index}@example.com` });
      yield JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Imported group' });
    }
    await services.bulkImport.import(target, readImportRecords(lines(), registry), { context: { actor: { type: 'system', id: 'test' } }, source: 'test.ndjson' });
    await expectCountersExact();
    expect((await new ScimClient(scim.hub, imported.scimToken).get('/Users?count=1')).body.totalResults).toBe(30);

    const tenants = [randomUUID(), randomUUID()];
    await database().transaction(async (tx) => {
      await insertUsers(tx, tenants[0], 40, 1000);
      await insertUsers(tx, tenants[1], 15, 1000);
    });
    await expectCountersExact();
    await database().transaction((tx) => tx.run(`DELETE FROM users WHERE tenant_id IN (?, ?) AND created_at < ?`, [tenants[0], tenants[1], 1004]));
    await expectCountersExact();
  });

  it('GET /Users and /Groups report the counter as totalResults, at any startIndex and with count=0', async () => {
    const client = await scim.client();
    for (let index = 0; index < 5; index += 1) await client.createUser(`list${index}@example.com`);
    await client.createGroup('Only group');
    for (const [path, total] of [['/Users', 5], ['/Groups', 1]] as const) {
      for (const query of ['', '?count=0', '?startIndex=3&count=2', '?startIndex=50']) {
        const response = await client.get(`${path}${query}`);
        expectStatus(response, 200);
        expect(response.body.totalResults).toBe(total);
      }
    }
    const page = await client.get('/Users?startIndex=3&count=2');
    expect((page.body.Resources as { userName: string }[]).map((user) => user.userName)).toEqual(['list2@example.com', 'list3@example.com']);
    expect((await client.get(`/Users?startIndex=50`)).body.Resources ?? []).toEqual([]);
  });

  it('pages read through anchors equal plain OFFSET at every startIndex, also after inserts, deletes and a moved row', async () => {
    const tenantId = randomUUID();
    const anchors = new PageAnchorCache(10);
    await database().transaction((tx) => insertUsers(tx, tenantId, 137, 5000));
    await expectEveryPageEqualsOffset(tenantId, anchors, 137);
    expect(anchors.anchors(`users|${tenantId}`)?.positions).toHaveLength(13);

    // Rows land before, between and after the anchors (ties included): the held anchors are stale.
    await database().transaction(async (tx) => {
      await insertUsers(tx, tenantId, 9, 4990, 2);
      await insertUsers(tx, tenantId, 12, 5020, 4);
      await insertUsers(tx, tenantId, 5, 9000);
    });
    await expectEveryPageEqualsOffset(tenantId, anchors, 163);
    await database().transaction((tx) => tx.run('DELETE FROM users WHERE tenant_id = ? AND created_at IN (?, ?, ?)', [tenantId, 5001, 5013, 5030]));
    await expectEveryPageEqualsOffset(tenantId, anchors, 163 - 3 * 3 - 4);
    const [first] = await database().read((tx) => tx.all<{ id: string }>('SELECT id FROM users WHERE tenant_id = ? ORDER BY created_at, id LIMIT 1', [tenantId]));
    await database().transaction((tx) => tx.run('UPDATE users SET created_at = ? WHERE tenant_id = ? AND id = ?', [99_999, tenantId, first.id]));
    await expectEveryPageEqualsOffset(tenantId, anchors, 150);
    expect(anchors.anchors(`users|${tenantId}`)?.positions).toHaveLength(15);
  });

  it('anchors another process built are checked against the shared version: a change through this one makes them stale', async () => {
    const tenantId = randomUUID();
    const elsewhere = new PageAnchorCache(10);
    await database().transaction((tx) => insertUsers(tx, tenantId, 60, 100));
    for (let read = 0; read < 2; read += 1) expect(await listedPage(tenantId, elsewhere, 35, 10)).toEqual(await plainPage(tenantId, 35, 10));
    expect(elsewhere.anchors(`users|${tenantId}`)).toBeDefined();
    await database().transaction((tx) => tx.run('DELETE FROM users WHERE tenant_id = ? AND created_at = ?', [tenantId, 101]));
    expect(await listedPage(tenantId, elsewhere, 35, 10)).toEqual(await plainPage(tenantId, 35, 10));
  });

  it('a page costs one statement once anchors hold, and never more than three (empty pages, stale anchors, builds)', async () => {
    const tenantId = randomUUID();
    const anchors = new PageAnchorCache(10);
    await database().transaction((tx) => insertUsers(tx, tenantId, 80, 300));
    async function statementsOf(offset: number, limit: number): Promise<number> {
      let statements = 0;
      await database().read((tx) => {
        const counting = Object.create(tx) as Tx;
        counting.all = (query, bindings) => {
          statements += 1;
          return tx.all(query, bindings);
        };
        return listRows<{ id: string }, 'userName'>(counting, USERS, tenantId, undefined, undefined, { offset, limit }, anchors);
      });
      return statements;
    }
    const counts: number[] = [];
    for (const offset of [50, 50, 50, 79, 80, 200, 0, 0]) counts.push(await statementsOf(offset, 10));
    await database().transaction((tx) => insertUsers(tx, tenantId, 3, 310));
    for (const offset of [50, 50, 50, 90]) counts.push(await statementsOf(offset, 10));
    // Offset 50: plain, plain + build, anchored; 79 anchored; 80 and 200 past the end (+ counter); 0 plain twice;
    // after the insert: stale anchored + re-read, plain + build, anchored, past the end (+ counter).
    expect(counts).toEqual([1, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1, 2]);
    expect(await statementsOf(0, 0)).toBe(1);
  });

  it('sorted unfiltered pages take the counter as total and keep their order', async () => {
    const tenantId = randomUUID();
    const anchors = new PageAnchorCache(10);
    await database().transaction((tx) => insertUsers(tx, tenantId, 45, 700));
    for (const direction of ['ASC', 'DESC'] as const) {
      for (const offset of [0, 9, 10, 11, 30, 44, 45, 50]) expect(await listedPage(tenantId, anchors, offset, 8, direction)).toEqual(await plainPage(tenantId, offset, 8, direction));
    }
  });

  it('an empty tenant lists nothing with total 0, at any offset', async () => {
    const anchors = new PageAnchorCache(10);
    for (const offset of [0, 10, 25]) expect(await listedPage(randomUUID(), anchors, offset, 10)).toEqual({ total: 0, ids: [] });
  });

  it('the SCIM endpoint answers deep pages through its own anchors like OFFSET does', async () => {
    const credentials = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, credentials.scimToken);
    const tenantId = credentials.tenant.id;
    await database().transaction((tx) => insertUsers(tx, tenantId, 2100, 1));
    for (const startIndex of [1, 1001, 1001, 1001, 2001, 2002]) {
      const response = await client.get(`/Users?startIndex=${startIndex}&count=50`);
      expectStatus(response, 200);
      const expected = await plainPage(tenantId, startIndex - 1, 50);
      expect({ total: response.body.totalResults, ids: ((response.body.Resources ?? []) as { id: string }[]).map((user) => user.id) }).toEqual(expected);
    }
  });
});
