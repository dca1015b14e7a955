import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, testDatabaseKind } from '../support/test-app';

describe(`logs and storage settings on ${testDatabaseKind()}`, () => {
  it('every request is logged with a request id, and no SCIM token or API key appears in any log line', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const database = await createTestDatabase();
    const hub = await createApp({ ...loadConfig({}), database: database.config }, { logger: pino({ level: 'info' }, sink) });
    try {
      const tenant = await hub.services.tenants.createTenant({ slug: 'logged' });
      const http = request(hub.app);
      const auth = { Authorization: `Bearer ${tenant.scimToken}` };
      await http.post('/scim/v2/Users').set(auth).send({ userName: 'logged@example.com', password: 'hunter2' });
      await http.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "logged@example.com"')}`).set(auth);
      await http.get('/scim/v2/Users').set({ Authorization: `Bearer ${tenant.adminApiKey}` });
      const supplied = await http.get('/scim/v2/Users').set(auth).set('X-Request-Id', 'trace-123');
      expect(supplied.headers['x-request-id']).toBe('trace-123');

      const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
      expect(requestLines).toHaveLength(4);
      for (const entry of requestLines) expect(entry.requestId).toEqual(expect.any(String));
      expect(requestLines.map((entry) => entry.status)).toEqual([201, 200, 401, 200]);
      expect(requestLines[3].requestId).toBe('trace-123');
      const everything = lines.join('\n');
      for (const secret of [tenant.scimToken, tenant.adminApiKey, 'hunter2', 'logged@example.com']) expect(everything).not.toContain(secret);
    } finally {
      await hub.close();
      await database.drop();
    }
  });

  if (testDatabaseKind() === 'sqlite') {
    it('SQLite runs in WAL mode with synchronous=FULL and a busy timeout', async () => {
      const database = await createTestDatabase();
      const hub = await createApp({ ...loadConfig({ LOG_LEVEL: 'silent' }), database: database.config });
      try {
        const pragma = async (name: string) =>
          Object.values((await hub.database.read((tx) => tx.first<Record<string, unknown>>(tx.knex.raw(`pragma ${name}`)))) ?? {})[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('synchronous')).toBe(2);
        expect(await pragma('busy_timeout')).toBe(10000);
      } finally {
        await hub.close();
        await database.drop();
      }
    });
  }
});
