/**
 * Issue 4: impact diff and re-apply over a tenant's stored users, in process on a SQLite file.
 *   node -r @swc-node/register bench/benchmarks/mapping-lifecycle.ts [--users=100000] [--batch=1000]
 * Seeds the users straight into the file (bench/lib/seed.ts), then times: a first re-apply with the preset
 * (fills user_values), the impact diff of a draft that upper-cases the department (every user changes),
 * and the re-apply after activating it. Prints one JSON object; not part of `npm run bench` (yet).
 */
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Actor } from '../../src/domain/audit';
import type { MappingRuleDefinition, MappingSetDefinition } from '../../src/domain/mapping/mapping-set';
import { createDatabase, removeDatabase, seedUsers } from '../lib/seed';

const BENCH_ACTOR: Actor = { type: 'system', id: 'bench' };

function option(name: string, fallback: number): number {
  const given = process.argv.find((argument) => argument.startsWith(`--${name}=`));
  return given ? Number(given.slice(name.length + 3)) : fallback;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { seconds: Number(((performance.now() - started) / 1000).toFixed(2)), result };
}

async function main(): Promise<void> {
  const users = option('users', 100_000);
  const batchSize = option('batch', 1000);
  const file = path.join(os.tmpdir(), `bench-mapping-lifecycle-${process.pid}.sqlite`);
  const [tenantSeed] = await createDatabase(file, ['lifecycle']);
  const seeded = seedUsers(file, tenantSeed!, users);
  const hub = await createApp(loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false });
  try {
    const lifecycle = hub.services.mappingLifecycle;
    const tenant = await hub.services.tenants.getTenantBySlug(tenantSeed!.slug);
    const connection = await lifecycle.connectionOf(tenant);
    const initial = await timed(() => lifecycle.reapply(tenant, connection, BENCH_ACTOR, { batchSize }));

    const preset = (await lifecycle.definitionOf(tenant, connection)).definition;
    const draft: MappingSetDefinition = {
      ...preset,
      rules: preset.rules.map((rule): MappingRuleDefinition => (rule.id === 'department' ? { ...rule, pipe: ['trim', 'upper'] } : rule)),
    };
    const version = await lifecycle.createDraft(tenant, connection, draft, BENCH_ACTOR, 'bench: upper-case departments');
    const impact = await timed(() => lifecycle.impactDiff(tenant, connection, version, { batchSize }));
    await lifecycle.activate(tenant, connection, version, BENCH_ACTOR);
    const reapply = await timed(() => lifecycle.reapply(tenant, connection, BENCH_ACTOR, { batchSize }));

    const transitions = Object.values(impact.result.changedFields.department ?? {}).reduce((sum, entry) => sum + entry.count, 0);
    console.log(
      JSON.stringify(
        {
          users,
          batchSize,
          seedSeconds: seeded.seconds,
          initialReapply: { seconds: initial.seconds, processed: initial.result.processed, usersPerSecond: Math.round(users / initial.seconds) },
          impactDiff: { seconds: impact.seconds, evaluated: impact.result.usersEvaluated, unchanged: impact.result.unchanged, departmentChanges: transitions, usersPerSecond: Math.round(users / impact.seconds) },
          reapply: { seconds: reapply.seconds, processed: reapply.result.processed, failed: reapply.result.failed, usersPerSecond: Math.round(users / reapply.seconds) },
          node: process.version,
          cpus: os.cpus().length,
        },
        null,
        2,
      ),
    );
  } finally {
    await hub.close();
    removeDatabase(file);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
