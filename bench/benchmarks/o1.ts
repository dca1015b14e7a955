/**
 * O1: repository hot paths vs raw prepared statements, in-process (in a child process of its own, so
 * the harness's heap and autocannon's JIT state stay out of it). Runs on the groups database (the
 * same file S5-S7 use), once with the default durability and once with NORMAL for the member writes.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { check, type BenchmarkResult, type Check, type Context } from '../lib/harness';
import { PROJECT_ROOT } from '../lib/servers';
import { show } from '../lib/stats';
import { groupsDataset, sizesFor, type Sizes } from './datasets';
import type { O1Job, O1OpResult } from './o1-worker';

const WORKER = path.join(PROJECT_ROOT, 'bench', 'benchmarks', 'o1-worker.ts');

function runWorker(context: Context, job: O1Job): Promise<O1OpResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', WORKER], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const budget = (job.runs * 2 + 2) * (job.seconds + job.warmupSeconds) * 8 + 120;
    const watchdog = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`O1 worker did not finish within ${budget} s`));
    }, budget * 1000);
    child.on('message', (message: { type: string; results?: O1OpResult[]; message?: string }) => {
      if (message.type === 'progress' && message.message) context.log(message.message);
      if (message.type === 'result' && message.results) {
        clearTimeout(watchdog);
        resolve(message.results);
      }
      if (message.type === 'error') {
        clearTimeout(watchdog);
        reject(new Error(`O1 worker: ${message.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(watchdog);
      reject(new Error(`O1 worker exited with ${code}`));
    });
    child.send(job);
  });
}

export async function runO1(context: Context, overrides: Partial<Sizes>): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'seconds'>> {
  const sizes = sizesFor(context.mode, overrides);
  const data = await groupsDataset(context, sizes);
  const { mode } = context;
  const groupId = data.groupIds.get('o1');
  if (!groupId) throw new Error('no o1 group');
  const sample = Math.min(1000, sizes.s6Big);
  const step = Math.max(1, Math.floor(sizes.s6Big / sample));
  const userIndexes = Array.from({ length: sample }, (_, index) => index * step);
  const base: O1Job = {
    file: data.file,
    tenantId: data.tenant.tenantId,
    slug: data.tenant.slug,
    userIds: userIndexes.map((index) => data.userIds[index]),
    userIndexes,
    groupId,
    poolIds: data.userIds.slice(data.userIds.length - sample) as string[],
    memberIds: userIndexes.map((index) => data.userIds[index]),
    runs: mode.runs,
    seconds: mode.smoke ? 0.1 : 2,
    warmupSeconds: mode.smoke ? 0.05 : 0.5,
    maxOps: mode.smoke ? 2000 : 200_000,
    synchronous: 'FULL',
  };
  const full = await runWorker(context, base);
  // The member writes again with SQLITE_SYNCHRONOUS=NORMAL, where the fsync no longer hides the overhead (full runs).
  const normal = mode.smoke ? [] : await runWorker(context, { ...base, synchronous: 'NORMAL', only: 'add/remove' });
  const ops = [...full, ...normal];
  const checks: Check[] = ops.map((op) =>
    check(
      'O1',
      `${op.name}: repository vs raw prepared statements`,
      '>= 50%',
      `${show(op.ratio * 100, 0)}% (${show(op.repository.opsPerSecond.median, 0)} vs ${show(op.raw.opsPerSecond.median, 0)} ops/s; p50 ${show(op.repository.p50.median * 1000, 0)} vs ${show(op.raw.p50.median * 1000, 0)} us)`,
      op.ratio >= 0.5,
    ),
  );
  // A repository hot path whose SELECT walks a whole tenant instead of seeking a key is a scale bug.
  for (const op of full) {
    const tenantWide = (plan: { sql: string; plan: string }) => /USING (COVERING )?INDEX \S+ \(tenant_id=\?\)$/.test(plan.plan);
    const walks = op.plans.filter(
      (plan) => /\bSCAN\b|not explained/.test(plan.plan) || (tenantWide(plan) && (/user_name_norm|external_id|member_id`?\s*>/.test(plan.sql) || /count\(\*\)/i.test(plan.sql))),
    );
    checks.push(
      check('O1', `${op.name}: every SELECT seeks by key`, 'no scans', walks.length === 0 ? `${op.statements} statements, plans ok` : walks.map((walk) => walk.plan).join(' | '), walks.length === 0),
    );
  }
  return {
    cases: [],
    ratios: [],
    checks,
    seeding: data.seeding,
    notes: [
      `In-process, sequential, ${mode.runs} alternated runs of ${base.seconds} s per side and op; table of ${sizes.groupUsers} users, group of ${sizes.s6Big} members.`,
      ...full.map((op) => `${op.name}: ${op.statements} statements per repository call; plans: ${op.plans.map((plan) => plan.plan).join(' / ') || '-'}`),
    ],
    extra: { ops },
  };
}
