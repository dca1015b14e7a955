/**
 * SCIM benchmarks S1-S7 (issue 6): the hub (createApp in a child process) against its references in
 * the same run: raw node:http hello, express hello, and node:http + raw better-sqlite3 prepared
 * statements on the same SQLite file (bench/servers/raw-sqlite.ts).
 */
import path from 'node:path';
import { check, failures, find, measureCases, ratios, summarise, type BenchmarkResult, type CaseRun, type CaseSummary, type Check, type Context, type HttpCase, type Seeding } from '../lib/harness';
import { request, runSequential, type SequentialKindResult } from '../lib/load';
import { createDatabase, PATCH_SCHEMA, userBody, userNameOf } from '../lib/seed';
import { sampleRss, ServerHandle, type ServerOptions } from '../lib/servers';
import { round, show } from '../lib/stats';
import { groupsDataset, s5GroupName, sizesFor, usersDataset, type Sizes } from './datasets';

const SCIM = '/scim/v2';
const MB = 1024 * 1024;

export interface ScimBenchmark {
  readonly name: string;
  readonly title: string;
  run(context: Context, sizes: Partial<Sizes>): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>>;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The hello references hold no state: one of each serves every benchmark of the run (stopped with the run). */
const sharedHellos = new Map<string, Promise<ServerHandle>>();

function startServer(label: string, options: ServerOptions): Promise<ServerHandle> {
  if (options.kind !== 'node-hello' && options.kind !== 'express-hello') return ServerHandle.start(label, options);
  let shared = sharedHellos.get(options.kind);
  if (!shared) {
    shared = ServerHandle.start(options.kind, options);
    sharedHellos.set(options.kind, shared);
    shared.catch(() => sharedHellos.delete(options.kind));
  }
  return shared;
}

/** Starts servers (in parallel), runs `work`, and always stops them (but the shared hello servers). */
async function withServers<T>(specs: Record<string, ServerOptions>, work: (servers: Record<string, ServerHandle>) => Promise<T>): Promise<T> {
  const entries = Object.entries(specs);
  const started = await Promise.allSettled(entries.map(([label, options]) => startServer(label, options)));
  const servers: Record<string, ServerHandle> = {};
  started.forEach((result, index) => {
    if (result.status === 'fulfilled') servers[entries[index][0]] = result.value;
  });
  try {
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return await work(servers);
  } finally {
    await Promise.all(Object.values(servers).filter((server) => server.kind !== 'node-hello' && server.kind !== 'express-hello').map((server) => server.stop()));
  }
}

function lookupPath(slug: string, users: number): () => string {
  let next = 0;
  return () => {
    // A spread of users (a multiplicative walk), not the same row every time.
    next = (next + 7919) % users;
    return `${SCIM}/Users?filter=${encodeURIComponent(`userName eq "${userNameOf(slug, next)}"`)}`;
  };
}

function ms(value: number): string {
  return `${show(value)} ms`;
}

function pct(value: number): string {
  return `${show(value * 100, 0)}%`;
}

/** "35% (by CPU per request 31%)": the rps ratio, and the same ratio from server CPU time per request. */
function versus(subject: CaseSummary, reference: CaseSummary): string {
  return `${pct(subject.rps.median / reference.rps.median)} (${show(subject.rps.median, 0)} / ${show(reference.rps.median, 0)} rps; by CPU per request ${pct(reference.cpuUsPerRequest.median / subject.cpuUsPerRequest.median)})`;
}

// --- S1 -------------------------------------------------------------------------------------------

const s1: ScimBenchmark = {
  name: 's1',
  title: 'S1 POST /Users (+ FULL vs NORMAL)',
  async run(context) {
    const file = path.join(context.workDir, 's1.sqlite');
    const started = performance.now();
    const [tenant] = await createDatabase(file, ['acme']);
    const seeding: Seeding[] = [{ what: 'migrate + tenant', rows: 1, seconds: (performance.now() - started) / 1000 }];
    return withServers(
      {
        'node-hello': { kind: 'node-hello' },
        'express-hello': { kind: 'express-hello' },
        'raw-sqlite FULL': { kind: 'raw-sqlite', sqliteFile: file, synchronous: 'FULL' },
        'raw-sqlite NORMAL': { kind: 'raw-sqlite', sqliteFile: file, synchronous: 'NORMAL' },
        'hub FULL': { kind: 'hub', sqliteFile: file, synchronous: 'FULL' },
        'hub NORMAL': { kind: 'hub', sqliteFile: file, synchronous: 'NORMAL' },
      },
      async (servers) => {
        const post = (label: string): HttpCase['spec'] => {
          let next = 0;
          const prefix = label.replace(/[^a-z]/gi, '').toLowerCase();
          return {
            method: 'POST',
            path: `${SCIM}/Users`,
            headers: bearer(tenant.scimToken),
            body: () => {
              next += 1;
              const userName = `${prefix}${next}@acme.example.com`;
              return JSON.stringify(userBody(userName, `ext-${prefix}-${next}`, next));
            },
          };
        };
        const cases: HttpCase[] = Object.entries(servers).map(([label, server]) => ({
          label,
          role: label.startsWith('hub') ? 'subject' : 'reference',
          description: label.includes('hello') ? 'hello JSON (the request body is not read)' : 'create a user (unique userName) with one email',
          server,
          spec: post(label),
        }));
        const summaries = await measureCases(context, cases);
        const hub = find(summaries, 'hub FULL');
        const normal = find(summaries, 'hub NORMAL');
        const express = find(summaries, 'express-hello');
        const rawFull = find(summaries, 'raw-sqlite FULL');
        const checks: Check[] = [
          check('S1', 'POST /Users rps vs express-hello (FULL, default)', '>= 40%', versus(hub, express), hub.rps.median / express.rps.median >= 0.4),
          check('S1', 'POST /Users p99 (FULL, default)', '<= 25 ms', ms(hub.p99.median), hub.p99.median <= 25 && failures(hub) === 0),
          check('S1', 'POST /Users rps vs express-hello with SQLITE_SYNCHRONOUS=NORMAL (info)', '>= 40%', versus(normal, express), normal.rps.median / express.rps.median >= 0.4),
          check('S1', 'POST /Users p99 with NORMAL (info)', '<= 25 ms', ms(normal.p99.median), normal.p99.median <= 25 && failures(normal) === 0),
          check('O1', 'SQL statements per POST /Users', '<= 3', show(hub.statementsPerRequest ?? Number.NaN), (hub.statementsPerRequest ?? 99) <= 3),
        ];
        return {
          cases: summaries,
          ratios: ratios(summaries),
          checks,
          seeding,
          notes: [
            `FULL vs NORMAL (hub): ${show(hub.rps.median, 0)} vs ${show(normal.rps.median, 0)} rps (x${show(normal.rps.median / hub.rps.median)}), p99 ${ms(hub.p99.median)} vs ${ms(normal.p99.median)}.`,
            `FULL vs NORMAL (raw better-sqlite3): ${show(rawFull.rps.median, 0)} vs ${show(find(summaries, 'raw-sqlite NORMAL').rps.median, 0)} rps: the fsync per commit under FULL is the floor any implementation pays.`,
          ],
        };
      },
    );
  },
};

// --- S2 -------------------------------------------------------------------------------------------

const s2: ScimBenchmark = {
  name: 's2',
  title: 'S2 GET /Users?filter=userName eq "x"',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const data = await usersDataset(context, sizes.s2Users);
    return withServers(
      {
        'node-hello': { kind: 'node-hello' },
        'express-hello': { kind: 'express-hello' },
        'raw-sqlite': { kind: 'raw-sqlite', sqliteFile: data.file },
        hub: { kind: 'hub', sqliteFile: data.file },
      },
      async (servers) => {
        const cases: HttpCase[] = Object.entries(servers).map(([label, server]) => ({
          label,
          role: label === 'hub' ? 'subject' : 'reference',
          description: label.includes('hello') ? 'hello JSON' : `userName eq lookup in a ${data.users}-user tenant`,
          server,
          spec: { method: 'GET', path: lookupPath('acme', data.users), headers: bearer(data.tenant.scimToken) },
        }));
        // Where the hub's time goes: its HTTP stack with no SQL at all, then with authentication only (full runs).
        if (!context.mode.smoke) cases.push(
          { label: 'hub GET /healthz', role: 'diagnostic', description: 'express + request context + passport.initialize, no SQL', server: servers.hub, spec: { method: 'GET', path: '/healthz' } },
          {
            label: 'hub ServiceProviderConfig',
            role: 'diagnostic',
            description: 'the SCIM router and handler, no token, no SQL',
            server: servers.hub,
            spec: { method: 'GET', path: `${SCIM}/ServiceProviderConfig` },
          },
          {
            label: 'hub ServiceProviderConfig + token',
            role: 'diagnostic',
            description: 'the same with the bearer token checked (2 SQL statements)',
            server: servers.hub,
            spec: { method: 'GET', path: `${SCIM}/ServiceProviderConfig`, headers: bearer(data.tenant.scimToken) },
          },
        );
        const summaries = await measureCases(context, cases);
        const hub = find(summaries, 'hub');
        const express = find(summaries, 'express-hello');
        return {
          cases: summaries,
          ratios: ratios(summaries),
          checks: [
            check('S2', `userName eq lookup rps vs express-hello (${data.users} users)`, '>= 70%', versus(hub, express), hub.rps.median / express.rps.median >= 0.7),
            check('S2', 'userName eq lookup p99', '<= 10 ms', ms(hub.p99.median), hub.p99.median <= 10 && failures(hub) === 0),
            check('O1', 'SQL statements per userName eq lookup', '<= 3', show(hub.statementsPerRequest ?? Number.NaN), (hub.statementsPerRequest ?? 99) <= 3),
          ],
          seeding: data.seeding,
          notes: [],
        };
      },
    );
  },
};

// --- S3 -------------------------------------------------------------------------------------------

const s3: ScimBenchmark = {
  name: 's3',
  title: 'S3 userName eq lookup: small vs large tenant',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const small = await usersDataset(context, sizes.s3Small);
    const large = await usersDataset(context, sizes.s3Large);
    const smallLabel = `hub ${small.users} users`;
    const largeLabel = `hub ${large.users} users`;
    return withServers(
      {
        [`raw-sqlite ${small.users} users`]: { kind: 'raw-sqlite', sqliteFile: small.file },
        [`raw-sqlite ${large.users} users`]: { kind: 'raw-sqlite', sqliteFile: large.file },
        [smallLabel]: { kind: 'hub', sqliteFile: small.file },
        [largeLabel]: { kind: 'hub', sqliteFile: large.file },
      },
      async (servers) => {
        const cases: HttpCase[] = Object.entries(servers).map(([label, server]) => {
          const data = label.endsWith(`${small.users} users`) ? small : large;
          return {
            label,
            role: label.startsWith('hub') ? 'subject' : 'reference',
            description: `userName eq lookup in a ${data.users}-user tenant (separate database file)`,
            server,
            spec: { method: 'GET', path: lookupPath('acme', data.users), headers: bearer(data.tenant.scimToken) },
          };
        });
        const summaries = await measureCases(context, cases);
        const hubSmall = find(summaries, smallLabel);
        const hubLarge = find(summaries, largeLabel);
        const factor = hubLarge.p50.median / hubSmall.p50.median;
        return {
          cases: summaries,
          ratios: ratios(summaries),
          checks: [
            check('S3', `lookup p50 at ${large.users} users / p50 at ${small.users} users`, '<= 1.25x', `${show(factor)}x (${ms(hubLarge.p50.median)} / ${ms(hubSmall.p50.median)})`, factor <= 1.25 && failures(hubLarge) === 0),
          ],
          seeding: [...small.seeding, ...large.seeding],
          notes: [`Large tenant: ${large.users} users, seeded with better-sqlite3 in ${show(large.seeding[1]?.seconds ?? Number.NaN, 1)} s (secondary indexes dropped and rebuilt from the migrations' DDL).`],
        };
      },
    );
  },
};

// --- S4 -------------------------------------------------------------------------------------------

const s4: ScimBenchmark = {
  name: 's4',
  title: 'S4 GET /Users?startIndex=k&count=100: first vs deep pages',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const data = await usersDataset(context, sizes.s4Users);
    const pages = { first: 1, middle: Math.floor(data.users / 2) + 1, deepest: data.users - 99 };
    return withServers({ 'raw-sqlite': { kind: 'raw-sqlite', sqliteFile: data.file }, hub: { kind: 'hub', sqliteFile: data.file } }, async (servers) => {
      const cases: HttpCase[] = [];
      for (const [page, startIndex] of Object.entries(pages)) {
        for (const [label, server] of Object.entries(servers)) {
          if (label === 'raw-sqlite' && page === 'middle') continue;
          cases.push({
            label: `${label} ${page} (startIndex=${startIndex})`,
            role: label === 'hub' ? 'subject' : 'reference',
            description: `${label === 'hub' ? '' : 'the tenant counter row + ORDER BY created_at, id LIMIT/OFFSET (no page anchors); '}page of 100 of ${data.users} users`,
            server,
            spec: { method: 'GET', path: `${SCIM}/Users?startIndex=${startIndex}&count=100`, headers: bearer(data.tenant.scimToken), timeoutSeconds: 30 },
          });
        }
      }
      const summaries = await measureCases(context, cases);
      const hubCases = summaries.filter((summary) => summary.role === 'subject');
      const first = hubCases.find((summary) => summary.label.includes('first'));
      const deepest = hubCases.find((summary) => summary.label.includes('deepest'));
      if (!first || !deepest) throw new Error('S4 cases missing');
      const worstP99 = Math.max(...hubCases.map((summary) => summary.p99.median));
      const deepFactor = deepest.p50.median / first.p50.median;
      return {
        cases: summaries,
        ratios: ratios(summaries),
        checks: [
          check('S4', `p99 of a 100-user page, any startIndex (${data.users} users)`, '<= 50 ms', `worst ${ms(worstP99)} (first ${ms(first.p99.median)}, deepest ${ms(deepest.p99.median)})`, worstP99 <= 50 && hubCases.every((summary) => failures(summary) === 0)),
          check('S4', 'deepest page p50 / first page p50', '<= 2x', `${show(deepFactor)}x`, deepFactor <= 2),
          check('O1', 'SQL statements per page request', '<= 3', show(first.statementsPerRequest ?? Number.NaN), (first.statementsPerRequest ?? 99) <= 3),
        ],
        seeding: data.seeding,
        notes: [],
      };
    });
  },
};

// --- S5 -------------------------------------------------------------------------------------------

function addOneMember(pool: readonly string[]): () => string {
  let next = 0;
  return () => {
    const member = pool[next % pool.length];
    next += 1;
    return JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }] });
  };
}

const s5: ScimBenchmark = {
  name: 's5',
  title: 'S5 single-member PATCH /Groups add: empty vs big group',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const data = await groupsDataset(context, sizes);
    // Users not in any seeded S5 group: each case adds each of them at most once per group.
    const pool = data.userIds.slice(sizes.s5Big);
    return withServers({ 'raw-sqlite': { kind: 'raw-sqlite', sqliteFile: data.file }, hub: { kind: 'hub', sqliteFile: data.file } }, async (servers) => {
      const cases: HttpCase[] = [];
      for (const size of ['empty', 'big'] as const) {
        for (const owner of ['raw', 'hub'] as const) {
          let groupId = '';
          cases.push({
            label: `${owner === 'hub' ? 'hub' : 'raw-sqlite'} ${size === 'empty' ? 'empty group' : `${sizes.s5Big}-member group`}`,
            role: owner === 'hub' ? 'subject' : 'reference',
            description: `PATCH add of one user to a${size === 'empty' ? 'n empty' : ` ${sizes.s5Big}-member`} group (a fresh group per run)`,
            server: owner === 'hub' ? servers.hub : servers['raw-sqlite'],
            beforeRun: (run) => {
              const id = data.groupIds.get(s5GroupName(owner, size, run));
              if (!id) throw new Error(`no group ${s5GroupName(owner, size, run)}`);
              groupId = id;
            },
            limits: { maxRequests: pool.length - 10 },
            spec: { method: 'PATCH', path: () => `${SCIM}/Groups/${groupId}`, headers: bearer(data.tenant.scimToken), body: addOneMember(pool) },
          });
        }
      }
      const summaries = await measureCases(context, cases);
      const empty = find(summaries, 'hub empty group');
      const big = find(summaries, `hub ${sizes.s5Big}-member group`);
      const factor = big.rps.median / empty.rps.median;
      return {
        cases: summaries,
        ratios: ratios(summaries),
        checks: [
          check('S5', `add rps at a ${sizes.s5Big}-member group / at an empty group`, '>= 90%', `${pct(factor)} (${show(big.rps.median, 0)} / ${show(empty.rps.median, 0)} rps)`, factor >= 0.9 && failures(big) + failures(empty) === 0),
          check('O1', 'SQL statements per single-member group PATCH', '<= 3', show(big.statementsPerRequest ?? Number.NaN), (big.statementsPerRequest ?? 99) <= 3),
        ],
        seeding: data.seeding,
        notes: [`Pool of ${pool.length} users to add; each measured run writes to its own fresh group, so "empty" starts at 0 members each run (it holds what the run added by its end).`],
      };
    });
  },
};

// --- S6 -------------------------------------------------------------------------------------------

function memberChunks(data: { userIds: readonly string[] }, sizes: Sizes, count: number): string[][] {
  const chunks: string[][] = [];
  for (let index = 0; index < count; index += 1) {
    const start = sizes.s6Big + index * sizes.s6Chunk;
    chunks.push(data.userIds.slice(start, start + sizes.s6Chunk) as string[]);
  }
  return chunks;
}

function chunkPatch(op: 'add' | 'remove', members: readonly string[]): string {
  // Entra's form for both: {"op":"Add"|"Remove","path":"members","value":[{"value":id}, ...]}.
  return JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: op === 'add' ? 'Add' : 'Remove', path: 'members', value: members.map((value) => ({ value })) }] });
}

const s6: ScimBenchmark = {
  name: 's6',
  title: 'S6 one PATCH adding / removing 1,000 members of a 50k-member group',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const data = await groupsDataset(context, sizes);
    const chunks = memberChunks(data, sizes, 10);
    const { mode } = context;
    return withServers({ 'raw-sqlite': { kind: 'raw-sqlite', sqliteFile: data.file }, hub: { kind: 'hub', sqliteFile: data.file } }, async (servers) => {
      const owners = [
        { label: 'hub', server: servers.hub, group: data.groupIds.get('s6-hub') ?? '' },
        { label: 'raw-sqlite', server: servers['raw-sqlite'], group: data.groupIds.get('s6-raw') ?? '' },
      ];
      // Requests alternate: add chunk c, remove chunk c, add chunk c+1, ... so the group stays at its size.
      const step = (group: string) => (index: number) => {
        const chunk = chunks[Math.floor(index / 2) % chunks.length];
        const op = index % 2 === 0 ? 'add' : 'remove';
        return { kind: op, method: 'PATCH', path: `${SCIM}/Groups/${group}`, body: chunkPatch(op, chunk), headers: bearer(data.tenant.scimToken) };
      };
      const limits = { seconds: mode.seconds, maxRequests: mode.smoke ? 20 : 400 };
      const perOwner = new Map<string, Record<string, CaseRun[]>>();
      let sqlTexts: { count: number; sql: string }[] = [];
      for (const owner of owners) {
        // Preflight and warmup: one add + one remove, checked.
        const warm = await runSequential(owner.server.url, step(owner.group), { seconds: mode.warmupSeconds + 5, maxRequests: 4 });
        for (const [kind, result] of Object.entries(warm)) {
          if (result.non2xx > 0) throw new Error(`${owner.label}: warmup ${kind} answered ${JSON.stringify(result.statuses)}`);
        }
        perOwner.set(owner.label, { add: [], remove: [] });
      }
      for (let run = 0; run < mode.runs; run += 1) {
        const order = run % 2 === 0 ? owners : [...owners].reverse();
        for (const owner of order) {
          await owner.server.stats(owner.label === 'hub' && run === 0 ? 'reset-texts' : 'reset').catch(() => undefined);
          const results = await runSequential(owner.server.url, step(owner.group), limits);
          const stats = await owner.server.stats(owner.label === 'hub' && run === 0 ? 'sql' : 'stats').catch(() => undefined);
          if (owner.label === 'hub' && run === 0 && stats?.texts) sqlTexts = stats.texts;
          const statementsPerRequest = stats && stats.statements !== null && stats.requests > 0 ? stats.statements / stats.requests : null;
          for (const [kind, result] of Object.entries(results)) {
            perOwner.get(owner.label)?.[kind]?.push(toCaseRun(result, statementsPerRequest));
            context.log(`  run ${run + 1}/${mode.runs} ${`${owner.label} ${kind}`.padEnd(24)} ${show(result.rps, 1).padStart(7)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  non-2xx ${result.non2xx}`);
          }
        }
      }
      const summaries = owners.flatMap((owner) =>
        (['add', 'remove'] as const).map((kind) =>
          summarise(
            {
              label: `${owner.label} ${kind} ${sizes.s6Chunk}`,
              role: owner.label === 'hub' ? 'subject' : 'reference',
              description: `one PATCH ${kind === 'add' ? 'adding' : 'removing'} ${sizes.s6Chunk} members of a ${sizes.s6Big}-member group, 1 connection, sequential`,
            },
            perOwner.get(owner.label)?.[kind] ?? [],
          ),
        ),
      );
      // Informational: the same PATCHes from 10 connections at once (they queue on SQLite's single writer).
      {
        let index = 0;
        const group = data.groupIds.get('s6-hub-c10') ?? '';
        const c10: HttpCase = {
          label: `hub add/remove ${sizes.s6Chunk}, 10 connections`,
          role: 'diagnostic',
          description: 'the same PATCHes from 10 connections (informational: queueing on the single SQLite writer)',
          server: servers.hub,
          noWarmup: true,
          limits: { maxRequests: mode.smoke ? 40 : 600 },
          spec: {
            method: 'PATCH',
            path: `${SCIM}/Groups/${group}`,
            headers: bearer(data.tenant.scimToken),
            timeoutSeconds: 60,
            body: () => {
              const op = index % 2 === 0 ? 'add' : 'remove';
              const chunk = chunks[Math.floor(index / 2) % chunks.length];
              index += 1;
              return chunkPatch(op, chunk);
            },
          },
        };
        summaries.push(...(await measureCases({ ...context, mode: { ...mode, runs: 1 } }, [c10])));
      }
      const hubAdd = find(summaries, `hub add ${sizes.s6Chunk}`);
      const hubRemove = find(summaries, `hub remove ${sizes.s6Chunk}`);
      // "No code path loads a whole member list": no statement the PATCH ran reads group_members by group alone.
      const wholeListReads = sqlTexts.filter(({ sql }) => /^select/i.test(sql) && /from [`"]?group_members/i.test(sql) && !/member_id[`"]?\s*(=|in|>)/i.test(sql));
      return {
        cases: summaries,
        ratios: ratios(summaries),
        checks: [
          check('S6', `one PATCH adding ${sizes.s6Chunk} members to a ${sizes.s6Big}-member group, p99`, '<= 200 ms', ms(hubAdd.p99.median), hubAdd.p99.median <= 200 && failures(hubAdd) === 0),
          check('S6', `one PATCH removing ${sizes.s6Chunk} members, p99`, '<= 200 ms', ms(hubRemove.p99.median), hubRemove.p99.median <= 200 && failures(hubRemove) === 0),
          check('S6', 'no statement of a group PATCH reads the whole member list', 'none', wholeListReads.length === 0 ? 'none' : wholeListReads.map((text) => text.sql).join(' | '), wholeListReads.length === 0 && sqlTexts.length > 0),
        ],
        seeding: data.seeding,
        notes: [`SQL statements of the hub's first S6 run (count x shape): ${sqlTexts.slice(0, 12).map((text) => `${text.count}x ${text.sql.slice(0, 140)}`).join(' ; ')}`],
        extra: { sqlTexts },
      };
    });
  },
};

function toCaseRun(result: SequentialKindResult, statementsPerRequest: number | null): CaseRun {
  return {
    requests: result.requests,
    seconds: result.requests / result.rps,
    rps: result.rps,
    p50: result.p50,
    p90: Number.NaN,
    p99: result.p99,
    max: result.max,
    non2xx: result.non2xx,
    errors: 0,
    timeouts: 0,
    statuses: result.statuses,
    serverCpuPct: Number.NaN,
    loadCpuPct: Number.NaN,
    cpuUsPerRequest: Number.NaN,
    rssStartMB: Number.NaN,
    rssPeakMB: Number.NaN,
    statementsPerRequest,
  };
}

// --- S7 -------------------------------------------------------------------------------------------

interface BigGet {
  server: string;
  run: number;
  ms: number;
  bytes: number;
  status: number;
  rssBeforeMB: number;
  rssPeakMB: number;
  rssGrowthMB: number;
}

const s7: ScimBenchmark = {
  name: 's7',
  title: 'S7 GET /Groups/{id} of the biggest group; filtered group GET without members',
  async run(context, overrides) {
    const sizes = sizesFor(context.mode, overrides);
    const data = await groupsDataset(context, sizes);
    const { mode } = context;
    const groupId = data.groupIds.get('s7-big') ?? '';
    return withServers(
      {
        'express-hello': { kind: 'express-hello' },
        'raw-sqlite': { kind: 'raw-sqlite', sqliteFile: data.file },
        hub: { kind: 'hub', sqliteFile: data.file },
      },
      async (servers) => {
        const headers = bearer(data.tenant.scimToken);
        // Preflight: the whole group comes back (checked on the hub's answer).
        const first = await request(servers.hub.url, 'GET', `${SCIM}/Groups/${groupId}`, headers, undefined, 120_000);
        if (first.status !== 200) throw new Error(`hub GET /Groups/{id} answered ${first.status}: ${first.body.slice(0, 300)}`);
        const memberCount = (JSON.parse(first.body) as { members?: unknown[] }).members?.length ?? 0;
        if (memberCount !== sizes.s7Big) throw new Error(`hub returned ${memberCount} members, expected ${sizes.s7Big}`);
        // The preflight warmed the hub (and grew its heap); restart it so the first measured GET is from a fresh process.
        if (!mode.smoke) {
          await servers.hub.stop();
          servers.hub = await ServerHandle.start('hub', { kind: 'hub', sqliteFile: data.file });
        }
        const gets: BigGet[] = [];
        const perRun = mode.smoke ? 1 : 2;
        for (let run = 0; run < mode.runs; run += 1) {
          const order = run % 2 === 0 ? ['hub', 'raw-sqlite'] : ['raw-sqlite', 'hub'];
          for (const label of order) {
            const server = servers[label];
            for (let repeat = 0; repeat < perRun; repeat += 1) {
              const before = server.rss();
              const resetWorked = server.resetPeak();
              const sampler = resetWorked ? undefined : sampleRss(server, 10);
              const response = await request(server.url, 'GET', `${SCIM}/Groups/${groupId}`, headers, undefined, 120_000);
              const peak = sampler ? sampler.stop() : server.peakRss();
              gets.push({ server: label, run, ms: response.ms, bytes: response.bytes, status: response.status, rssBeforeMB: before / MB, rssPeakMB: peak / MB, rssGrowthMB: (peak - before) / MB });
              context.log(`  run ${run + 1}/${mode.runs} ${label.padEnd(12)} GET group of ${sizes.s7Big}: status ${response.status}, ${show(response.ms, 0)} ms, ${show(response.bytes / MB, 1)} MB body, RSS ${show(before / MB, 0)} -> ${show(peak / MB, 0)} MB`);
            }
          }
        }
        const filtered = `${SCIM}/Groups?filter=${encodeURIComponent('displayName eq "s7-big"')}&excludedAttributes=members`;
        const cases: HttpCase[] = [
          { label: 'express-hello', role: 'reference', description: 'hello JSON', server: servers['express-hello'], spec: { method: 'GET', path: filtered, headers } },
          { label: 'raw-sqlite filtered', role: 'reference', description: 'group by displayName, no members', server: servers['raw-sqlite'], spec: { method: 'GET', path: filtered, headers } },
          { label: 'hub filtered', role: 'subject', description: `displayName eq of a ${sizes.s7Big}-member group, excludedAttributes=members`, server: servers.hub, spec: { method: 'GET', path: filtered, headers } },
        ];
        const summaries = await measureCases(context, cases);
        const hubGets = gets.filter((get) => get.server === 'hub');
        const worstMs = Math.max(...hubGets.map((get) => get.ms));
        const worstGrowth = Math.max(...hubGets.map((get) => get.rssGrowthMB));
        const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
        const hubFiltered = find(summaries, 'hub filtered');
        const raw = gets.filter((get) => get.server === 'raw-sqlite');
        return {
          cases: summaries,
          ratios: ratios(summaries),
          checks: [
            check('S7', `GET /Groups/{id} of a ${sizes.s7Big}-member group, slowest of ${hubGets.length}`, '<= 2 s', `${show(worstMs / 1000, 2)} s (median ${show(medianOf(hubGets.map((get) => get.ms)) / 1000, 2)} s)`, worstMs <= 2000 && hubGets.every((get) => get.status === 200)),
            check('S7', 'server RSS growth during that GET, largest', '<= 100 MB', `${show(worstGrowth, 0)} MB (first GET ${mode.smoke ? 'measured' : 'on a fresh server'}: ${show(hubGets[0]?.rssGrowthMB ?? Number.NaN, 0)} MB)`, worstGrowth <= 100),
            check('S7', 'GET /Groups?filter=displayName eq&excludedAttributes=members p99', '<= 10 ms', ms(hubFiltered.p99.median), hubFiltered.p99.median <= 10 && failures(hubFiltered) === 0),
          ],
          seeding: data.seeding,
          notes: [
            `Raw reference (streams keyset pages of 5,000 members, waiting for 'drain'): ${show(medianOf(raw.map((get) => get.ms)), 0)} ms median, RSS growth up to ${show(Math.max(...raw.map((get) => get.rssGrowthMB)), 0)} MB.`,
            `Body size ${show((hubGets[0]?.bytes ?? 0) / MB, 1)} MB (hub) vs ${show((raw[0]?.bytes ?? 0) / MB, 1)} MB (raw).`,
          ],
          extra: { bigGets: gets.map((get) => ({ ...get, ms: round(get.ms, 1), rssBeforeMB: round(get.rssBeforeMB, 1), rssPeakMB: round(get.rssPeakMB, 1), rssGrowthMB: round(get.rssGrowthMB, 1) })) },
        };
      },
    );
  },
};

export const SCIM_BENCHMARKS: readonly ScimBenchmark[] = [s1, s2, s3, s4, s5, s6, s7];
