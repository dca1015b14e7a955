import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
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

/**
 * Issue 8, PostgreSQL restart during a write storm. It cuts every session on the cluster, other
 * suites' included, so it runs only with `npm run test:reliability -- --full --pg-restart`.
 */
const enabled = RELIABILITY_MODE === 'full' && process.env.RELIABILITY_PG_RESTART === '1' && testDatabaseKind() === 'postgresql';

(enabled ? describe : describe.skip)(`PostgreSQL restart on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('a restart during a write storm: only 503s while it is down, recovery without a server restart, 0 acknowledged writes lost', async () => {
    const env = { DATABASE_URL: databaseUrl(database.config) };
    const tenant = JSON.parse(runCli(['tenant', 'create', 'storm', '--json'], env).stdout) as { tenant: { id: string }; scimToken: string };
    const server = await startServer(env, await freePort());
    const acknowledged = new Map<string, string>();
    const statuses = new Map<string, number>();
    const problems: string[] = [];
    let stop = false;
    let next = 0;
    let restartedAt = Number.POSITIVE_INFINITY;
    let firstSuccessAfterRestart: number | undefined;
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
            if (Date.now() > restartedAt && firstSuccessAfterRestart === undefined) firstSuccessAfterRestart = Date.now() - restartedAt;
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
      const restartStarted = Date.now();
      const exit = await restartPostgresql();
      restartedAt = Date.now();
      expect(exit).toBe(0);
      // Writes go on against the same server process until it has recovered, for at most 30 s.
      for (let waited = 0; firstSuccessAfterRestart === undefined && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      stop = true;
      await Promise.all(writers);
      expect(server.process.exitCode).toBeNull();
      expect(problems).toEqual([]);
      expect(firstSuccessAfterRestart).toBeDefined();
      const stored = await directSql(database.config, 'select id, user_name from users where tenant_id = $1', [tenant.tenant.id]);
      const storedIds = new Set(stored.map((row) => row.id as string));
      const lost = [...acknowledged].filter(([, id]) => !storedIds.has(id));
      expect(lost).toEqual([]);
      const tally = [...statuses].map(([status, times]) => `${times}x${status}`).join(' ');
      recordFigure(
        `${next} POSTs (${tally}) around a ${restartedAt - restartStarted} ms restart: first 201 ${firstSuccessAfterRestart} ms after it, same server process; ${acknowledged.size} acknowledged, 0 lost`,
      );
    } finally {
      stop = true;
      await server.stop();
    }
  });
});
