/**
 * Load from the harness process (a second process: the server runs in a child) with autocannon.
 * Every run is bounded twice: at most `maxRequests` requests (autocannon's `amount`) and at most
 * `seconds` of wall time (a timer that stops it), and a watchdog rejects if autocannon itself hangs.
 * Latencies come from autocannon's per-response event (float ms), not its integer-ms histogram.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { percentile, Samples } from './stats';

export interface LoadSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path and query, or a function giving a new one per request. */
  readonly path: string | (() => string);
  readonly headers?: Record<string, string>;
  /** Fixed body, or a function giving a new body per request (unique userNames, member ids...). */
  readonly body?: string | (() => string);
  readonly connections?: number;
  /** Per-request timeout, seconds. */
  readonly timeoutSeconds?: number;
}

export interface LoadLimits {
  readonly seconds: number;
  readonly maxRequests: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

export async function runLoad(url: string, spec: LoadSpec, limits: LoadLimits): Promise<LoadResult> {
  const connections = Math.max(1, Math.min(spec.connections ?? 10, limits.maxRequests));
  const samples = new Samples(limits.maxRequests);
  const statuses: Record<string, number> = {};
  let non2xx = 0;
  let measuring = true;
  let firstSentAt = 0;
  let lastResponseAt = 0;
  let stoppedAt = 0;

  const dynamic = typeof spec.path === 'function' || typeof spec.body === 'function';
  const nextPath = () => (typeof spec.path === 'function' ? spec.path() : spec.path);
  const nextBody = () => (typeof spec.body === 'function' ? spec.body() : spec.body);
  const request: autocannon.Request = {
    method: spec.method,
    path: nextPath(),
    headers: { ...(spec.body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...spec.headers },
    ...(spec.body !== undefined ? { body: nextBody() } : {}),
    ...(dynamic ? { setupRequest: (base: autocannon.Request) => ({ ...base, path: nextPath(), ...(spec.body !== undefined ? { body: nextBody() } : {}) }) } : {}),
  };

  return new Promise<LoadResult>((resolve, reject) => {
    const timeoutSeconds = spec.timeoutSeconds ?? 10;
    const watchdog = setTimeout(() => reject(new Error(`autocannon did not finish within ${limits.seconds + timeoutSeconds + 15} s`)), (limits.seconds + timeoutSeconds + 15) * 1000);
    const options = {
      url,
      connections,
      amount: limits.maxRequests,
      timeout: timeoutSeconds,
      requests: [request],
      sampleInt: 100,
    } as autocannon.Options;
    firstSentAt = performance.now();
    const instance = autocannon(options, (error, result) => {
      clearTimeout(watchdog);
      clearTimeout(stopTimer);
      if (error) {
        reject(error);
        return;
      }
      const end = stoppedAt || lastResponseAt || performance.now();
      const seconds = Math.max(1e-6, (end - firstSentAt) / 1000);
      const values = samples.view();
      resolve({
        requests: samples.length,
        seconds,
        rps: samples.length / seconds,
        p50: percentile(values, 50),
        p90: percentile(values, 90),
        p99: percentile(values, 99),
        max: percentile(values, 100),
        non2xx,
        errors: result.errors ?? 0,
        timeouts: result.timeouts ?? 0,
        statuses,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (!measuring) return;
      lastResponseAt = performance.now();
      samples.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode >= 300) non2xx += 1;
    });
    const stopTimer = setTimeout(() => {
      measuring = false;
      stoppedAt = performance.now();
      instance.stop();
    }, limits.seconds * 1000);
  });
}

export interface SimpleResponse {
  status: number;
  body: string;
  ms: number;
  bytes: number;
  /** The Retry-After header of a 429 or 503, when there was one. */
  retryAfter?: string;
}

/** One request with node:http (preflight checks, setup, single big GETs). */
export function request(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string, timeoutMs = 60_000): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = http.request(
      `${url}${path}`,
      {
        method,
        timeout: timeoutMs,
        headers: { ...(body !== undefined ? { 'content-type': 'application/scim+json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const buffer = Buffer.concat(chunks);
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 0, body: buffer.toString('utf8'), ms: performance.now() - started, bytes: buffer.length, ...(retryAfter !== undefined ? { retryAfter } : {}) });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export interface SequentialStep {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface SequentialKindResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  statuses: Record<string, number>;
  bytes: number;
}

/**
 * One connection, one request at a time, for latency of single heavy requests (a 1,000-member PATCH,
 * a 250k-member GET), where queueing behind other connections would measure the queue. Bounded by
 * `maxRequests` and `seconds` (checked between requests; each request has its own timeout).
 * Latencies are split by step kind.
 */
export async function runSequential(url: string, next: (index: number) => SequentialStep, limits: LoadLimits, timeoutMs = 60_000): Promise<Record<string, SequentialKindResult>> {
  const started = performance.now();
  const byKind = new Map<string, { latencies: number[]; statuses: Record<string, number>; non2xx: number; bytes: number; busyMs: number }>();
  for (let index = 0; index < limits.maxRequests && performance.now() - started < limits.seconds * 1000; index += 1) {
    const step = next(index);
    const response = await request(url, step.method, step.path, step.headers, step.body, timeoutMs);
    let entry = byKind.get(step.kind);
    if (!entry) {
      entry = { latencies: [], statuses: {}, non2xx: 0, bytes: 0, busyMs: 0 };
      byKind.set(step.kind, entry);
    }
    entry.latencies.push(response.ms);
    entry.busyMs += response.ms;
    entry.bytes += response.bytes;
    entry.statuses[response.status] = (entry.statuses[response.status] ?? 0) + 1;
    if (response.status < 200 || response.status >= 300) entry.non2xx += 1;
  }
  const results: Record<string, SequentialKindResult> = {};
  for (const [kind, entry] of byKind) {
    results[kind] = {
      requests: entry.latencies.length,
      rps: entry.latencies.length / (entry.busyMs / 1000),
      p50: percentile(entry.latencies, 50),
      p99: percentile(entry.latencies, 99),
      max: percentile(entry.latencies, 100),
      non2xx: entry.non2xx,
      statuses: entry.statuses,
      bytes: entry.bytes,
    };
  }
  return results;
}

/** `request`, sent again after Retry-After while the server sheds load (429, 503), as IdPs do; at most 5 times. */
export async function requestRetrying(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<SimpleResponse> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await request(url, method, path, headers, body);
    if ((response.status !== 429 && response.status !== 503) || attempt >= 5) return response;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5, Number(response.retryAfter ?? '1') || 1) * 1000));
  }
}
