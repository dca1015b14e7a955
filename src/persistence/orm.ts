import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConfig, SqliteSynchronous } from '../config';
import { ALL_ENTITIES } from './entities/all-entities';

export type Orm = MikroORM;

export const MIGRATIONS_ROOT = path.resolve(__dirname, '..', '..', 'migrations');

export interface OrmOptions {
  readonly sqliteSynchronous?: SqliteSynchronous;
  readonly debug?: boolean;
  /** Where the ORM's own messages (migrations applied, ...) go. */
  readonly log?: (message: string) => void;
}

interface SqliteHandle {
  pragma(statement: string): unknown;
}

function migrationsFor(dialect: DatabaseConfig['kind']): Options['migrations'] {
  const folder = path.join(MIGRATIONS_ROOT, dialect);
  return {
    path: folder,
    pathTs: folder,
    glob: '!(*.d).{js,ts}',
    transactional: true,
    allOrNothing: true,
    snapshot: true,
    snapshotName: '.snapshot',
    emit: 'ts',
    tableName: 'mikro_orm_migrations',
  };
}

export function createOrmOptions(database: DatabaseConfig, options: OrmOptions = {}): Options {
  const common = {
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    migrations: migrationsFor(database.kind),
    preferTs: true,
    debug: options.debug ?? false,
    logger: options.log ?? (() => undefined),
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
  } satisfies Options;
  if (database.kind === 'sqlite') {
    const synchronous = options.sqliteSynchronous ?? 'FULL';
    return {
      ...common,
      driver: BetterSqliteDriver,
      dbName: database.path,
      pool: {
        min: 1,
        max: 1,
        // WAL lets readers run beside the writer; the busy timeout makes a second process (the CLI
        // beside a running server) wait for the lock instead of failing with SQLITE_BUSY.
        afterCreate(connection: SqliteHandle, done: (error: Error | null, connection: SqliteHandle) => void) {
          connection.pragma('journal_mode = WAL');
          connection.pragma(`synchronous = ${synchronous}`);
          connection.pragma('busy_timeout = 10000');
          connection.pragma('foreign_keys = ON');
          done(null, connection);
        },
      },
    } as Options;
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: database.url,
    pool: {
      min: 0,
      max: 10,
      // Keyed statements are prepared once per connection and may keep one plan; the others are planned for
      // each run's values (PreparedStatements). `auto` is what lets the server choose so, whatever its own default.
      afterCreate(connection: { query(sql: string, callback: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) {
        connection.query('SET plan_cache_mode = auto', (error) => done(error, connection));
      },
    },
  } as Options;
}

export async function openOrm(database: DatabaseConfig, options: OrmOptions = {}): Promise<Orm> {
  if (database.kind === 'sqlite' && database.path !== ':memory:') {
    mkdirSync(path.dirname(path.resolve(database.path)), { recursive: true });
  }
  return MikroORM.init(createOrmOptions(database, options));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
