/**
 * Writes a migration for each dialect from the difference between the entity definitions and the
 * snapshot of the previous migrations: `npm run migration:create`. Needs the local PostgreSQL
 * (DATABASE_URL_FOR_MIGRATIONS or postgres://postgres@127.0.0.1:5432/test) to render its dialect.
 */
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { openOrm } from '../src/persistence/orm';
import { createScratchPostgresDatabase } from '../tests/support/scratch-database';

async function createFor(database: Parameters<typeof openOrm>[0]) {
  const orm = await openOrm(database);
  try {
    const migrator = orm.getMigrator();
    await migrator.up();
    const result = await migrator.createMigration();
    console.log(`${database.kind}: ${result.fileName || 'no changes'}`);
  } finally {
    await orm.close(true);
  }
}

async function main() {
  const sqliteFile = path.join(os.tmpdir(), `identity-hub-migration-${randomUUID()}.sqlite`);
  try {
    await createFor({ kind: 'sqlite', path: sqliteFile });
  } finally {
    rmSync(sqliteFile, { force: true });
    rmSync(`${sqliteFile}-wal`, { force: true });
    rmSync(`${sqliteFile}-shm`, { force: true });
  }
  const scratch = await createScratchPostgresDatabase(process.env.DATABASE_URL_FOR_MIGRATIONS);
  try {
    await createFor({ kind: 'postgresql', url: scratch.url });
  } finally {
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
