/**
 * Times the console's user search (GraphQL users(filter: { search })) over a tenant of N users on SQLite and
 * PostgreSQL: the page of 25 (ordered by userName) and the count, as the Users page sends them, median of the
 * runs per search. Users are written straight into users, user_emails and user_values (displayName,
 * givenName, familyName and email mapped, as the preset maps them), like bench/lib/seed.ts does.
 * Usage: node -r @swc-node/register bench/tools/user-search.ts [users=100000] [runs=5]
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Client } from 'pg';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { foldText } from '../../src/domain/text';
import { createPostgresDatabase } from '../lib/postgres';
import { createDatabase, removeDatabase, userBody, userNameOf, externalIdOf, type TenantSeed } from '../lib/seed';

const SEARCHES = ['user123@console', 'user12345', 'n4242', 'User 77', 'user', 'User N777', 'n', 'nobody'];
const PAGE_QUERY = `query ($filter: UserFilter) { users(filter: $filter, first: 25, orderBy: { field: USER_NAME, direction: ASC }) { nodes { id userName displayName } } }`;
const COUNT_QUERY = `query ($filter: UserFilter) { users(filter: $filter, first: 1) { totalCount } }`;

type Row = readonly unknown[];
interface Rows {
  readonly users: Row[];
  readonly emails: Row[];
  readonly values: Row[];
}

const USER_COLUMNS = ['tenant_id', 'id', 'user_name', 'user_name_norm', 'external_id', 'active', 'raw', 'version', 'created_at', 'updated_at'];
const EMAIL_COLUMNS = ['tenant_id', 'user_id', 'position', 'value', 'value_norm', 'type', 'is_primary'];
const VALUE_COLUMNS = ['tenant_id', 'user_id', 'field_key', 'position', 'value', 'value_text', 'updated_at'];

function rowsOf(tenant: TenantSeed, from: number, to: number, dialect: 'sqlite' | 'postgresql'): Rows {
  const rows: Rows = { users: [], emails: [], values: [] };
  const created = Date.UTC(2025, 0, 1);
  for (let index = from; index < to; index += 1) {
    const id = randomUUID();
    const userName = userNameOf(tenant.slug, index);
    const body = userBody(userName, externalIdOf(tenant.slug, index), index);
    rows.users.push([tenant.tenantId, id, userName, foldText(userName), externalIdOf(tenant.slug, index), dialect === 'sqlite' ? 1 : true, JSON.stringify(body), 1, created + index, created + index]);
    rows.emails.push([tenant.tenantId, id, 0, userName, foldText(userName), 'work', dialect === 'sqlite' ? 1 : true]);
    const mapped: [string, string][] = [['displayName', `User ${index}`], ['givenName', 'User'], ['familyName', `N${index}`], ['email', userName]];
    for (const [field, value] of mapped) rows.values.push([tenant.tenantId, id, field, 0, JSON.stringify(value), foldText(value), created + index]);
  }
  return rows;
}

function seedSqlite(file: string, tenant: TenantSeed, count: number): void {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  const insert = (table: string, columns: string[]) => db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  const users = insert('users', USER_COLUMNS);
  const emails = insert('user_emails', EMAIL_COLUMNS);
  const values = insert('user_values', VALUE_COLUMNS);
  const batch = db.transaction((rows: Rows) => {
    for (const row of rows.users) users.run(...row);
    for (const row of rows.emails) emails.run(...row);
    for (const row of rows.values) values.run(...row);
  });
  for (let start = 0; start < count; start += 10_000) batch(rowsOf(tenant, start, Math.min(count, start + 10_000), 'sqlite'));
  db.exec('analyze');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function seedPostgres(url: string, tenant: TenantSeed, count: number): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const insert = async (table: string, columns: string[], rows: Row[]) => {
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000);
      const placeholders = chunk.map((_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`).join(', ');
      await client.query(`insert into ${table} (${columns.join(', ')}) values ${placeholders}`, chunk.flat());
    }
  };
  try {
    for (let start = 0; start < count; start += 10_000) {
      const rows = rowsOf(tenant, start, Math.min(count, start + 10_000), 'postgresql');
      await insert('users', USER_COLUMNS, rows.users);
      await insert('user_emails', EMAIL_COLUMNS, rows.emails);
      await insert('user_values', VALUE_COLUMNS, rows.values);
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeSearches(databaseUrl: string, tenant: TenantSeed, runs: number): Promise<string[]> {
  const hub = await createApp(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false });
  const server = hub.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  const send = async (query: string, search: string) => {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { filter: { search } } }) });
    const body = (await response.json()) as { data?: { users: { nodes?: unknown[]; totalCount?: number } }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return { ms: performance.now() - started, users: body.data!.users };
  };
  const lines: string[] = [];
  try {
    for (const search of SEARCHES) {
      const page: number[] = [];
      const count: number[] = [];
      let found = 0;
      let shown = 0;
      for (let run = 0; run <= runs; run += 1) {
        const listed = await send(PAGE_QUERY, search);
        const counted = await send(COUNT_QUERY, search);
        if (run === 0) continue;
        page.push(listed.ms);
        count.push(counted.ms);
        shown = listed.users.nodes!.length;
        found = counted.users.totalCount!;
      }
      lines.push(`  "${search}": page ${median(page).toFixed(0)} ms (${shown} rows), count ${median(count).toFixed(0)} ms (${found} users)`);
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await hub.close();
  }
  return lines;
}

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.argv[3] ?? 5);
  const file = path.join(os.tmpdir(), `user-search-${process.pid}.sqlite`);
  const [tenant] = await createDatabase(file, ['console']);
  try {
    seedSqlite(file, tenant!, users);
    console.log(`SQLite, ${users} users (median of ${runs}):`);
    for (const line of await timeSearches(`sqlite:${file}`, tenant!, runs)) console.log(line);
  } finally {
    removeDatabase(file);
  }
  const postgres = await createPostgresDatabase('user_search', 'console');
  try {
    await seedPostgres(postgres.url, postgres.tenant, users);
    console.log(`PostgreSQL, ${users} users (median of ${runs}):`);
    for (const line of await timeSearches(postgres.url, postgres.tenant, runs)) console.log(line);
  } finally {
    await postgres.drop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
