/**
 * Scratch PostgreSQL databases for the benchmarks (I4, P1): created on the machine's test server
 * (BENCH_POSTGRES_URL), migrated and given a tenant by the app's own code, dropped afterwards; and the
 * CPU time of the PostgreSQL backends serving one of them (read from /proc: the server runs here).
 */
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { TenantSeed } from './seed';
import { cpuSecondsOf } from './servers';

/** Where scratch PostgreSQL databases are created; the machine's test server by default. */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface ScratchPostgresDatabase {
  readonly name: string;
  readonly url: string;
  /** CPU seconds (user + system) used so far by the backends connected to this database (0 when /proc cannot tell). */
  backendCpuSeconds(): Promise<number>;
  drop(): Promise<void>;
}

export interface ScratchPostgres extends ScratchPostgresDatabase {
  readonly tenant: TenantSeed;
}

/** Runs `work` on a connection of its own to `url`, closed afterwards. */
async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A scratch database with one tenant (`slug`), both made by the app's own code. */
export async function createPostgresDatabase(prefix: string, slug: string): Promise<ScratchPostgres> {
  const database = await createMigratedPostgresDatabase(prefix);
  const hub = await createApp(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false });
  try {
    const credentials = await hub.services.tenants.createTenant({ slug });
    return { ...database, tenant: { slug, tenantId: credentials.tenant.id, scimToken: credentials.scimToken, apiKey: credentials.adminApiKey } };
  } finally {
    await hub.close();
  }
}

/** A scratch database, migrated by the app's own code and holding nothing else. */
export async function createMigratedPostgresDatabase(prefix: string): Promise<ScratchPostgresDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await withClient(POSTGRES_ADMIN_URL, (admin) => admin.query(`create database ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  await (await createApp(loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false })).close();
  // Backends come and go with the pool; their CPU is summed over every pid seen so far (an ended one keeps its last reading).
  const seen = new Map<number, number>();
  return {
    name,
    url: url.toString(),
    async backendCpuSeconds() {
      const { rows } = await withClient(POSTGRES_ADMIN_URL, (client) => client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name]));
      for (const { pid } of rows) {
        const seconds = cpuSecondsOf(pid);
        if (seconds > 0) seen.set(pid, seconds);
      }
      let total = 0;
      for (const seconds of seen.values()) total += seconds;
      return total;
    },
    async drop() {
      await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** PostgreSQL's limit on bound values per statement. */
const MAX_BOUND_VALUES = 65_535;

/**
 * Copies the rows of a seeded SQLite file (bench/lib/seed.ts) into a migrated PostgreSQL database, table by
 * table in the order the migrations created them, so both databases hold the same seed. The per-tenant
 * counters are left to PostgreSQL's own triggers, which count the copied rows as they go in. Returns the
 * rows copied.
 */
export async function copySqliteRows(file: string, url: string): Promise<number> {
  const sqlite = new BetterSqlite3(file, { readonly: true });
  const client = new Client({ connectionString: url });
  await client.connect();
  let copied = 0;
  try {
    await client.query('BEGIN');
    const names = (sql: string, ...bindings: unknown[]) => (sqlite.prepare(sql).all(...bindings) as { name: string }[]).map((row) => row.name);
    const tables = names("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'mikro_orm_%' and name <> 'tenant_resource_counts' order by rowid");
    for (const table of tables) {
      const columns = names('select name from pragma_table_info(?)', table);
      await client.query(`delete from ${table}`);
      const perStatement = Math.min(1000, Math.floor(MAX_BOUND_VALUES / columns.length));
      let rows: unknown[][] = [];
      const flush = async () => {
        if (rows.length === 0) return;
        const tuples = rows.map((_, row) => `(${columns.map((_, column) => `$${row * columns.length + column + 1}`).join(', ')})`);
        await client.query(`insert into ${table} (${columns.map((column) => `"${column}"`).join(', ')}) values ${tuples.join(', ')}`, rows.flat());
        copied += rows.length;
        rows = [];
      };
      for (const row of sqlite.prepare(`select * from ${table}`).iterate() as Iterable<Record<string, unknown>>) {
        rows.push(columns.map((column) => row[column]));
        if (rows.length === perStatement) await flush();
      }
      await flush();
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
    sqlite.close();
  }
  return copied;
}

/** Takes PostgreSQL's statistics of every table now, as autovacuum would a little after a bulk load. */
export async function analyzeDatabase(url: string): Promise<void> {
  await withClient(url, (client) => client.query('ANALYZE'));
}
