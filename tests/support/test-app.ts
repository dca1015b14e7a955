import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/config';
import { createApp, type CreateAppOptions, type IdentityHub } from '../../src/app';
import type { TenantCredentials } from '../../src/services/tenant.service';
import { createScratchPostgresDatabase, type ScratchDatabase } from './scratch-database';

export type TestDatabaseKind = 'sqlite' | 'postgresql';

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.TEST_DATABASE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgresql') throw new Error(`TEST_DATABASE must be sqlite or postgresql, got ${kind}`);
  return kind;
}

export interface TestDatabase {
  readonly config: DatabaseConfig;
  drop(): Promise<void>;
}

/** A fresh, empty database of the kind this test project runs on; the schema comes from the real migrations. */
export async function createTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const file = path.join(os.tmpdir(), `identity-hub-test-${randomUUID()}.sqlite`);
    return {
      config: { kind: 'sqlite', path: file },
      async drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      },
    };
  }
  const scratch: ScratchDatabase = await createScratchPostgresDatabase();
  return { config: { kind: 'postgresql', url: scratch.url }, drop: () => scratch.drop() };
}

/** The test receivers' address: tests of the outbound policy set OUTBOUND_ALLOW_HOSTS themselves. */
export const TEST_OUTBOUND_ALLOW_HOSTS = '127.0.0.1';

export interface TestHub {
  readonly hub: IdentityHub;
  readonly config: Config;
  readonly http: ReturnType<typeof request>;
  createTenant(slug?: string): Promise<TenantCredentials>;
  close(): Promise<void>;
}

/** The real app (createApp) on a fresh database, served in-process for supertest. */
export async function createTestHub(env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<TestHub> {
  const database = await createTestDatabase();
  // The hub shares this process's event loop with the test itself (seeding, assertions), so the loop's
  // lateness is not the server's: load shedding by lag is off unless a test sets it. Webhook receivers
  // and OIDC providers of the tests listen on 127.0.0.1: the outbound allow-list lets the hub call them.
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', SCIM_MAX_EVENT_LOOP_LAG_MS: '55000', OUTBOUND_ALLOW_HOSTS: TEST_OUTBOUND_ALLOW_HOSTS, ...env }), database: database.config };
  const hub = await createApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...options });
  const server = hub.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    hub,
    config,
    http: request(server),
    createTenant: (slug = `t-${randomUUID().slice(0, 8)}`) => hub.services.tenants.createTenant({ slug }),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      await database.drop();
    },
  };
}

/** Bearer header for a SCIM token. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
