/**
 * Test data, written fast: the schema comes from the real migrations (createApp migrates), tenants
 * and their SCIM tokens from the real TenantService, and then users, emails, groups and memberships
 * are written straight into the tables with better-sqlite3 prepared statements in big transactions,
 * with the same columns and values the repositories write. The stored SCIM resource (`raw`) has the
 * shape normalizeResource gives a typical IdP body (checked against it on the first row).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { normalizeResource } from '../../src/scim/protocol/normalize-resource';
import { extractUserFields } from '../../src/scim/protocol/resource-fields';
import { createDefaultSchemaRegistry, ENTERPRISE_USER_SCHEMA } from '../../src/scim/protocol/schema-definitions';
import { foldText } from '../../src/domain/text';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface TenantSeed {
  readonly slug: string;
  readonly tenantId: string;
  readonly scimToken: string;
  /** The admin API key created with the tenant (scopes read and admin), for GraphQL. */
  readonly apiKey: string;
}

/** Creates the file, runs the migrations and creates the tenants, all through the app's own code. */
export async function createDatabase(file: string, slugs: readonly string[]): Promise<TenantSeed[]> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  const hub = await createApp(loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
  try {
    const tenants: TenantSeed[] = [];
    for (const slug of slugs) {
      const credentials = await hub.services.tenants.createTenant({ slug });
      tenants.push({ slug, tenantId: credentials.tenant.id, scimToken: credentials.scimToken, apiKey: credentials.adminApiKey });
    }
    return tenants;
  } finally {
    await hub.close();
  }
}

/** The userName of the i-th seeded user of a tenant (lookups pick names by index). */
export function userNameOf(slug: string, index: number): string {
  return `user${index}@${slug}.example.com`;
}

export function externalIdOf(slug: string, index: number): string {
  return `ext-${slug}-${index}`;
}

/** A typical IdP user body (Entra-like attribute set). */
export function userBody(userName: string, externalId: string, index: number): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    userName,
    externalId,
    active: true,
    displayName: `User ${index}`,
    name: { givenName: 'User', familyName: `N${index}` },
    emails: [{ value: userName, type: 'work', primary: true }],
    [ENTERPRISE_USER_SCHEMA]: { department: `Dept ${index % 50}` },
  };
}

const SECONDARY_INDEX_TABLES = ['users', 'user_emails', 'group_members'];

function open(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  return db;
}

/**
 * Runs `fill` with the secondary indexes of the row tables dropped (when the batch is large), then
 * recreates them from their own DDL as the migrations left it in sqlite_master: a sorted index build
 * instead of a million random inserts.
 */
function withIndexesRebuilt(db: BetterSqlite3.Database, rows: number, fill: () => void): void {
  if (rows < 50_000) {
    fill();
    return;
  }
  const placeholders = SECONDARY_INDEX_TABLES.map(() => '?').join(', ');
  const indexes = db
    .prepare<string[], { name: string; sql: string }>(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${placeholders})`)
    .all(...SECONDARY_INDEX_TABLES);
  for (const index of indexes) db.exec(`drop index "${index.name}"`);
  try {
    fill();
  } finally {
    for (const index of indexes) db.exec(index.sql);
  }
}

function checkpoint(db: BetterSqlite3.Database): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

export interface SeedUsersOptions {
  /** First index (userNames are userNameOf(slug, index)). */
  readonly from?: number;
  /** Keep and return the generated ids (needed for memberships). */
  readonly keepIds?: boolean;
  /** created_at of the first user; each next one is 1 ms later, so the list order is the index order. */
  readonly createdBase?: number;
}

export interface SeedResult {
  readonly rows: number;
  readonly seconds: number;
  readonly ids: string[];
}

export function seedUsers(file: string, tenant: TenantSeed, count: number, options: SeedUsersOptions = {}): SeedResult {
  const started = performance.now();
  const from = options.from ?? 0;
  const createdBase = options.createdBase ?? Date.UTC(2025, 0, 1);
  const ids: string[] = [];
  const registry = createDefaultSchemaRegistry();
  const db = open(file);
  const insertUser = db.prepare(
    `insert into users (tenant_id, id, user_name, user_name_norm, external_id, active, display_name, given_name, family_name, title, user_type,
       department, division, organization, cost_center, employee_number, manager_id, raw, version, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, ?, null, null, null, null, null, ?, 1, ?, ?)`,
  );
  const insertEmail = db.prepare(
    'insert into user_emails (tenant_id, user_id, position, value, value_norm, type, is_primary) values (?, ?, 0, ?, ?, ?, 1)',
  );
  const batch = db.transaction((start: number, end: number) => {
    for (let index = start; index < end; index += 1) {
      const userName = userNameOf(tenant.slug, index);
      const externalId = externalIdOf(tenant.slug, index);
      const body = userBody(userName, externalId, index);
      if (index === from) {
        // The direct construction must be what the app would store for this body.
        const normalized = normalizeResource(registry, 'User', body);
        if (JSON.stringify(normalized) !== JSON.stringify(body)) throw new Error(`seed user shape differs from normalizeResource:\n${JSON.stringify(normalized)}`);
        const fields = extractUserFields(normalized);
        if (fields.department !== `Dept ${index % 50}` || fields.emails.length !== 1) throw new Error('seed user fields differ from extractUserFields');
      }
      const id = randomUUID();
      if (options.keepIds) ids.push(id);
      const created = createdBase + index;
      insertUser.run(tenant.tenantId, id, userName, foldText(userName), externalId, 1, `User ${index}`, 'User', `N${index}`, `Dept ${index % 50}`, JSON.stringify(body), created, created);
      insertEmail.run(tenant.tenantId, id, userName, foldText(userName), 'work');
    }
  });
  withIndexesRebuilt(db, count, () => {
    const chunk = 50_000;
    for (let start = from; start < from + count; start += chunk) batch(start, Math.min(from + count, start + chunk));
  });
  checkpoint(db);
  return { rows: count, seconds: (performance.now() - started) / 1000, ids };
}

export interface GroupSeed {
  readonly displayName: string;
  readonly memberIds: readonly string[];
}

/** Groups with the given members (users of the tenant), in one transaction per 50k rows; returns their ids by name. */
export function seedGroups(file: string, tenant: TenantSeed, groups: readonly GroupSeed[]): { ids: Map<string, string>; rows: number; seconds: number } {
  const started = performance.now();
  const db = open(file);
  const now = Date.now();
  const ids = new Map<string, string>();
  const insertGroup = db.prepare(
    `insert into groups (tenant_id, id, display_name, display_name_norm, external_id, raw, version, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const insertMember = db.prepare(
    `insert into group_members (tenant_id, group_id, member_id, member_type, display, created_at) values (?, ?, ?, 'User', null, ?)`,
  );
  const insertMembers = db.transaction((groupId: string, memberIds: readonly string[], start: number, end: number) => {
    for (let index = start; index < end; index += 1) insertMember.run(tenant.tenantId, groupId, memberIds[index], now);
  });
  const rows = groups.reduce((total, group) => total + group.memberIds.length, 0);
  withIndexesRebuilt(db, rows, () => {
    for (const group of groups) {
      const id = randomUUID();
      ids.set(group.displayName, id);
      const raw = { schemas: [GROUP_SCHEMA], displayName: group.displayName, externalId: `ext-${group.displayName}` };
      insertGroup.run(tenant.tenantId, id, group.displayName, foldText(group.displayName), raw.externalId, JSON.stringify(raw), now, now);
      for (let start = 0; start < group.memberIds.length; start += 50_000) {
        insertMembers(id, group.memberIds, start, Math.min(group.memberIds.length, start + 50_000));
      }
    }
  });
  checkpoint(db);
  return { ids, rows, seconds: (performance.now() - started) / 1000 };
}

/** Row counts, for the report (proves the data is there). */
export function countRows(file: string, table: 'users' | 'groups' | 'group_members', tenantId: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare<[string], { total: number }>(`select count(*) as total from ${table} where tenant_id = ?`).get(tenantId)?.total ?? 0);
  } finally {
    db.close();
  }
}

export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}
