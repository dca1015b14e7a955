import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../../src/config';

/** Runs one statement on the database directly, outside any hub process ($1, $2... placeholders on both). */
export async function directSql(config: DatabaseConfig, sql: string, parameters: unknown[] = []): Promise<Record<string, any>[]> {
  if (config.kind === 'sqlite') {
    const sqlite = new Database(config.path);
    try {
      const statement = sqlite.prepare(sql.replace(/\$\d+/g, '?'));
      return statement.reader ? (statement.all(...parameters) as Record<string, any>[]) : (statement.run(...parameters), []);
    } finally {
      sqlite.close();
    }
  }
  const client = new Client({ connectionString: config.url });
  await client.connect();
  try {
    return (await client.query(sql, parameters)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of every table as JSON text, for grepping. */
export async function dumpDatabase(config: DatabaseConfig): Promise<string> {
  const tables =
    config.kind === 'sqlite'
      ? await directSql(config, "select name from sqlite_master where type = 'table'")
      : await directSql(config, "select table_name as name from information_schema.tables where table_schema = current_schema()");
  const dump: string[] = [];
  for (const { name } of tables) dump.push(`${name}: ${JSON.stringify(await directSql(config, `select * from "${name}"`))}`);
  return dump.join('\n');
}
