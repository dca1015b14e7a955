/**
 * PEER (issue 17): the hub on SQLite (FULL and NORMAL) and on PostgreSQL beside peer SCIM servers on the
 * same box, in one run: scimgateway (in-memory LokiJS) and Ory Polis / BoxyHQ Jackson (directory sync on
 * SQLite). The peers are never part of this repository: BENCH_PEERS_DIR names a scratch folder prepared at
 * bench time as bench/README.md describes (`scimgateway/` and `jackson/`); a peer that is missing is reported
 * as such. Per run and server: a fresh process and an empty database; POST /Users (5,000 users, 10
 * connections), GET /Users?filter=userName eq over them, pages of 100 (startIndex/count), then PATCHes each
 * adding one user to an empty group and to a 4,000-member group (member ids taken from the 201 bodies).
 * Runs alternate the servers; figures are min / median over runs, with the
 * 1-minute load average before each run and the server's CPU per request (its processes, and for the hub
 * on PostgreSQL its backends too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { check, type BenchmarkResult, type Check, type Context } from '../lib/harness';
import { requestRetrying, runLoad, type LoadSpec } from '../lib/load';
import { createPostgresDatabase, type ScratchPostgres } from '../lib/postgres';
import { createDatabase, GROUP_SCHEMA, PATCH_SCHEMA, userBody } from '../lib/seed';
import { childPidsOf, cpuSecondsOf, PROJECT_ROOT } from '../lib/servers';
import { SERVER_NODE_FLAGS } from '../../tests/support/processes';
import { median, min } from '../lib/stats';

const PEERS_DIR = process.env.BENCH_PEERS_DIR;
const START_TIMEOUT_MS = 120_000;
const SEED_CONCURRENCY = 10;

/** A server under test as a plain process on a port: started fresh for every run. */
interface Running {
  readonly base: string;
  readonly headers: Record<string, string>;
  readonly ids: 'assigned' | 'userName';
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

interface Peer {
  readonly name: string;
  available(): string | undefined;
  start(port: number, scratch: string): Promise<Running>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output().slice(-1500)}`);
    if (Date.now() > deadline) throw new Error(`did not listen within ${START_TIMEOUT_MS / 1000} s: ${output().slice(-1500)}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function launch(command: string, args: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; output: () => string; cpuSeconds(): number; stop(): Promise<void> } {
  const child = spawn(command, args, { cwd, env: { ...(process.env as Record<string, string>), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20_000)));
  const pid = child.pid ?? -1;
  return {
    child,
    output: () => output,
    cpuSeconds: () => childPidsOf(pid).reduce((total, each) => total + (cpuSecondsOf(each) || 0), cpuSecondsOf(pid) || 0),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function hubPeer(kind: 'sqlite' | 'postgresql', synchronous: 'FULL' | 'NORMAL' = 'FULL'): Peer {
  return {
    name: kind === 'sqlite' ? `hub SQLite ${synchronous}` : 'hub PostgreSQL',
    available: () => undefined,
    async start(port, scratch) {
      let postgres: ScratchPostgres | undefined;
      let url: string;
      let token: string;
      if (kind === 'sqlite') {
        const file = path.join(scratch, 'hub.sqlite');
        const [tenant] = await createDatabase(file, ['acme']);
        url = `sqlite:${file}`;
        token = tenant.scimToken;
      } else {
        postgres = await createPostgresDatabase('bench_peer', 'acme');
        url = postgres.url;
        token = postgres.tenant.scimToken;
      }
      const process_ = launch(process.execPath, [...SERVER_NODE_FLAGS, '-r', '@swc-node/register', 'src/server.ts'], PROJECT_ROOT, {
        DATABASE_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        WEB_CONCURRENCY: '1',
        ...(kind === 'sqlite' ? { SQLITE_SYNCHRONOUS: synchronous } : {}),
      });
      await waitForPort(port, process_.child, process_.output);
      return {
        base: `http://127.0.0.1:${port}/scim/v2`,
        headers: { authorization: `Bearer ${token}` },
        ids: 'assigned',
        cpuSeconds: async () => process_.cpuSeconds() + (postgres ? await postgres.backendCpuSeconds() : 0),
        async stop() {
          await process_.stop();
          await postgres?.drop();
        },
      };
    },
  };
}

const scimgateway: Peer = {
  name: 'scimgateway (memory)',
  available: () => (PEERS_DIR && existsSync(path.join(PEERS_DIR, 'scimgateway', 'node_modules')) ? undefined : 'no prepared scimgateway/ under BENCH_PEERS_DIR'),
  async start(port) {
    const dir = path.join(PEERS_DIR ?? '', 'scimgateway');
    const file = path.join(dir, 'config', 'plugin-loki.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { scimgateway: Record<string, any> };
    const token = 'bench-peer-token';
    config.scimgateway.port = port;
    config.scimgateway.localhostonly = true;
    config.scimgateway.log = { ...config.scimgateway.log, loglevel: { file: 'off', console: 'error' } };
    config.scimgateway.auth.bearerToken[0].token = token;
    writeFileSync(file, JSON.stringify(config, null, 2));
    const process_ = launch(process.execPath, ['--import=tsx', 'index.ts'], dir, {});
    await waitForPort(port, process_.child, process_.output);
    return { base: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}` }, ids: 'userName', cpuSeconds: async () => process_.cpuSeconds(), stop: () => process_.stop() };
  },
};

/** The express shell around Jackson's directory sync, written into the scratch folder at bench time. */
const JACKSON_SHELL = `
const express = require('express');
const Database = require('better-sqlite3');
const port = Number(process.env.PORT);
const file = process.env.JACKSON_DB;
new Database(file).pragma('journal_mode = WAL');
(async () => {
  const { directorySyncController } = await require('@boxyhq/saml-jackson').default({
    externalUrl: 'http://127.0.0.1:' + port, samlPath: '/api/oauth/saml', scimPath: '/api/scim/v2.0',
    db: { engine: 'sql', type: 'sqlite', url: file }, noAnalytics: true,
  });
  const { data: directory, error } = await directorySyncController.directories.create({ name: 'bench', tenant: 'bench', product: 'bench', type: 'generic-scim-v2' });
  if (error) throw new Error(JSON.stringify(error));
  const app = express();
  app.use(express.json({ type: ['application/json', 'application/scim+json'], limit: '5mb' }));
  app.all('/api/scim/v2.0/:directoryId/:resource{/:resourceId}', async (req, res) => {
    const apiSecret = (req.headers.authorization || '').replace(/^Bearer /, '');
    const { status, data } = await directorySyncController.requests.handle({
      method: req.method, body: req.body, directoryId: req.params.directoryId, resourceType: req.params.resource.toLowerCase(),
      resourceId: req.params.resourceId, apiSecret, query: { count: req.query.count, startIndex: req.query.startIndex, filter: req.query.filter },
    });
    res.status(status).json(data);
  });
  app.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ directoryId: directory.id, secret: directory.scim.secret })));
})().catch((error) => { console.error(error); process.exit(1); });
`;

const jackson: Peer = {
  name: 'Jackson 26.2 (SQLite)',
  available: () => (PEERS_DIR && existsSync(path.join(PEERS_DIR, 'jackson', 'node_modules', '@boxyhq', 'saml-jackson')) ? undefined : 'no prepared jackson/ under BENCH_PEERS_DIR'),
  async start(port, scratch) {
    const dir = path.join(PEERS_DIR ?? '', 'jackson');
    writeFileSync(path.join(dir, 'bench-shell.js'), JACKSON_SHELL);
    const process_ = launch(process.execPath, ['bench-shell.js'], dir, { PORT: String(port), JACKSON_DB: path.join(scratch, 'jackson.db') });
    await waitForPort(port, process_.child, process_.output);
    const deadline = Date.now() + 10_000;
    let line: string | undefined;
    while (!(line = process_.output().split('\n').find((item) => item.startsWith('{"directoryId"'))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!line) throw new Error(`no directory: ${process_.output().slice(-1000)}`);
    const { directoryId, secret } = JSON.parse(line) as { directoryId: string; secret: string };
    return { base: `http://127.0.0.1:${port}/api/scim/v2.0/${directoryId}`, headers: { authorization: `Bearer ${secret}` }, ids: 'assigned', cpuSeconds: async () => process_.cpuSeconds(), stop: () => process_.stop() };
  },
};

interface Measure {
  rps: number;
  cpuUsPerRequest: number;
  failures: number;
}

async function measured(running: Running, requests: number, spec: LoadSpec, seconds: number): Promise<Measure> {
  const before = await running.cpuSeconds();
  const result = await runLoad(new URL(running.base).origin, spec, { seconds, maxRequests: requests });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cpu = (await running.cpuSeconds()) - before;
  return { rps: result.rps, cpuUsPerRequest: result.requests > 0 ? (cpu * 1e6) / result.requests : Number.NaN, failures: result.non2xx + result.errors + result.timeouts };
}

/** The path part of the server's SCIM base, for autocannon (which takes the origin apart). */
function basePath(running: Running): string {
  return new URL(running.base).pathname.replace(/\/$/, '');
}

interface RunSizes {
  /** Users POSTed (measured), then looked up and listed. */
  readonly users: number;
  /** Users each measured PATCH adds, one per request. */
  readonly memberPool: number;
  /** Members of the big group before its PATCHes are measured. */
  readonly bigGroup: number;
  readonly seconds: number;
}

/** POSTs the users the PATCHes add (not measured), SEED_CONCURRENCY at a time; returns their ids as the server names them. */
async function postMembers(running: Running, prefix: string, headers: Record<string, string>, count: number): Promise<string[]> {
  const origin = new URL(running.base).origin;
  const ids = new Array<string>(count);
  let seeded = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      for (let index = seeded++; index < count; index = seeded++) {
        const response = await requestRetrying(origin, 'POST', `${prefix}/Users`, headers, JSON.stringify(userBody(`m${index}@acme.example.com`, `ext-m-${index}`, index)));
        if (response.status !== 201) throw new Error(`seeding answered ${response.status}: ${response.body.slice(0, 200)}`);
        ids[index] = running.ids === 'userName' ? `m${index}@acme.example.com` : (JSON.parse(response.body) as { id: string }).id;
      }
    }),
  );
  return ids;
}

/** Creates a group holding `members` (added 100 at a time); returns its id as the server names it. */
async function seedGroup(running: Running, prefix: string, headers: Record<string, string>, displayName: string, members: readonly string[]): Promise<string> {
  const origin = new URL(running.base).origin;
  const group = await requestRetrying(origin, 'POST', `${prefix}/Groups`, headers, JSON.stringify({ schemas: [GROUP_SCHEMA], displayName, members: [] }));
  if (group.status !== 201) throw new Error(`group answered ${group.status}: ${group.body.slice(0, 200)}`);
  const groupId = running.ids === 'userName' ? displayName : (JSON.parse(group.body) as { id: string }).id;
  for (let offset = 0; offset < members.length; offset += 100) {
    const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: members.slice(offset, offset + 100).map((value) => ({ value })) }] };
    const response = await requestRetrying(origin, 'PATCH', `${prefix}/Groups/${encodeURIComponent(groupId)}`, headers, JSON.stringify(body));
    if (response.status >= 300) throw new Error(`adding members answered ${response.status}: ${response.body.slice(0, 200)}`);
  }
  return groupId;
}

async function oneRun(running: Running, sizes: RunSizes): Promise<Record<string, Measure>> {
  const prefix = basePath(running);
  const headers = { ...running.headers, 'content-type': 'application/scim+json' };
  let next = 0;
  const post = await measured(running, sizes.users, {
    method: 'POST',
    path: `${prefix}/Users`,
    headers,
    body: () => {
      next += 1;
      return JSON.stringify(userBody(`u${next}@acme.example.com`, `ext-${next}`, next));
    },
  }, 120);
  let walk = 0;
  const lookup = await measured(running, 200_000, {
    method: 'GET',
    path: () => {
      walk = (walk + 7919) % Math.max(1, next);
      return `${prefix}/Users?filter=${encodeURIComponent(`userName eq "u${walk + 1}@acme.example.com"`)}`;
    },
    headers,
  }, sizes.seconds);
  const pages = Math.max(1, Math.floor(next / 100));
  let page = 0;
  const list = await measured(running, 200_000, {
    method: 'GET',
    path: () => {
      page = (page + 1) % pages;
      return `${prefix}/Users?startIndex=${page * 100 + 1}&count=100`;
    },
    headers,
  }, sizes.seconds);
  // The PATCHes add users nobody has added yet (ids from the 201 bodies), to an empty group and to a big one.
  const ids = await postMembers(running, prefix, headers, sizes.memberPool + sizes.bigGroup);
  const pool = ids.slice(0, sizes.memberPool);
  const addOne = async (groupId: string) => {
    let member = 0;
    return measured(running, pool.length, {
      method: 'PATCH',
      path: `${prefix}/Groups/${encodeURIComponent(groupId)}`,
      headers,
      body: () => JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: pool[member++ % pool.length] }] }] }),
    }, 60);
  };
  const empty = await addOne(await seedGroup(running, prefix, headers, 'bench-group', []));
  const big = await addOne(await seedGroup(running, prefix, headers, 'bench-big-group', ids.slice(sizes.memberPool)));
  return {
    'POST /Users': post,
    'GET filter userName eq': lookup,
    'GET page of 100': list,
    'PATCH add 1 member (empty group)': empty,
    [`PATCH add 1 member (${sizes.bigGroup}-member group)`]: big,
  };
}

export async function runPeers(context: Context): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const sizes: RunSizes = context.mode.smoke ? { users: 200, memberPool: 50, bigGroup: 100, seconds: 1 } : { users: 5000, memberPool: 1000, bigGroup: 4000, seconds: 8 };
  const peers = [hubPeer('sqlite'), hubPeer('sqlite', 'NORMAL'), hubPeer('postgresql'), scimgateway, jackson];
  const notes: string[] = [];
  const usable = peers.filter((peer) => {
    const missing = peer.available();
    if (missing) notes.push(`${peer.name}: not measured (${missing}); the issue's figures stand for it.`);
    return !missing;
  });
  const results = new Map<string, Record<string, Measure>[]>();
  for (let run = 0; run < context.mode.runs; run += 1) {
    for (let step = 0; step < usable.length; step += 1) {
      const peer = usable[(run + step) % usable.length];
      const scratch = mkdtempSync(path.join(context.workDir, 'peer-'));
      const load = os.loadavg()[0];
      let running: Running | undefined;
      try {
        running = await peer.start(await freePort(), scratch);
        const figures = await oneRun(running, sizes);
        results.set(peer.name, [...(results.get(peer.name) ?? []), figures]);
        context.log(`  run ${run + 1} ${peer.name} (load ${load.toFixed(2)}): ${Object.entries(figures).map(([name, m]) => `${name} ${m.rps.toFixed(0)} rps ${m.cpuUsPerRequest.toFixed(0)} us/req`).join('; ')}`);
        notes.push(`run ${run + 1} ${peer.name}: 1-minute load ${load.toFixed(2)} before.`);
      } catch (error) {
        notes.push(`${peer.name} run ${run + 1} failed: ${(error as Error).message.split('\n')[0].slice(0, 300)}`);
      } finally {
        await running?.stop();
        rmSync(scratch, { recursive: true, force: true });
      }
    }
  }
  const table = ['| rps min / median (CPU µs per request, median) | ' + [...results.keys()].join(' | ') + ' |', '| --- |' + [...results.keys()].map(() => ' --- |').join('')];
  const operations = Object.keys([...results.values()][0]?.[0] ?? {});
  const medianOf = (name: string, operation: string) => median((results.get(name) ?? []).map((figures) => figures[operation].rps));
  for (const operation of operations) {
    table.push(`| ${operation} | ${[...results.keys()].map((name) => {
      const runs = results.get(name) ?? [];
      const rps = runs.map((figures) => figures[operation].rps);
      const failed = runs.reduce((total, figures) => total + figures[operation].failures, 0);
      return `${min(rps).toFixed(0)} / ${median(rps).toFixed(0)} (${median(runs.map((figures) => figures[operation].cpuUsPerRequest)).toFixed(0)})${failed > 0 ? `, ${failed} failed` : ''}`;
    }).join(' | ')} |`);
  }
  notes.unshift(...table);
  const checks: Check[] = [];
  const ratio = (a: string, b: string, operation: string) => medianOf(a, operation) / medianOf(b, operation);
  if (results.has('hub PostgreSQL') && results.has(jackson.name)) {
    const value = ratio('hub PostgreSQL', jackson.name, 'POST /Users');
    checks.push(check('PEER', 'POST /Users: hub on PostgreSQL vs Jackson', '>= 2x', `${value.toFixed(2)}x`, value >= 2));
  }
  if (results.has('hub SQLite FULL') && results.has(scimgateway.name)) {
    const value = ratio('hub SQLite FULL', scimgateway.name, 'POST /Users');
    checks.push(check('PEER', 'POST /Users: hub on SQLite vs scimgateway (in memory)', '>= 1x', `${value.toFixed(2)}x`, value >= 1));
    const lookup = ratio('hub SQLite FULL', scimgateway.name, 'GET filter userName eq');
    checks.push(check('PEER', 'filter lookup: hub on SQLite vs scimgateway', '>= 1.5x', `${lookup.toFixed(2)}x`, lookup >= 1.5));
  }
  if (results.has('hub SQLite FULL') && results.has(jackson.name)) {
    const value = ratio('hub SQLite FULL', jackson.name, 'POST /Users');
    checks.push(check('PEER', 'POST /Users: hub on SQLite vs Jackson', '>= 2.5x', `${value.toFixed(2)}x`, value >= 2.5));
  }
  return { cases: [], ratios: [], checks, seeding: [], notes, extra: { peers: Object.fromEntries(results) } };
}
