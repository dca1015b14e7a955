import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database next to the given one; dropped by `drop()`. */
export async function createScratchPostgresDatabase(baseUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL): Promise<ScratchDatabase> {
  const name = `ih_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
