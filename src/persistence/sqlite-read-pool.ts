/**
 * The SQLite reader thread: reads a tenant's filter shapes (no index pins them) run there, on a
 * read-only connection of its own, so that however long they take within their budget, the event loop
 * that serves every other tenant is not held (better-sqlite3 runs a statement synchronously). WAL lets
 * that connection read beside the writer; it sees what has committed, as any read outside a transaction.
 */
import path from 'node:path';
import { Piscina } from 'piscina';
import { DomainError } from '../domain/errors';
import type { ReadInput, ReadOutput } from './sqlite-read-task';

/** Reads on or waiting for the thread at most; one more is UNAVAILABLE. */
const MAX_QUEUED_READS = 16;
/** The thread is ended when a read overruns its budget by this much (the per-row check failed to stop it). */
const OVERRUN_MS = 2_000;
const IDLE_TIMEOUT_MS = 60_000;

export class SqliteReadPool {
  private pool: Piscina | undefined;
  private inFlight = 0;

  async read(input: ReadInput): Promise<ReadOutput> {
    if (this.inFlight >= MAX_QUEUED_READS) throw new DomainError('UNAVAILABLE', 'the database is busy with other filtered reads; retry shortly');
    this.inFlight += 1;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), input.budgetMs + OVERRUN_MS);
    try {
      return (await this.thread().run(input, { signal: abort.signal })) as ReadOutput;
    } catch (error) {
      if (abort.signal.aborted) return { exceeded: true };
      throw error;
    } finally {
      clearTimeout(timer);
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private thread(): Piscina {
    // From TypeScript source (server, CLI, tests), the thread compiles it as the process does.
    const extension = path.extname(__filename);
    this.pool ??= new Piscina({
      filename: path.join(__dirname, `sqlite-read-task${extension}`),
      name: 'readRows',
      minThreads: 0,
      // Lowest priority: on a busy machine the threads serving requests run first (Linux: per-thread nice).
      niceIncrement: 19,
      maxThreads: 1,
      idleTimeout: IDLE_TIMEOUT_MS,
      ...(extension === '.ts' ? { execArgv: ['-r', '@swc-node/register'] } : {}),
    });
    return this.pool;
  }
}
