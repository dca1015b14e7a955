/**
 * Servers under test run in child processes (`node -r @swc-node/register bench/servers/entry.ts`), so
 * the load generator (autocannon, in the harness process) never shares their event loop. The parent
 * reads their memory from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SERVER_NODE_FLAGS } from '../../tests/support/processes';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(PROJECT_ROOT, 'bench', 'servers', 'entry.ts');
const START_TIMEOUT_MS = 120_000;

export type ServerKind = 'node-hello' | 'express-hello' | 'apollo-hello' | 'raw-sqlite' | 'raw-graphql' | 'hub';

export interface ServerOptions {
  readonly kind: ServerKind;
  /** SQLite file for raw-sqlite, raw-graphql (read once into memory) and hub. */
  readonly sqliteFile?: string;
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Extra environment for the hub (its loadConfig reads process.env). */
  readonly env?: Record<string, string>;
  /** Where the server's stdout (the hub's log) goes; /dev/null by default. */
  readonly logFile?: string;
  /** Hub worker processes sharing the port (node:cluster, as WEB_CONCURRENCY does); 1 by default. */
  readonly workers?: number;
}

export interface BenchStats {
  rss: number;
  heapUsed: number;
  requests: number;
  statements: number | null;
  texts?: { count: number; sql: string }[];
}

export class ServerHandle {
  private stderrTail = '';

  private constructor(
    readonly label: string,
    readonly kind: ServerKind,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
  }

  static async start(label: string, options: ServerOptions): Promise<ServerHandle> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      BENCH_SERVER_KIND: options.kind,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      ...(options.synchronous ? { SQLITE_SYNCHRONOUS: options.synchronous } : {}),
      ...(options.workers ? { BENCH_WORKERS: String(options.workers) } : {}),
      ...(options.sqliteFile ? { BENCH_SQLITE_FILE: options.sqliteFile, DATABASE_URL: `sqlite:${options.sqliteFile}` } : {}),
      ...options.env,
    };
    // The hub logs a line per request at the default level; it goes to /dev/null (or a file in the
    // scratch directory), as a real deployment's log shipping would take it off the process.
    const log = openSync(options.logFile ?? '/dev/null', 'w');
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, '-r', '@swc-node/register', ENTRY], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', log, 'pipe', 'ipc'],
    });
    closeSync(log);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${label}: server did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`));
      }, START_TIMEOUT_MS);
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message.type === 'ready' && typeof message.port === 'number') {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label}: server exited with ${code} before listening\n${stderr}`));
      });
    });
    const handle = new ServerHandle(label, options.kind, child, port);
    liveServers.add(handle);
    return handle;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get lastErrors(): string {
    return this.stderrTail;
  }

  /** Resident set size now, in bytes (VmRSS). */
  rss(): number {
    return readStatusKb(this.pid, 'VmRSS') * 1024;
  }

  /** CPU seconds (user + system) the server process and its live workers have used so far, from /proc/<pid>/stat. */
  cpuSeconds(): number {
    return childPidsOf(this.pid).reduce((total, pid) => total + (cpuSecondsOf(pid) || 0), cpuSecondsOf(this.pid));
  }

  /** Peak resident set size since the last resetPeak() (VmHWM), in bytes. */
  peakRss(): number {
    return readStatusKb(this.pid, 'VmHWM') * 1024;
  }

  /** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs); false when not permitted. */
  resetPeak(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  /** `reset` zeroes the counters (`reset-texts` also starts recording statement texts, read back with `sql`). */
  async stats(what: 'stats' | 'reset' | 'reset-texts' | 'sql' = 'stats'): Promise<BenchStats> {
    return getJson<BenchStats>(`${this.url}/__bench/${what === 'reset-texts' ? 'reset?texts=1' : what}`);
  }

  /** With BENCH_PROFILE_DIR set (`--profile`), starts a CPU profile of a hub process; returns the stop function. */
  async startProfile(name: string): Promise<() => Promise<void>> {
    const directory = process.env.BENCH_PROFILE_DIR;
    if (!directory || this.kind !== 'hub') return async () => undefined;
    mkdirSync(directory, { recursive: true });
    await getJson(`${this.url}/__bench/profile-start`);
    const file = path.join(directory, `${name.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}.cpuprofile`);
    return async () => {
      await getJson(`${this.url}/__bench/profile-stop?file=${encodeURIComponent(file)}`, 60_000);
    };
  }

  async stop(): Promise<void> {
    liveServers.delete(this);
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const liveServers = new Set<ServerHandle>();

/** USER_HZ: 100 on Linux on every architecture Node supports. */
const CLOCK_TICKS = 100;

/** Stops every server this harness started (on exit, error or Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...liveServers].map((server) => server.stop()));
}

/** Pids of the live child processes of `pid` (a hub's workers), from /proc. */
export function childPidsOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return children;
}

/** CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat; NaN when it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM); NaN when the process is gone. */
export function readStatusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function getJson<T>(url: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** Samples a server's RSS every `intervalMs` until stopped; returns the largest seen. */
export function sampleRss(server: ServerHandle, intervalMs = 50): { stop(): number } {
  let peak = server.rss();
  const timer = setInterval(() => {
    const rss = server.rss();
    if (rss > peak || !Number.isFinite(peak)) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = server.rss();
      return Math.max(peak, Number.isFinite(rss) ? rss : 0);
    },
  };
}
