/**
 * Worker threads for work whose cost a tenant's input decides and no bound alone makes cheap (mapping
 * files, compilation, dry runs): it never holds the event loop that serves every other tenant. Each task
 * has a deadline (its thread is ended when it passes), the line of waiting tasks is bounded, and one
 * tenant holds at most a few places in it.
 */
import path from 'node:path';
import { Piscina } from 'piscina';
import { DomainError } from '../../domain/errors';
import type * as MappingTasks from './mapping-tasks';

export interface OffloadLimits {
  /** Worker threads at most (they start on first use). */
  readonly threads: number;
  /** A task not finished this long after it was submitted, waiting included, is ended: TOO_MANY. */
  readonly taskTimeoutMs: number;
  /** Tasks waiting for a thread at most: one more is UNAVAILABLE. */
  readonly maxQueue: number;
  /** Tasks of one tenant submitted and not finished at most: one more is TOO_MANY. */
  readonly tasksPerTenant: number;
}

type Tasks = typeof MappingTasks;
export type OffloadTaskName = 'parseMappingText' | 'compileErrors' | 'previewPayloads';

/** A thread's heap: a runaway task ends its thread, not the process. */
const WORKER_HEAP_MB = 256;
/** An idle thread is ended after this; the next task starts one again. */
const IDLE_TIMEOUT_MS = 60_000;

export class OffloadPool {
  private pool: Piscina | undefined;
  private readonly perTenant = new Map<string, number>();
  /** Tasks submitted and not finished: running on a thread or waiting for one. */
  private inFlight = 0;

  constructor(private readonly limits: OffloadLimits) {}

  async run<N extends OffloadTaskName>(tenantId: string, name: N, input: Parameters<Tasks[N]>[0]): Promise<ReturnType<Tasks[N]>> {
    const held = this.perTenant.get(tenantId) ?? 0;
    if (held >= this.limits.tasksPerTenant) {
      throw new DomainError('TOO_MANY', `at most ${this.limits.tasksPerTenant} mapping validations and previews of one tenant run at once: wait for the others to finish`);
    }
    if (this.inFlight >= this.limits.threads + this.limits.maxQueue) {
      throw new DomainError('UNAVAILABLE', 'the hub is busy with other mapping validations and previews; retry shortly');
    }
    this.perTenant.set(tenantId, held + 1);
    this.inFlight += 1;
    const abort = new AbortController();
    // A timer held here, not AbortSignal.timeout (which garbage collection can drop on Node 20).
    const timer = setTimeout(() => abort.abort(), this.limits.taskTimeoutMs);
    try {
      return (await this.threads().run(input, { name, signal: abort.signal })) as ReturnType<Tasks[N]>;
    } catch (error) {
      if (abort.signal.aborted) {
        throw new DomainError('TOO_MANY', `the work did not finish within ${this.limits.taskTimeoutMs} ms: make the mapping set or the payloads smaller`);
      }
      if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new DomainError('TOO_MANY', `the work needed more than ${WORKER_HEAP_MB} MB: make the mapping set or the payloads smaller`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      this.inFlight -= 1;
      const left = (this.perTenant.get(tenantId) ?? 1) - 1;
      if (left === 0) this.perTenant.delete(tenantId);
      else this.perTenant.set(tenantId, left);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private threads(): Piscina {
    // Run from TypeScript source (the server, the CLI and tests): the thread compiles it as the process does.
    const extension = path.extname(__filename);
    this.pool ??= new Piscina({
      filename: path.join(__dirname, `mapping-tasks${extension}`),
      // The thread loads this export when it starts (the module has no default export to load).
      name: 'parseMappingText' satisfies OffloadTaskName,
      minThreads: 0,
      // Lowest priority: on a busy machine the threads serving requests run first (Linux: per-thread nice).
      niceIncrement: 19,
      maxThreads: this.limits.threads,
      idleTimeout: IDLE_TIMEOUT_MS,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      ...(extension === '.ts' ? { execArgv: ['-r', '@swc-node/register'] } : {}),
    });
    return this.pool;
  }
}
