/**
 * O1, run in its own child process: the repositories' hot paths called in-process (through the app's
 * Database, as the services call them) against raw better-sqlite3 prepared statements
 * doing the same work on the same file, alternated, N runs. Receives its job over IPC, answers once.
 */
import 'reflect-metadata';
import BetterSqlite3 from 'better-sqlite3';
import { SQLITE_BUDGET_FUNCTION } from '../../src/persistence/read-budget';
import { openOrm } from '../../src/persistence/orm';
import { Database } from '../../src/persistence/database';
import { UserRepository } from '../../src/persistence/repositories/user.repository';
import { GroupRepository } from '../../src/persistence/repositories/group.repository';
import { parseFilter } from '../../src/domain/filter/filter-parser';
import { resolveFilter } from '../../src/scim/protocol/resolve-filter';
import { createDefaultSchemaRegistry } from '../../src/scim/protocol/schema-definitions';
import { foldText } from '../../src/domain/text';
import { percentile, median, min } from '../lib/stats';
import { installSqlCounter } from '../servers/sql-counter';

// Installed before MikroORM opens its connection: counts (and on demand records) the statements it runs.
const counter = installSqlCounter();

export interface O1Job {
  file: string;
  tenantId: string;
  slug: string;
  /** Ids and indexes of existing users to look up. */
  userIds: string[];
  userIndexes: number[];
  groupId: string;
  /** Users not in the group: added then removed again. */
  poolIds: string[];
  /** Members of the group, for keyset page starts. */
  memberIds: string[];
  runs: number;
  seconds: number;
  warmupSeconds: number;
  maxOps: number;
  synchronous: 'FULL' | 'NORMAL';
  /** Only the ops whose name starts with this. */
  only?: string;
}

export interface O1Side {
  runs: { ops: number; opsPerSecond: number; p50: number; p99: number }[];
  opsPerSecond: { min: number; median: number };
  p50: { min: number; median: number };
  p99: { min: number; median: number };
}

export interface O1OpResult {
  name: string;
  description: string;
  /** Statements one repository call runs, and SQLite's plan for each SELECT among them. */
  statements: number;
  plans: { sql: string; plan: string }[];
  repository: O1Side;
  raw: O1Side;
  ratio: number;
}

type Op = () => unknown;

async function loop(op: Op, seconds: number, maxOps: number): Promise<{ ops: number; opsPerSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  for (let index = 0; index < maxOps && now < deadline; index += 1) {
    const before = now;
    const result = op();
    if (result instanceof Promise) await result;
    now = performance.now();
    latencies.push(now - before);
  }
  const elapsed = (now - started) / 1000;
  return { ops: latencies.length, opsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function side(runs: O1Side['runs']): O1Side {
  const of = (key: 'opsPerSecond' | 'p50' | 'p99') => runs.map((run) => run[key]);
  return {
    runs,
    opsPerSecond: { min: min(of('opsPerSecond')), median: median(of('opsPerSecond')) },
    p50: { min: min(of('p50')), median: median(of('p50')) },
    p99: { min: min(of('p99')), median: median(of('p99')) },
  };
}

function cycle<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => {
    const item = items[next % items.length];
    next += 1;
    return item;
  };
}

interface RawUser {
  tenant_id: string;
  id: string;
  user_name: string;
  active: number;
  raw: string;
  version: number;
  created_at: number;
  updated_at: number;
}

/** What the repository hands back for a user row, built the plain way. */
function toUser(row: RawUser) {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userName: row.user_name,
    active: row.active === 1,
    raw: JSON.parse(row.raw) as Record<string, unknown>,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function run(job: O1Job): Promise<O1OpResult[]> {
  const orm = await openOrm({ kind: 'sqlite', path: job.file }, { sqliteSynchronous: job.synchronous });
  const database = new Database(orm);
  const users = new UserRepository();
  const groups = new GroupRepository();
  const registry = createDefaultSchemaRegistry();
  const raw = new BetterSqlite3(job.file);
  // Filters call the hub's per-row read-budget function; EXPLAIN on this connection needs it to exist.
  (raw as unknown as { function(name: string, options: { deterministic: boolean }, implementation: () => number): void }).function(SQLITE_BUDGET_FUNCTION, { deterministic: false }, () => 1);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${job.synchronous}`);
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');

  const userColumns = 'tenant_id, id, user_name, active, raw, version, created_at, updated_at';
  const byId = raw.prepare<[string, string], RawUser>(`select ${userColumns} from users where tenant_id = ? and id = ?`);
  const byName = raw.prepare<[string, string], RawUser>(`select ${userColumns} from users where tenant_id = ? and user_name_norm = ?`);
  // The floor: the (tenant_id, external_id) index, matches sorted in JS (there are one or a few).
  const byExternalId = raw.prepare<[string, string], RawUser>(`select ${userColumns} from users where tenant_id = ? and external_id = ?`);
  const groupById = raw.prepare<[string, string], { raw: string }>('select tenant_id, id, display_name, raw, version, created_at, updated_at from groups where tenant_id = ? and id = ?');
  const insertMember = raw.prepare(
    `insert into group_members (tenant_id, group_id, member_id, member_type, display, created_at) values (?, ?, ?, 'User', null, ?) on conflict (tenant_id, group_id, member_id) do nothing`,
  );
  const deleteMember = raw.prepare('delete from group_members where tenant_id = ? and group_id = ? and member_id = ?');
  const addRaw = raw.transaction((member: string) => insertMember.run(job.tenantId, job.groupId, member, Date.now())).immediate;
  const removeRaw = raw.transaction((member: string) => deleteMember.run(job.tenantId, job.groupId, member)).immediate;
  const memberPage = raw.prepare<[string, string, string], { member_id: string; member_type: string; display: string | null }>(
    'select member_id, member_type, display from group_members where tenant_id = ? and group_id = ? and member_id > ? order by member_id limit 100',
  );
  const userCount = raw.prepare<[string], { total: number }>("select sum(total) as total from tenant_resource_counts where tenant_id = ? and resource_type = 'users'");
  const userPage = raw.prepare<[string], RawUser>(`select ${userColumns} from users where tenant_id = ? order by created_at, id limit 100`);

  const nextId = cycle(job.userIds);
  const nextName = cycle(job.userIndexes.map((index) => `user${index}@${job.slug}.example.com`));
  const nextExternal = cycle(job.userIndexes.map((index) => `ext-${job.slug}-${index}`));
  const nameFilter = (name: string) => resolveFilter(registry, 'User', parseFilter(`userName eq "${name}"`));
  const externalFilter = (value: string) => resolveFilter(registry, 'User', parseFilter(`externalId eq "${value}"`));
  const nextAfter = cycle(job.memberIds);
  const page = { offset: 0, limit: 100 };

  // Add, then remove, alternately: the group keeps its size.
  function memberToggle(add: (member: string) => unknown, remove: (member: string) => unknown): Op {
    const nextMember = cycle(job.poolIds);
    let pending: string | undefined;
    return () => {
      if (pending === undefined) {
        pending = nextMember();
        return add(pending);
      }
      const member = pending;
      pending = undefined;
      return remove(member);
    };
  }

  const ops: { name: string; description: string; repository: Op; raw: Op }[] = [
    {
      name: 'user by id',
      description: 'UserRepository.findById vs SELECT by (tenant_id, id) + JSON.parse',
      repository: () => database.read((tx) => users.findById(tx, job.tenantId, nextId())),
      raw: () => toUser(byId.get(job.tenantId, nextId()) as RawUser),
    },
    {
      name: 'user by userName',
      description: 'UserRepository.list(userName eq) (count + page) vs SELECT by (tenant_id, user_name_norm)',
      repository: () => database.read((tx) => users.list(tx, job.tenantId, nameFilter(nextName()), undefined, page)),
      raw: () => {
        const row = byName.get(job.tenantId, foldText(nextName()));
        return row ? [toUser(row)] : [];
      },
    },
    {
      name: 'user by externalId',
      description: 'UserRepository.list(externalId eq) vs SELECT by (tenant_id, external_id)',
      repository: () => database.read((tx) => users.list(tx, job.tenantId, externalFilter(nextExternal()), undefined, page)),
      raw: () => byExternalId.all(job.tenantId, nextExternal()).map(toUser).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
    },
    {
      name: 'group by id',
      description: 'GroupRepository.findById vs SELECT by (tenant_id, id) + JSON.parse',
      repository: () => database.read((tx) => groups.findById(tx, job.tenantId, job.groupId)),
      raw: () => JSON.parse((groupById.get(job.tenantId, job.groupId) as { raw: string }).raw) as unknown,
    },
    {
      name: `add/remove member (${job.synchronous})`,
      description: 'GroupRepository.addMembers / removeMembers of one member in a transaction vs the same INSERT / DELETE in a better-sqlite3 transaction',
      repository: memberToggle(
        (member) => database.transaction(async (tx) => groups.addMembers(tx, job.tenantId, job.groupId, [{ value: member, type: 'User', display: null }], Date.now())),
        (member) => database.transaction(async (tx) => groups.removeMembers(tx, job.tenantId, job.groupId, [member])),
      ),
      raw: memberToggle(addRaw, removeRaw),
    },
    {
      name: 'member page by key',
      description: 'GroupRepository.listMembers(after, 100) vs SELECT ... member_id > ? ORDER BY member_id LIMIT 100',
      repository: () => database.read((tx) => groups.listMembers(tx, job.tenantId, job.groupId, nextAfter(), 100)),
      raw: () => memberPage.all(job.tenantId, job.groupId, nextAfter()),
    },
    {
      name: 'users first page',
      description: 'UserRepository.list (tenant counter + first 100 by created_at, id) vs the same two SELECTs',
      repository: () => database.read((tx) => users.list(tx, job.tenantId, undefined, undefined, page)),
      raw: () => ({ total: userCount.get(job.tenantId)?.total, items: userPage.all(job.tenantId).map(toUser) }),
    },
  ];

  const results: O1OpResult[] = [];
  const explain = (sql: string, args: unknown[]): string => {
    try {
      return raw
        .prepare<unknown[], { detail: string }>(`explain query plan ${sql}`)
        .all(...args)
        .map((row) => row.detail)
        .join('; ');
    } catch (error) {
      return `(not explained: ${(error as Error).message})`;
    }
  };
  for (const op of ops.filter((candidate) => job.only === undefined || candidate.name.startsWith(job.only))) {
    // One call with the statements recorded: how many, and how SQLite plans each SELECT.
    counter.reset(true);
    await op.repository();
    const statements = counter.statements;
    const plans = counter.recent.filter(({ sql }) => /^\s*select/i.test(sql)).map(({ sql, args }) => ({ sql: sql.slice(0, 400), plan: explain(sql, args) }));
    counter.reset(false);
    // The timed loops are sequential (one op at a time), bounded by maxOps and seconds.
    await loop(op.raw, job.warmupSeconds, job.maxOps);
    await loop(op.repository, job.warmupSeconds, job.maxOps);
    const repositoryRuns: O1Side['runs'] = [];
    const rawRuns: O1Side['runs'] = [];
    for (let index = 0; index < job.runs; index += 1) {
      if (index % 2 === 0) {
        rawRuns.push(await loop(op.raw, job.seconds, job.maxOps));
        repositoryRuns.push(await loop(op.repository, job.seconds, job.maxOps));
      } else {
        repositoryRuns.push(await loop(op.repository, job.seconds, job.maxOps));
        rawRuns.push(await loop(op.raw, job.seconds, job.maxOps));
      }
    }
    const repository = side(repositoryRuns);
    const rawSide = side(rawRuns);
    results.push({ name: op.name, description: op.description, statements, plans, repository, raw: rawSide, ratio: repository.opsPerSecond.median / rawSide.opsPerSecond.median });
    process.send?.({ type: 'progress', message: `  ${op.name.padEnd(28)} repository ${repository.opsPerSecond.median.toFixed(0).padStart(7)} ops/s  raw ${rawSide.opsPerSecond.median.toFixed(0).padStart(7)} ops/s  ratio ${(100 * repository.opsPerSecond.median / rawSide.opsPerSecond.median).toFixed(0)}%` });
  }
  raw.close();
  await orm.close(true);
  return results;
}

process.once('message', (job: O1Job) => {
  run(job).then(
    (results) => {
      process.send?.({ type: 'result', results }, () => process.exit(0));
    },
    (error: unknown) => {
      process.send?.({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1));
    },
  );
});
process.on('disconnect', () => process.exit(0));
