/**
 * Scratch PostgreSQL databases for the benchmarks (I4, P1): created on the machine's test server
 * (BENCH_POSTGRES_URL), migrated and given a tenant by the app's own code, dropped afterwards; and the
 * CPU time of the PostgreSQL backends serving one of them (read from /proc: the server runs here).
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { TenantSeed } from './seed';

/** Where scratch PostgreSQL databases are created; the machine's test server by default. */
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface ScratchPostgres {
  readonly name: string;
  readonly url: string;
  readonly tenant: TenantSeed;
  /** CPU seconds (user + system) used so far by the backends connected to this database (0 when /proc cannot tell). */
  backendCpuSeconds(): Promise<number>;
  drop(): Promise<void>;
}

function cpuSecondsOfPid(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export async function createPostgresDatabase(prefix: string, slug: string): Promise<ScratchPostgres> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const hub = await createApp(loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }), backgroundJobs: false });
  let tenant: TenantSeed;
  try {
    const credentials = await hub.services.tenants.createTenant({ slug });
    tenant = { slug, tenantId: credentials.tenant.id, scimToken: credentials.scimToken, apiKey: credentials.adminApiKey };
  } finally {
    await hub.close();
  }
  // Backends come and go with the pool; their CPU is summed over every pid seen so far (an ended one keeps its last reading).
  const seen = new Map<number, number>();
  return {
    name,
    url: url.toString(),
    tenant,
    async backendCpuSeconds() {
      const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name]);
        for (const { pid } of rows) {
          const seconds = cpuSecondsOfPid(pid);
          if (seconds > 0) seen.set(pid, seconds);
        }
      } finally {
        await client.end();
      }
      let total = 0;
      for (const seconds of seen.values()) total += seconds;
      return total;
    },
    async drop() {
      const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
