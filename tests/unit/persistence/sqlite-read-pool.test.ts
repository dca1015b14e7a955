import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SQLITE_BUDGET_FUNCTION } from '../../../src/persistence/read-budget';
import { SqliteReadPool } from '../../../src/persistence/sqlite-read-pool';

type Handle = { exec(sql: string): void; close(): void };
const BetterSqlite = require('better-sqlite3') as new (file: string) => Handle;

describe('SqliteReadPool', () => {
  const file = path.join(os.tmpdir(), `identity-hub-reader-${randomUUID()}.sqlite`);
  const pool = new SqliteReadPool();

  beforeAll(() => {
    const handle = new BetterSqlite(file);
    handle.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO t SELECT i, 'value ' || i FROM n;");
    handle.close();
  });
  afterAll(async () => {
    await pool.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  });

  it('reads on its own thread and connection, rows as objects', async () => {
    const outcome = await pool.read({ file, sql: `SELECT id, v FROM t WHERE ${SQLITE_BUDGET_FUNCTION}() AND id <= ?`, bindings: [2], budgetMs: 60_000 });
    expect(outcome).toEqual({ rows: [{ id: 1, v: 'value 1' }, { id: 2, v: 'value 2' }] });
  });

  it('stops a statement that runs past its budget at the next row it tests', async () => {
    const slow = `SELECT COUNT(*) AS n FROM t a WHERE ${SQLITE_BUDGET_FUNCTION}() AND (SELECT COUNT(*) FROM t b WHERE b.v LIKE '%' || a.id || '%') > 0`;
    expect(await pool.read({ file, sql: slow, bindings: [], budgetMs: 5 })).toEqual({ exceeded: true });
    // The thread is free again.
    expect(await pool.read({ file, sql: `SELECT COUNT(*) AS n FROM t WHERE ${SQLITE_BUDGET_FUNCTION}()`, bindings: [], budgetMs: 60_000 })).toEqual({ rows: [{ n: 50000 }] });
  });
});
