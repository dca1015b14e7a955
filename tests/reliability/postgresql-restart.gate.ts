import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { DEFAULT_TEST_POSTGRES_URL } from '../support/scratch-database';
import { databaseUrl, freePort, runCli, startServer } from '../support/processes';
import { directSql } from './support/direct-sql';
import { recordFigure, RELIABILITY_MODE } from './support/gate';

const WRITERS = 6;

/** Restarts the machine's PostgreSQL cluster: every connection of every database on it is cut. */
function restartPostgresql(): Promise<number | null> {
  const [version] = readdirSync('/etc/postgresql');
  return new Promise((resolve, reject) => {
    const child = spawn('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

const onPostgresql = testDatabaseKind() === 'postgresql';
/** The cluster restart cuts other suites' sessions too: only with `npm run test:reliability -- --full --pg-restart`. */
const restartEnabled = onPostgresql && RELIABILITY_MODE === 'full' && process.env.RELIABILITY_PG_RESTART === '1';

/** Issue 8, PostgreSQL restart: a write storm against the real server while its database connections are cut. */
(onPostgresql ? describe : describe.skip)(`PostgreSQL outage on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  /** POSTs users from WRITERS clients while `disrupt` runs, until a write succeeds after it (at most 30 s) and 2 s more. */
  async function writeStorm(disrupt: () => Promise<void>): Promise<string> {
    const env = { DATABASE_URL: databaseUrl(database.config) };
    const tenant = JSON.parse((await runCli(['tenant', 'create', 'storm', '--json'], env)).stdout) as { tenant: { id: string }; scimToken: string };
    const server = await startServer({ ...env, LOG_LEVEL: 'error' }, await freePort());
    const acknowledged = new Map<string, string>();
    const statuses = new Map<string, number>();
    const problems: string[] = [];
    let stop = false;
    let next = 0;
    let disruptedAt = Number.POSITIVE_INFINITY;
    let firstSuccessAfter: number | undefined;
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const writer = async () => {
      while (!stop) {
        const userName = `storm${next}@example.com`;
        next += 1;
        try {
          const response = await fetch(`${server.baseUrl}/scim/v2/Users`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${tenant.scimToken}`, 'Content-Type': 'application/scim+json' },
            body: JSON.stringify({ userName }),
          });
          const body = (await response.json()) as { id?: string };
          count(String(response.status));
          if (response.status === 201 && body.id) {
            acknowledged.set(userName, body.id);
            if (Date.now() > disruptedAt && firstSuccessAfter === undefined) firstSuccessAfter = Date.now() - disruptedAt;
          } else if (response.status === 503) {
            if (!/^\d+$/.test(response.headers.get('retry-after') ?? '')) problems.push('503 without an integer Retry-After');
            await new Promise((resolve) => setTimeout(resolve, 100));
          } else {
            problems.push(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
          }
        } catch (error) {
          count('connection error');
          problems.push(`request failed: ${(error as Error).message}`);
        }
      }
    };
    try {
      const writers = Array.from({ length: WRITERS }, writer);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const started = Date.now();
      await disrupt();
      disruptedAt = Date.now();
      for (let waited = 0; firstSuccessAfter === undefined && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      stop = true;
      await Promise.all(writers);
      expect(server.process.exitCode).toBeNull();
      // The server's error lines say which driver error became a 500.
      const serverErrors = server.output().split('\n').filter((line) => line.includes('"level":50')).map((line) => String(JSON.parse(line).err?.message).slice(-160));
      expect({ problems, serverErrors: problems.length > 0 ? serverErrors : [] }).toEqual({ problems: [], serverErrors: [] });
      expect(firstSuccessAfter).toBeDefined();
      const stored = await directSql(database.config, 'select id from users where tenant_id = $1', [tenant.tenant.id]);
      const storedIds = new Set(stored.map((row) => row.id as string));
      expect([...acknowledged].filter(([, id]) => !storedIds.has(id))).toEqual([]);
      const tally = [...statuses].map(([status, times]) => `${times}x${status}`).join(' ');
      return `${next} POSTs (${tally}) around a ${disruptedAt - started} ms outage: first 201 ${firstSuccessAfter} ms after it, same server process; ${acknowledged.size} acknowledged, 0 lost`;
    } finally {
      stop = true;
      await server.stop();
    }
  }

  it("the hub's sessions terminated 5 times during a write storm: only 503s, recovery without a server restart, 0 acknowledged writes lost", async () => {
    const name = new URL(databaseUrl(database.config)).pathname.slice(1);
    const admin = { kind: 'postgresql' as const, url: process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL };
    const figure = await writeStorm(async () => {
      for (let round = 0; round < 5; round += 1) {
        await directSql(admin, 'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
    recordFigure(figure);
  });

  (restartEnabled ? it : it.skip)('a cluster restart during a write storm: only 503s while it is down, recovery without a server restart, 0 acknowledged writes lost', async () => {
    const figure = await writeStorm(async () => {
      expect(await restartPostgresql()).toBe(0);
    });
    recordFigure(figure);
  });
});
