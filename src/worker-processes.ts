import cluster, { type Worker } from 'node:cluster';

/** A worker that died is started again after this long (not at once: a crash at start-up would spin). */
const RESTART_DELAY_MS = 1_000;

export interface WorkerProcessesOptions {
  readonly count: number;
  /** Called once every worker listens. */
  readonly onListening: () => void;
  readonly log: (message: string) => void;
}

/**
 * The primary of `npm start` with WEB_CONCURRENCY > 1: forks the workers (each serves the whole app on
 * the shared port, node:cluster handing out connections), starts again any that dies, and on SIGTERM
 * or SIGINT passes the signal on and exits once they all have. It opens no database itself.
 */
export function runWorkerProcesses(options: WorkerProcessesOptions): void {
  let stopping = false;
  let announced = false;
  let exitCode = 0;
  const alive = new Set<Worker>();
  const listening = new Set<number>();

  const fork = (): Worker => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.on('listening', () => {
      listening.add(worker.id);
      if (!announced && listening.size >= options.count) {
        announced = true;
        options.onListening();
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    listening.delete(worker.id);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (alive.size === 0) process.exit(exitCode);
      return;
    }
    // A worker that fails before all have listened is a start that fails (a busy port, a bad setting): no restart loop.
    if (!announced && code !== 0) {
      exitCode = code ?? 1;
      if (alive.size === 0) process.exit(exitCode);
      stop('SIGTERM');
      return;
    }
    options.log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (alive.size === 0) process.exit(0);
    for (const worker of alive) worker.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let index = 0; index < options.count; index += 1) fork();
}
