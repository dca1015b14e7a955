/**
 * P1 (issue 17): the hub on PostgreSQL against the hub on SQLite (FULL) in the same run: POST /Users and
 * a one-member group PATCH (an empty group, a 2,000-member and a 50,000-member one, a fresh group per run), with round trips per
 * request (every query node-postgres sends, BEGIN and COMMIT included), the hub's CPU per request and
 * the PostgreSQL backends' CPU per request; and POST on PostgreSQL with one process vs two workers sharing
 * the port (node:cluster, as WEB_CONCURRENCY=2; CPU counted over both, RSS of the primary only).
 * The data is written into a SQLite file (bench/lib/seed.ts) and copied table by table into the scratch
 * PostgreSQL database, so both hold the same rows.
 */
import path from 'node:path';
import { check, failures, find, measureCases, ratios, type BenchmarkResult, type CaseSummary, type Check, type Context, type HttpCase, type Seeding } from '../lib/harness';
import { analyzeDatabase, copySqliteRows, createMigratedPostgresDatabase, type ScratchPostgresDatabase } from '../lib/postgres';
import { createDatabase, PATCH_SCHEMA, seedGroups, seedUsers, userBody, type TenantSeed } from '../lib/seed';
import { ServerHandle, type ServerOptions } from '../lib/servers';
import { show } from '../lib/stats';

const SCIM = '/scim/v2';

interface Target {
  readonly key: 'sqlite' | 'pg';
  readonly name: string;
  readonly tenant: TenantSeed;
  readonly server: ServerHandle;
  readonly postgres?: ScratchPostgresDatabase;
}

interface GroupSize {
  readonly label: string;
  readonly members: number;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function pct(value: number): string {
  return `${show(value * 100, 0)}%`;
}

function versus(subject: CaseSummary, reference: CaseSummary): string {
  return `${pct(subject.rps.median / reference.rps.median)} (${show(subject.rps.median, 0)} / ${show(reference.rps.median, 0)} rps; by hub CPU per request ${pct(reference.cpuUsPerRequest.median / subject.cpuUsPerRequest.median)})`;
}

function postUsers(target: Target, prefix: string): HttpCase['spec'] {
  let next = 0;
  return {
    method: 'POST',
    path: `${SCIM}/Users`,
    headers: bearer(target.tenant.scimToken),
    body: () => {
      next += 1;
      const userName = `${prefix}${next}@acme.example.com`;
      return JSON.stringify(userBody(userName, `ext-${prefix}-${next}`, next));
    },
  };
}

export async function runPostgres(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const smoke = context.mode.smoke;
  const poolSize = smoke ? 200 : 4000;
  const groupSizes = smoke ? [100, 500] : [2000, 50_000];
  const runs = context.mode.runs;
  const seeding: Seeding[] = [];
  const notes: string[] = [];
  const file = path.join(context.workDir, 'p1.sqlite');
  const [tenant] = await createDatabase(file, ['acme']);
  // Users to add (the pool, never a member) and the big groups' members; per run (and the warmup) an empty
  // group and one group of each size, so every run adds to a group nobody has added to yet.
  const biggest = Math.max(...groupSizes);
  const users = seedUsers(file, tenant, poolSize + biggest, { keepIds: true });
  const pool = users.ids.slice(0, poolSize);
  const members = users.ids.slice(poolSize);
  const sizes: GroupSize[] = [{ label: 'empty group', members: 0 }, ...groupSizes.map((count) => ({ label: `${count}-member group`, members: count }))];
  const groupSeeds = Array.from({ length: runs + 1 }, (_, run) => sizes.map((size) => ({ displayName: `${size.members}-${run}`, memberIds: members.slice(0, size.members) }))).flat();
  const groups = seedGroups(file, tenant, groupSeeds);
  seeding.push({ what: `${poolSize + biggest} users, ${groupSeeds.length} groups of ${sizes.map((size) => size.members).join(' / ')} members (written into SQLite)`, rows: users.rows + groups.rows, seconds: users.seconds + groups.seconds });
  const postgres = await createMigratedPostgresDatabase('bench_p1');
  const servers: ServerHandle[] = [];
  const start = async (label: string, options: ServerOptions) => {
    const server = await ServerHandle.start(label, options);
    servers.push(server);
    return server;
  };
  try {
    const copyStarted = performance.now();
    const copied = await copySqliteRows(file, postgres.url);
    // Measuring starts right after the copy: the plans should see the rows, not an empty database's estimates.
    await analyzeDatabase(postgres.url);
    seeding.push({ what: 'the same rows copied into PostgreSQL and analysed', rows: copied, seconds: (performance.now() - copyStarted) / 1000 });
    const targets: Target[] = [
      { key: 'sqlite', name: 'SQLite FULL', tenant, server: await start('hub SQLite', { kind: 'hub', sqliteFile: file, synchronous: 'FULL' }) },
      { key: 'pg', name: 'PostgreSQL', tenant, postgres, server: await start('hub PostgreSQL', { kind: 'hub', env: { DATABASE_URL: postgres.url } }) },
    ];

    const twoWorkers = await start('hub PostgreSQL x2', { kind: 'hub', workers: 2, env: { DATABASE_URL: postgres.url } });
    const cases: HttpCase[] = [];
    cases.push({
      label: 'PostgreSQL x2 POST /Users',
      role: 'diagnostic',
      description: 'the same POST against two worker processes sharing the port (WEB_CONCURRENCY=2)',
      server: twoWorkers,
      spec: postUsers({ ...targets[1], server: twoWorkers }, 'px'),
      databaseCpuSeconds: () => postgres.backendCpuSeconds(),
    });
    for (const target of targets) {
      const role = target.key === 'pg' ? 'subject' : 'reference';
      const databaseCpuSeconds = target.postgres ? () => target.postgres?.backendCpuSeconds() ?? Promise.resolve(0) : undefined;
      cases.push({ label: `${target.name} POST /Users`, role, description: 'create a user (unique userName) with one email', server: target.server, spec: postUsers(target, `p${target.key}`), ...(databaseCpuSeconds ? { databaseCpuSeconds } : {}) });
      for (const size of sizes) {
        let groupId = '';
        let next = 0;
        cases.push({
          label: `${target.name} PATCH ${size.label}`,
          role,
          description: `PATCH add of one user to a${size.members === 0 ? 'n' : ''} ${size.label} (a fresh group per run)`,
          server: target.server,
          beforeRun: (run) => {
            groupId = groups.ids.get(`${size.members}-${run + 1}`) ?? '';
            next = 0;
          },
          limits: { maxRequests: pool.length - 20 },
          spec: {
            method: 'PATCH',
            path: () => `${SCIM}/Groups/${groupId}`,
            headers: bearer(target.tenant.scimToken),
            body: () => JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: pool[next++ % pool.length] }] }] }),
          },
          ...(databaseCpuSeconds ? { databaseCpuSeconds } : {}),
        });
      }
    }
    const summaries = await measureCases(context, cases);
    const post = { sqlite: find(summaries, 'SQLite FULL POST /Users'), pg: find(summaries, 'PostgreSQL POST /Users') };
    const checks: Check[] = [
      check('P1', 'POST /Users on PostgreSQL vs on SQLite FULL', '>= 100%', versus(post.pg, post.sqlite), post.pg.rps.median >= post.sqlite.rps.median && failures(post.pg) === 0),
      check('P1', 'hub CPU per POST /Users on PostgreSQL', '<= 2 ms', `${show(post.pg.cpuUsPerRequest.median / 1000)} ms (SQLite ${show(post.sqlite.cpuUsPerRequest.median / 1000)} ms)`, post.pg.cpuUsPerRequest.median <= 2000),
      check('P1', 'round trips per POST /Users on PostgreSQL (BEGIN/COMMIT included)', '<= 3', show(post.pg.statementsPerRequest ?? Number.NaN), (post.pg.statementsPerRequest ?? 99) <= 3),
    ];
    for (const { label, members: count } of sizes) {
      const sqlite = find(summaries, `SQLite FULL PATCH ${label}`);
      const pg = find(summaries, `PostgreSQL PATCH ${label}`);
      const size = `${count === 0 ? 'an' : 'a'} ${label}`;
      checks.push(
        check('P1', `one-member PATCH at ${size} on PostgreSQL vs on SQLite FULL`, '>= 100%', versus(pg, sqlite), pg.rps.median >= sqlite.rps.median && failures(pg) === 0),
        check('P1', `round trips per one-member PATCH at ${size} on PostgreSQL`, '<= 3', show(pg.statementsPerRequest ?? Number.NaN), (pg.statementsPerRequest ?? 99) <= 3),
      );
    }
    const two = find(summaries, 'PostgreSQL x2 POST /Users');
    checks.push(
      check('P1', 'POST /Users on PostgreSQL, two worker processes vs one (info)', 'reported', `${pct(two.rps.median / post.pg.rps.median)} (${show(two.rps.median, 0)} / ${show(post.pg.rps.median, 0)} rps; hub CPU ${show(two.cpuUsPerRequest.median, 0)} vs ${show(post.pg.cpuUsPerRequest.median, 0)} µs/req)`, failures(two) === 0),
    );
    for (const summary of summaries) {
      if (summary.databaseCpuUsPerRequest) notes.push(`${summary.label}: hub CPU ${show(summary.cpuUsPerRequest.median, 0)} µs/req + PostgreSQL backends ${show(summary.databaseCpuUsPerRequest.median, 0)} µs/req.`);
    }
    return { cases: summaries, ratios: ratios(summaries), checks, seeding, notes };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await postgres.drop();
  }
}
