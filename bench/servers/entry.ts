/**
 * The server under test, run in a child process by the harness: `node -r @swc-node/register
 * bench/servers/entry.ts` with BENCH_SERVER_KIND one of
 *   node-hello     raw node:http answering a small JSON body
 *   express-hello  express 5 answering the same body
 *   raw-sqlite     node:http + better-sqlite3 prepared statements on BENCH_SQLITE_FILE (bench/servers/raw-sqlite.ts)
 *   apollo-hello   express 5 + express.json + Apollo Server 5 on a one-field schema (the floor under the hub's GraphQL stack)
 *   raw-graphql    node:http + graphql-js on the hub's SDL, BENCH_TENANT_ID's data from BENCH_SQLITE_FILE in memory (bench/servers/raw-graphql.ts)
 *   hub            createApp(loadConfig(process.env)) from src/, on DATABASE_URL
 * It listens on a free loopback port and reports it over IPC. `/__bench/*` (outside the app, in this
 * file only) reports memory and the SQL statements prepared since the last reset.
 */
import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { installSqlCounter, type SqlCounter } from './sql-counter';

const HELLO = JSON.stringify({ hello: 'world' });

let requests = 0;
let profiler: inspector.Session | undefined;

function post(session: inspector.Session, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

/** `/__bench/profile-start` and `/__bench/profile-stop?file=...`: a V8 CPU profile of just the loaded period. */
async function profile(url: URL): Promise<Record<string, unknown>> {
  if (url.pathname === '/__bench/profile-start') {
    profiler = new inspector.Session();
    profiler.connect();
    await post(profiler, 'Profiler.enable');
    await post(profiler, 'Profiler.start');
    return { profiling: true };
  }
  const file = url.searchParams.get('file');
  if (!profiler || !file) return { profiling: false };
  const { profile: data } = (await post(profiler, 'Profiler.stop')) as { profile: unknown };
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(file, JSON.stringify(data));
  return { written: file };
}

/** This process's counters (resetting them for `/__bench/reset`). */
function localStats(counter: SqlCounter | undefined, url: URL): Record<string, unknown> {
  const memory = process.memoryUsage();
  const body: Record<string, unknown> = {
    pid: process.pid,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    requests,
    statements: counter?.statements ?? null,
  };
  if (url.pathname === '/__bench/sql' && counter) {
    body.texts = [...counter.texts.entries()].sort((a, b) => b[1] - a[1]).map(([sql, count]) => ({ count, sql }));
  }
  if (url.pathname === '/__bench/reset') {
    requests = 0;
    counter?.reset(url.searchParams.has('texts'));
  }
  return body;
}

/** Sums the workers' counters (BENCH_WORKERS > 1): the primary asks each and adds up what they report. */
function combinedStats(bodies: Record<string, unknown>[]): Record<string, unknown> {
  const sum = (key: string) => bodies.reduce((total, body) => total + (typeof body[key] === 'number' ? (body[key] as number) : 0), 0);
  const texts = new Map<string, number>();
  for (const body of bodies) for (const { sql, count } of (body.texts as { sql: string; count: number }[] | undefined) ?? []) texts.set(sql, (texts.get(sql) ?? 0) + count);
  return {
    pid: process.pid,
    rss: sum('rss'),
    heapUsed: sum('heapUsed'),
    external: sum('external'),
    requests: sum('requests'),
    statements: bodies.every((body) => body.statements === null) ? null : sum('statements'),
    ...(texts.size > 0 ? { texts: [...texts.entries()].sort((a, b) => b[1] - a[1]).map(([sql, count]) => ({ count, sql })) } : {}),
  };
}

let nextAsk = 0;
const asked = new Map<number, (body: Record<string, unknown>) => void>();

/** In a worker: the counters of every worker, through the primary. */
function clusterStats(url: URL): Promise<Record<string, unknown>> {
  const id = (nextAsk += 1);
  return new Promise((resolve) => {
    asked.set(id, resolve);
    process.send?.({ type: 'bench-stats', id, url: url.toString() });
  });
}

function stats(counter: SqlCounter | undefined, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/__bench/profile-')) {
    profile(url).then(
      (body) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      },
      (error: unknown) => {
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: String(error) }));
      },
    );
    return;
  }
  const answer = (body: Record<string, unknown>) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (cluster.isWorker) void clusterStats(url).then(answer);
  else answer(localStats(counter, url));
}

async function buildListener(kind: string): Promise<RequestListener> {
  switch (kind) {
    case 'node-hello':
      return (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(HELLO) });
        response.end(HELLO);
      };
    case 'express-hello': {
      const express = require('express') as typeof import('express');
      const app = express();
      app.disable('x-powered-by');
      app.use((_request, response) => {
        response.json({ hello: 'world' });
      });
      return app as unknown as RequestListener;
    }
    case 'raw-sqlite': {
      const file = process.env.BENCH_SQLITE_FILE;
      if (!file) throw new Error('raw-sqlite needs BENCH_SQLITE_FILE');
      // Loaded on demand, so the hello servers carry none of this in their memory.
      const { createRawSqliteHandler } = require('./raw-sqlite') as typeof import('./raw-sqlite');
      const handle = createRawSqliteHandler(file, process.env.SQLITE_SYNCHRONOUS ?? 'FULL');
      return (request, response) => {
        handle(request, response).catch((error: unknown) => {
          response.statusCode = 500;
          response.end(String(error));
        });
      };
    }
    case 'apollo-hello': {
      const express = require('express') as typeof import('express');
      const { ApolloServer } = require('@apollo/server') as typeof import('@apollo/server');
      const { expressMiddleware } = require('@as-integrations/express5') as typeof import('@as-integrations/express5');
      const { buildSchema } = require('graphql') as typeof import('graphql');
      const apollo = new ApolloServer({ schema: buildSchema('type Query { hello: String }') });
      await apollo.start();
      const app = express();
      app.disable('x-powered-by');
      app.use(express.json());
      app.use(expressMiddleware(apollo, { context: async () => ({}) }));
      return app as unknown as RequestListener;
    }
    case 'raw-graphql': {
      const file = process.env.BENCH_SQLITE_FILE;
      const tenantId = process.env.BENCH_TENANT_ID;
      if (!file || !tenantId) throw new Error('raw-graphql needs BENCH_SQLITE_FILE and BENCH_TENANT_ID');
      const { createRawGraphqlHandler } = require('./raw-graphql') as typeof import('./raw-graphql');
      const handle = createRawGraphqlHandler(file, tenantId);
      return (request, response) => {
        handle(request, response).catch((error: unknown) => {
          response.statusCode = 500;
          response.end(String(error));
        });
      };
    }
    case 'hub': {
      const { loadConfig } = require('../../src/config') as typeof import('../../src/config');
      const { createApp } = require('../../src/app') as typeof import('../../src/app');
      const hub = await createApp(loadConfig(process.env));
      return hub.app as unknown as RequestListener;
    }
    default:
      throw new Error(`unknown BENCH_SERVER_KIND ${kind}`);
  }
}

/**
 * BENCH_WORKERS > 1 (the hub only): this process forks that many workers serving the hub on one port,
 * as `npm start` does with WEB_CONCURRENCY, relays `/__bench/*` to all of them and reports the port.
 */
async function runPrimary(workers: number): Promise<void> {
  const probe = http.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
  let listening = 0;
  const pending = new Map<string, { bodies: Record<string, unknown>[]; from: Worker; id: number }>();
  const all: Worker[] = [];
  for (let index = 0; index < workers; index += 1) {
    const worker = cluster.fork({ BENCH_PORT: String(port) });
    all.push(worker);
    worker.on('message', (message: { type: string; id: number; url?: string; key?: string; body?: Record<string, unknown> }) => {
      if (message.type === 'listening' && (listening += 1) === workers) process.send?.({ type: 'ready', port });
      if (message.type === 'bench-stats') {
        const key = `${worker.id}/${message.id}`;
        pending.set(key, { bodies: [], from: worker, id: message.id });
        for (const each of all) each.send({ type: 'bench-local', key, url: message.url });
      }
      if (message.type === 'bench-local-result' && message.key && message.body) {
        const ask = pending.get(message.key);
        if (!ask) return;
        ask.bodies.push(message.body);
        if (ask.bodies.length === all.length) {
          pending.delete(message.key);
          ask.from.send({ type: 'bench-stats-result', id: ask.id, body: combinedStats(ask.bodies) });
        }
      }
    });
  }
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => {
    for (const worker of all) worker.process.kill('SIGTERM');
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const kind = process.env.BENCH_SERVER_KIND ?? '';
  const workers = Number(process.env.BENCH_WORKERS ?? '1');
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers);
  const counter = kind === 'hub' || kind === 'raw-sqlite' ? installSqlCounter() : undefined;
  if (cluster.isWorker) {
    process.on('message', (message: { type: string; id?: number; key?: string; url?: string; body?: Record<string, unknown> }) => {
      if (message.type === 'bench-local' && message.url) process.send?.({ type: 'bench-local-result', key: message.key, body: localStats(counter, new URL(message.url)) });
      if (message.type === 'bench-stats-result' && message.id !== undefined && message.body) {
        asked.get(message.id)?.(message.body);
        asked.delete(message.id);
      }
    });
  }
  const listener = await buildListener(kind);
  const server = http.createServer((request, response) => {
    if (request.url?.startsWith('/__bench/')) {
      stats(counter, request, response);
      return;
    }
    requests += 1;
    listener(request, response);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.BENCH_PORT ?? '0'), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    if (process.send) process.send(cluster.isWorker ? { type: 'listening' } : { type: 'ready', port });
  });
  // The harness owns this process: when it goes away (IPC closes), so does the server.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error('bench server failed to start:', error);
  process.exit(1);
});
