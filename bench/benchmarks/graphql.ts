/**
 * GraphQL benchmarks G1, G2, G4 (issue 6): the hub's /graphql (express + passport API key + Apollo +
 * type-graphql + limits) against, in the same run, node:http and express hello and plain graphql-js on
 * the same SDL with the same rows in memory (bench/servers/raw-graphql.ts).
 */
import path from 'node:path';
import { check, failures, find, measureCases, ratios, type BenchmarkResult, type CaseSummary, type Context, type HttpCase, type Seeding } from '../lib/harness';
import { createDatabase, seedGroups, seedUsers, type GroupSeed, type TenantSeed } from '../lib/seed';
import { ServerHandle, type ServerOptions } from '../lib/servers';
import { show } from '../lib/stats';

export interface GraphqlSizes {
  readonly users: number;
  readonly groups: number;
  /** Groups each user is a member of. */
  readonly groupsPerUser: number;
}

export function graphqlSizes(smoke: boolean): GraphqlSizes {
  return smoke ? { users: 300, groups: 20, groupsPerUser: 3 } : { users: 20_000, groups: 200, groupsPerUser: 3 };
}

export const QUERIES = {
  /** G1: answered from the principal alone: what the stack costs around a resolver that does nothing. */
  viewer: '{ viewer { tenant { id } } }',
  typename: '{ __typename }',
  /** G2: a page of users with the profile fields an app reads. */
  users20: '{ users(first: 20) { nodes { id userName displayName givenName familyName email active department createdAt } } }',
  /** G4: a page of 100 users with and without their groups. */
  users100: '{ users(first: 100) { nodes { id userName } } }',
  users100Groups: '{ users(first: 100) { nodes { id userName groups { nodes { displayName } } } } }',
} as const;

interface GraphqlDataset {
  readonly file: string;
  readonly tenant: TenantSeed;
  readonly sizes: GraphqlSizes;
  readonly seeding: Seeding[];
}

/** One tenant (`acme`): users, groups, and every user in `groupsPerUser` consecutive groups. */
function graphqlDataset(context: Context): Promise<GraphqlDataset> {
  return context.dataset('graphql', async () => {
    const sizes = graphqlSizes(context.mode.smoke);
    const file = path.join(context.workDir, 'graphql.sqlite');
    const started = performance.now();
    const [tenant] = await createDatabase(file, ['acme']);
    const migrated = (performance.now() - started) / 1000;
    const users = seedUsers(file, tenant, sizes.users, { keepIds: true });
    const members: string[][] = Array.from({ length: sizes.groups }, () => []);
    users.ids.forEach((id, index) => {
      for (let offset = 0; offset < sizes.groupsPerUser; offset += 1) members[(index + offset) % sizes.groups].push(id);
    });
    const groups: GroupSeed[] = members.map((memberIds, index) => ({ displayName: `team-${String(index).padStart(4, '0')}`, memberIds }));
    const seeded = seedGroups(file, tenant, groups);
    return {
      file,
      tenant,
      sizes,
      seeding: [
        { what: 'migrate + tenant', rows: 1, seconds: migrated },
        { what: 'users', rows: sizes.users, seconds: users.seconds },
        { what: `${sizes.groups} groups, ${sizes.groupsPerUser} per user`, rows: seeded.rows, seconds: seeded.seconds },
      ],
    };
  });
}

function post(query: string, apiKey?: string): HttpCase['spec'] {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query }),
  };
}

function pct(value: number): string {
  return `${show(value * 100, 0)}%`;
}

function versus(subject: CaseSummary, reference: CaseSummary): string {
  return `${pct(subject.rps.median / reference.rps.median)} (${show(subject.rps.median, 0)} / ${show(reference.rps.median, 0)} rps; by CPU per request ${pct(reference.cpuUsPerRequest.median / subject.cpuUsPerRequest.median)})`;
}

async function startAll(specs: Record<string, ServerOptions>): Promise<Record<string, ServerHandle>> {
  const entries = Object.entries(specs);
  const started = await Promise.allSettled(entries.map(([label, options]) => ServerHandle.start(label, options)));
  const servers: Record<string, ServerHandle> = {};
  started.forEach((result, index) => {
    if (result.status === 'fulfilled') servers[entries[index][0]] = result.value;
  });
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    throw failed.reason;
  }
  return servers;
}

export async function runGraphql(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const data = await graphqlDataset(context);
  const servers = await startAll({
    'node-hello': { kind: 'node-hello' },
    'express-hello': { kind: 'express-hello' },
    'apollo-hello': { kind: 'apollo-hello' },
    'raw-graphql': { kind: 'raw-graphql', sqliteFile: data.file, env: { BENCH_TENANT_ID: data.tenant.tenantId } },
    hub: { kind: 'hub', sqliteFile: data.file },
  });
  try {
    const key = data.tenant.apiKey;
    const cases: HttpCase[] = [
      { label: 'node-hello', role: 'reference', description: 'hello JSON (raw node:http)', server: servers['node-hello'], spec: post(QUERIES.viewer) },
      { label: 'express-hello', role: 'reference', description: 'hello JSON (express 5)', server: servers['express-hello'], spec: post(QUERIES.viewer) },
      { label: 'apollo-hello', role: 'diagnostic', description: `${QUERIES.typename} on express + Apollo alone (one-field schema, no auth, no limits): the floor under G1`, server: servers['apollo-hello'], spec: post(QUERIES.typename) },
      { label: 'hub viewer', role: 'subject', description: `G1 ${QUERIES.viewer}, API key`, server: servers.hub, spec: post(QUERIES.viewer, key) },
      { label: 'hub __typename', role: 'diagnostic', description: `${QUERIES.typename}, API key`, server: servers.hub, spec: post(QUERIES.typename, key) },
      { label: 'raw-graphql users 20', role: 'reference', description: 'G2 users(first: 20), graphql-js, rows in memory', server: servers['raw-graphql'], spec: post(QUERIES.users20) },
      { label: 'hub users 20', role: 'subject', description: 'G2 users(first: 20) with profile fields', server: servers.hub, spec: post(QUERIES.users20, key) },
      { label: 'hub users 100', role: 'diagnostic', description: 'G4 users(first: 100) { id userName }', server: servers.hub, spec: post(QUERIES.users100, key) },
      { label: 'hub users 100 + groups', role: 'subject', description: 'G4 users(first: 100) { groups { displayName } }', server: servers.hub, spec: post(QUERIES.users100Groups, key) },
      { label: 'raw-graphql users 100 + groups', role: 'diagnostic', description: 'the G4 query on graphql-js, rows in memory', server: servers['raw-graphql'], spec: post(QUERIES.users100Groups) },
    ];
    const summaries = await measureCases(context, cases);
    const express = find(summaries, 'express-hello');
    const viewer = find(summaries, 'hub viewer');
    const apollo = find(summaries, 'apollo-hello');
    const raw20 = find(summaries, 'raw-graphql users 20');
    const users20 = find(summaries, 'hub users 20');
    const users100 = find(summaries, 'hub users 100');
    const withGroups = find(summaries, 'hub users 100 + groups');
    const slowdown = users100.rps.median / withGroups.rps.median;
    return {
      cases: summaries,
      ratios: [
        ...ratios([find(summaries, 'node-hello'), express, viewer]),
        ...ratios([raw20, users20]),
        ...ratios([{ ...find(summaries, 'raw-graphql users 100 + groups'), role: 'reference' }, withGroups]),
      ],
      checks: [
        check('G1', `${QUERIES.viewer} through the real stack vs express-hello`, '>= 70%', versus(viewer, express), viewer.rps.median / express.rps.median >= 0.7 && failures(viewer) === 0),
        check('G2', 'users(first: 20) vs raw graphql-js on the same SDL, rows in memory', '>= 40%', versus(users20, raw20), users20.rps.median / raw20.rps.median >= 0.4 && failures(users20) === 0),
        check('G4', 'SQL statements per users(first: 100) { groups { displayName } }', '<= 3', show(withGroups.statementsPerRequest ?? Number.NaN), (withGroups.statementsPerRequest ?? 99) <= 3),
        check('G4', 'users(first: 100) without groups / with groups, rps', '<= 2x', `${show(slowdown)}x (${show(users100.rps.median, 0)} / ${show(withGroups.rps.median, 0)} rps)`, slowdown <= 2 && failures(withGroups) === 0),
      ],
      seeding: data.seeding,
      notes: [
        `${data.sizes.users} users, ${data.sizes.groups} groups, each user in ${data.sizes.groupsPerUser}; SQL/req counts every statement the hub ran (credential lookups, BEGIN/COMMIT included).`,
        `Floor: express + Apollo alone answers ${QUERIES.typename} at ${versus(apollo, express)} of express-hello; the hub's G1 query is ${versus(viewer, apollo)} of that.`,
        'raw-graphql: graphql-js execute on schema/schema.graphql, documents parsed and validated once (as Apollo caches them), no authentication or limits.',
      ],
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}
