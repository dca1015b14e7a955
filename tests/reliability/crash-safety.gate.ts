import Database from 'better-sqlite3';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { databaseUrl, freePort, runCli, startServer, type RunningServer } from '../support/processes';
import { directSql } from './support/direct-sql';
import { recordFigure, sized } from './support/gate';

const PLANNED_USERS = 10_000;
const IN_FLIGHT = 8;

interface StoredState {
  readonly userNames: Set<string>;
  readonly userIds: Set<string>;
  readonly createdAudits: Set<string>;
}

/** Issue 8, Crash safety: kill -9 of the real server process at random moments while an IdP provisions. */
describe(`Crash safety on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: databaseUrl(database.config), SQLITE_SYNCHRONOUS: 'FULL' };
  });
  afterAll(async () => {
    await database.drop();
  });

  async function readState(tenantId: string): Promise<StoredState> {
    const users = await directSql(database.config, 'select id, user_name from users where tenant_id = $1', [tenantId]);
    const audits = await directSql(database.config, "select target_id from audit_events where tenant_id = $1 and action = 'user.created'", [tenantId]);
    return { userNames: new Set(users.map((row) => row.user_name)), userIds: new Set(users.map((row) => row.id)), createdAudits: new Set(audits.map((row) => row.target_id)) };
  }

  function integrityCheck(): string {
    if (database.config.kind !== 'sqlite') return 'n/a';
    const sqlite = new Database(database.config.path);
    try {
      return (sqlite.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ');
    } finally {
      sqlite.close();
    }
  }

  it('kill -9 at random moments of a 10,000-user provisioning run: database intact, every acknowledged write present, audit rows match', async () => {
    const kills = sized(3, 20);
    const created = await runCli(['tenant', 'create', 'crash', '--json'], env);
    expect(created.status).toBe(0);
    const tenant = JSON.parse(created.stdout) as { tenant: { id: string }; scimToken: string };
    const acknowledged = new Map<string, string>();
    let next = 0;
    const checks: string[] = [];
    const integrity: string[] = [];

    for (let round = 0; round < kills; round += 1) {
      const server: RunningServer = await startServer(env, await freePort());
      let killed = false;
      const provision = async () => {
        while (!killed && next < PLANNED_USERS) {
          const userName = `crash${next}@example.com`;
          next += 1;
          try {
            const response = await fetch(`${server.baseUrl}/scim/v2/Users`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${tenant.scimToken}`, 'Content-Type': 'application/scim+json' },
              body: JSON.stringify({ userName, emails: [{ value: userName, type: 'work' }] }),
            });
            const body = (await response.json()) as { id?: string };
            if (response.status === 201 && body.id) acknowledged.set(userName, body.id);
            else expect(response.status).toBeLessThan(500);
          } catch {
            // The connection died with the server: this write was never acknowledged.
          }
        }
      };
      const workers = Array.from({ length: IN_FLIGHT }, provision);
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 2_500));
      killed = true;
      await server.stop('SIGKILL');
      await Promise.all(workers);
      integrity.push(integrityCheck());

      const state = await readState(tenant.tenant.id);
      const missing = [...acknowledged].filter(([userName, id]) => !state.userNames.has(userName) || !state.userIds.has(id));
      const unaudited = [...state.userIds].filter((id) => !state.createdAudits.has(id));
      const orphanAudits = [...state.createdAudits].filter((id) => !state.userIds.has(id));
      expect({ round, missing, unaudited, orphanAudits }).toEqual({ round, missing: [], unaudited: [], orphanAudits: [] });
      checks.push(`${acknowledged.size}/${state.userIds.size}`);
    }
    expect(integrity.filter((result) => result !== 'ok' && result !== 'n/a')).toEqual([]);

    // The hub serves again on the database it was killed on.
    const restarted = await startServer(env, await freePort());
    try {
      const response = await fetch(`${restarted.baseUrl}/scim/v2/Users?count=1&filter=${encodeURIComponent('userName sw "crash"')}`, { headers: { Authorization: `Bearer ${tenant.scimToken}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { totalResults: number }).totalResults).toBeGreaterThanOrEqual(acknowledged.size);
    } finally {
      await restarted.stop();
    }
    recordFigure(
      `${kills} kill -9s after ${next} of ${PLANNED_USERS} POSTs sent: integrity_check ${integrity.join('/')}; acknowledged/stored after each kill ${checks.join(', ')}, 0 acknowledged lost, audit rows = users`,
    );
  });
});
