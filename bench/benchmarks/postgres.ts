/**
 * P1 (issue 17): the hub on PostgreSQL against the hub on SQLite (FULL) in the same run: POST /Users and
 * a one-member group PATCH (an empty group and a big one, a fresh group per run), with round trips per
 * request (every query node-postgres sends, BEGIN and COMMIT included), the hub's CPU per request and
 * the PostgreSQL backends' CPU per request; and POST on PostgreSQL with one process vs two workers sharing
 * the port (node:cluster, as WEB_CONCURRENCY=2; CPU counted over both, RSS of the primary only).
 * Data is made through the hub's own SCIM API, so both databases hold the same rows.
 */
import path from 'node:path';
import { check, failures, find, measureCases, ratios, type BenchmarkResult, type CaseSummary, type Check, type Context, type HttpCase, type Seeding } from '../lib/harness';
import { requestRetrying } from '../lib/load';
import { createPostgresDatabase, type ScratchPostgres } from '../lib/postgres';
import { createDatabase, GROUP_SCHEMA, PATCH_SCHEMA, userBody, type TenantSeed } from '../lib/seed';
import { ServerHandle, type ServerOptions } from '../lib/servers';
import { show } from '../lib/stats';

const SCIM = '/scim/v2';
const SEED_CONCURRENCY = 10;

interface Target {
  readonly key: 'sqlite' | 'pg';
  readonly name: string;
  readonly tenant: TenantSeed;
  readonly server: ServerHandle;
  readonly postgres?: ScratchPostgres;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Sends `count` requests, SEED_CONCURRENCY at a time; returns the ids of the created resources, in order. */
async function sendAll(target: Target, count: number, build: (index: number) => { method: string; path: string; body: unknown }): Promise<string[]> {
  const ids = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const { method, path: requestPath, body } = build(index);
      const response = await requestRetrying(target.server.url, method, requestPath, bearer(target.tenant.scimToken), JSON.stringify(body));
      if (response.status >= 300) throw new Error(`${target.name}: seeding ${method} ${requestPath} answered ${response.status}: ${response.body.slice(0, 300)}`);
      if (response.body) ids[index] = (JSON.parse(response.body) as { id: string }).id;
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return ids;
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
  const bigGroup = smoke ? 100 : 2000;
  const runs = context.mode.runs;
  const seeding: Seeding[] = [];
  const notes: string[] = [];
  const file = path.join(context.workDir, 'p1.sqlite');
  const [sqliteTenant] = await createDatabase(file, ['acme']);
  const postgres = await createPostgresDatabase('bench_p1', 'acme');
  const servers: ServerHandle[] = [];
  const start = async (label: string, options: ServerOptions) => {
    const server = await ServerHandle.start(label, options);
    servers.push(server);
    return server;
  };
  try {
    const targets: Target[] = [
      { key: 'sqlite', name: 'SQLite FULL', tenant: sqliteTenant, server: await start('hub SQLite', { kind: 'hub', sqliteFile: file, synchronous: 'FULL' }) },
      { key: 'pg', name: 'PostgreSQL', tenant: postgres.tenant, postgres, server: await start('hub PostgreSQL', { kind: 'hub', env: { DATABASE_URL: postgres.url } }) },
    ];
    // Users to add (pool) and big groups' members, then per run (and the warmup) an empty and a big group.
    const groups = new Map<string, string>();
    const pools = new Map<string, string[]>();
    for (const target of targets) {
      const started = performance.now();
      const userIds = await sendAll(target, poolSize + bigGroup, (index) => ({ method: 'POST', path: `${SCIM}/Users`, body: userBody(`seed${index}@acme.example.com`, `ext-seed-${index}`, index) }));
      const members = userIds.slice(0, bigGroup);
      pools.set(target.key, userIds.slice(bigGroup));
      const names = Array.from({ length: runs + 1 }, (_, run) => [`empty-${run}`, `big-${run}`]).flat();
      const groupIds = await sendAll(target, names.length, (index) => ({ method: 'POST', path: `${SCIM}/Groups`, body: { schemas: [GROUP_SCHEMA], displayName: names[index] } }));
      names.forEach((name, index) => groups.set(`${target.key}/${name}`, groupIds[index]));
      const chunks: { group: string; members: string[] }[] = [];
      for (const name of names.filter((item) => item.startsWith('big-'))) {
        for (let offset = 0; offset < members.length; offset += 100) chunks.push({ group: groups.get(`${target.key}/${name}`) ?? '', members: members.slice(offset, offset + 100) });
      }
      await sendAll(target, chunks.length, (index) => ({
        method: 'PATCH',
        path: `${SCIM}/Groups/${chunks[index].group}`,
        body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: chunks[index].members.map((value) => ({ value })) }] },
      }));
      seeding.push({ what: `${target.name}: ${poolSize + bigGroup} users, ${names.length} groups, ${chunks.length * 100} memberships over HTTP`, rows: poolSize + bigGroup + names.length + chunks.length * 100, seconds: (performance.now() - started) / 1000 });
    }

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
      for (const size of ['empty', 'big'] as const) {
        const pool = pools.get(target.key) ?? [];
        let groupId = '';
        let next = 0;
        cases.push({
          label: `${target.name} PATCH ${size === 'empty' ? 'empty group' : `${bigGroup}-member group`}`,
          role,
          description: `PATCH add of one user to a${size === 'empty' ? 'n empty' : ` ${bigGroup}-member`} group (a fresh group per run)`,
          server: target.server,
          beforeRun: (run) => {
            groupId = groups.get(`${target.key}/${size}-${run + 1}`) ?? '';
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
    for (const size of ['empty group', `${bigGroup}-member group`]) {
      const sqlite = find(summaries, `SQLite FULL PATCH ${size}`);
      const pg = find(summaries, `PostgreSQL PATCH ${size}`);
      checks.push(
        check('P1', `one-member PATCH at an ${size} on PostgreSQL vs on SQLite FULL`, '>= 100%', versus(pg, sqlite), pg.rps.median >= sqlite.rps.median && failures(pg) === 0),
        check('P1', `round trips per one-member PATCH at an ${size} on PostgreSQL`, '<= 3', show(pg.statementsPerRequest ?? Number.NaN), (pg.statementsPerRequest ?? 99) <= 3),
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
