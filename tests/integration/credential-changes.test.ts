import { Client } from 'pg';
import pino from 'pino';
import { createApp } from '../../src/app';
import { testDatabaseKind } from '../support/test-app';
import { useScimHub } from '../support/scim-client';
import { PostgresCredentialListener, SqliteChangeCounter } from '../../src/persistence/credential-changes';

/** How credential caches learn of changes made elsewhere (issue 13, instant revocation). */
describe(`credential change announcements on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let tried = 0; tried < 400 && !condition(); tried += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    if (!condition()) throw new Error(`timed out waiting for ${what}`);
  }

  if (testDatabaseKind() === 'sqlite') {
    it('SQLite: another connection committing is announced at the next catch-up; this connection\'s own writes are not', async () => {
      const counter = new SqliteChangeCounter(scim.hub.hub.database);
      const heard: (string | undefined)[] = [];
      counter.subscribe((tenantId) => heard.push(tenantId));
      await counter.catchUp();
      // This process's own connection: its writes reach the caches through watchWrites, not the counter.
      await scim.hub.createTenant();
      await counter.catchUp();
      expect(heard).toEqual([]);
      const otherProcess = await createApp(scim.hub.config, { migrate: false, backgroundJobs: false, logger: pino({ level: 'silent' }) });
      try {
        await otherProcess.services.tenants.createTenant({ slug: 'elsewhere' });
      } finally {
        await otherProcess.close();
      }
      await counter.catchUp();
      await counter.catchUp();
      expect(heard).toEqual([undefined]);
    });
  } else {
    it('PostgreSQL: a change committed anywhere names its tenant; while the listener is lost every catch-up says "anything"', async () => {
      if (scim.hub.config.database.kind !== 'postgresql') throw new Error('expected PostgreSQL');
      const url = scim.hub.config.database.url;
      const errors: unknown[] = [];
      const listener = new PostgresCredentialListener(url, { onError: (error) => errors.push(error), reconnectMs: 50 });
      const heard: (string | undefined)[] = [];
      listener.subscribe((tenantId) => heard.push(tenantId));
      try {
        await listener.start();
        heard.length = 0;
        const tenant = await scim.hub.createTenant();
        await until(() => heard.includes(tenant.tenant.id), 'the notification');
        expect(heard.every((tenantId) => tenantId === tenant.tenant.id)).toBe(true);

        heard.length = 0;
        await listener.catchUp();
        expect(heard).toEqual([]);
        const admin = new Client({ connectionString: url });
        await admin.connect();
        try {
          await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN identity_hub_credentials' AND pid <> pg_backend_pid()");
        } finally {
          await admin.end();
        }
        await until(() => errors.length > 0, 'the listener to notice');
        await listener.catchUp();
        expect(heard).toContain(undefined);
        // Back (catching up is quiet again once it listens), and hearing again.
        await until(() => {
          heard.length = 0;
          void listener.catchUp();
          return heard.length === 0;
        }, 'the listener to reconnect');
        const again = await scim.hub.createTenant();
        await until(() => heard.includes(again.tenant.id), 'a notification after reconnecting');
      } finally {
        await listener.close();
      }
    });
  }
});
