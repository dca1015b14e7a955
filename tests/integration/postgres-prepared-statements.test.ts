import { Client } from 'pg';
import { testDatabaseKind } from '../support/test-app';
import { createScratchPostgresDatabase, type ScratchDatabase } from '../support/scratch-database';
import { Pipeline } from '../../src/persistence/postgres-pipeline';
import { MAX_BINDINGS_PREPARED, PREPARED_PER_CONNECTION } from '../../src/persistence/postgres-prepared-statements';
import type { Statement } from '../../src/persistence/session';
import { openOrm } from '../../src/persistence/orm';
import { Database } from '../../src/persistence/database';
import { keyed } from '../../src/persistence/keyed-query';

/**
 * Named statements in the PostgreSQL pipeline, observed on the server (pg_prepared_statements of the
 * connection): each keyed text is parsed once per connection, a failed or skipped Parse leaves no name
 * behind, the names per connection are bounded, and a text that is not keyed stays unnamed. The wire protocol is PostgreSQL's: on SQLite
 * (better-sqlite3 keeps its own prepared statements) there is nothing of this to test.
 */
const onPostgres = testDatabaseKind() === 'postgresql' ? describe : describe.skip;

onPostgres('named statements in the PostgreSQL pipeline', () => {
  let scratch: ScratchDatabase;
  let client: Client;

  beforeAll(async () => {
    scratch = await createScratchPostgresDatabase();
  });

  afterAll(async () => {
    await scratch.drop();
  });

  beforeEach(async () => {
    client = new Client({ connectionString: scratch.url });
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, label text NOT NULL)');
    await client.query('TRUNCATE items');
  });

  afterEach(async () => {
    await client.end();
  });

  function statement(sql: string, bindings: unknown[] = [], keyed = true): Statement {
    return { sql, bindings, rows: true, keyed };
  }

  /** The texts the pipeline has prepared on `on`, as the server lists them (the listing's own text left out). */
  async function preparedTexts(on: Client = client): Promise<string[]> {
    const listing = "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'ih\\_%' ORDER BY prepare_time, name";
    const [result] = await Pipeline.run(on, [statement(listing)]);
    return (result.rows as { statement: string }[]).map((row) => row.statement).filter((text) => text !== listing);
  }

  async function failure(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
    const error = (await work.then(() => undefined, (caught: unknown) => caught)) as { code?: string; message: string } | undefined;
    if (!error) throw new Error('expected the batch to fail');
    return error;
  }

  // A generic plan chosen on small tenants stalled the webhook queue of a big one (noisy-neighbour gate:
  // neighbours' webhooks 5.9 s late instead of 0.1 s): only keyed statements may keep one plan.
  it("through the hub's connections, a keyed query keeps one generic plan and any other is planned for each run", async () => {
    const orm = await openOrm({ kind: 'postgresql', url: scratch.url });
    try {
      const database = new Database(orm);
      const lookup = 'SELECT label FROM items WHERE id = ?';
      const range = 'SELECT count(*)::int AS n FROM items WHERE id >= ?';
      const seen = await database.transaction(async (tx) => {
        await tx.run("INSERT INTO items (id, label) VALUES (1, 'one')");
        const labels: unknown[] = [];
        for (let run = 0; run < 8; run += 1) {
          labels.push(...(await tx.all(keyed(lookup), [1])));
          await tx.all(range, [run]);
        }
        const mode = await tx.all<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
        // With a value of its own, the listing is not keyed either, so it does not list itself.
        const plans = await tx.all<{ statement: string; generic_plans: number | string; custom_plans: number | string }>(
          'SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ?',
          ['SELECT % FROM items WHERE id %'],
        );
        return { labels, mode, plans };
      });
      expect(seen.mode).toEqual([{ plan_cache_mode: 'auto' }]);
      expect(seen.labels).toEqual(Array.from({ length: 8 }, () => ({ label: 'one' })));
      // PostgreSQL plans a named statement for its values five times, then compares with the generic plan.
      expect(seen.plans.map((plan) => ({ statement: plan.statement, generic: Number(plan.generic_plans), custom: Number(plan.custom_plans) }))).toEqual([
        { statement: 'SELECT label FROM items WHERE id = $1', generic: 3, custom: 5 },
      ]);
    } finally {
      await orm.close();
    }
  });

  it('a text that is not keyed runs unnamed: parsed and planned for every run, never prepared', async () => {
    const text = 'SELECT $1::int * 2 AS n';
    const results = await Pipeline.run(client, [statement(text, [1], false), statement(text, [2], false)]);
    const again = await Pipeline.run(client, [statement(text, [3], false)]);
    expect([...results, ...again].map((result) => result.rows)).toEqual([[{ n: 2 }], [{ n: 4 }], [{ n: 6 }]]);
    expect(await preparedTexts()).toEqual([]);
  });

  it('parses a text once per connection and runs it again with new values and its rows as before', async () => {
    const text = 'SELECT $1::int AS n, $2::text AS label, now() AS at';
    const first = await Pipeline.run(client, [statement(text, [1, 'a']), statement(text, [2, 'b'])]);
    const again = await Pipeline.run(client, [statement(text, [3, 'c'])]);
    const rows = [...first, ...again].map((result) => result.rows[0] as { n: number; label: string; at: unknown });
    expect(rows.map((row) => ({ n: row.n, label: row.label, at: row.at instanceof Date }))).toEqual([
      { n: 1, label: 'a', at: true },
      { n: 2, label: 'b', at: true },
      { n: 3, label: 'c', at: true },
    ]);
    expect(await preparedTexts()).toEqual([text]);
  });

  it('a prepared write reports the rows it changed on every run', async () => {
    const insert = 'INSERT INTO items (id, label) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING';
    const counts: number[] = [];
    for (const id of [1, 2, 1]) counts.push((await Pipeline.run(client, [statement(insert, [id, `item ${id}`])]))[0].changed);
    expect(counts).toEqual([1, 1, 0]);
    expect(await preparedTexts()).toEqual([insert]);
  });

  it('a text that fails to parse leaves no name behind and fails the same way every time', async () => {
    const broken = 'SELEC $1::int';
    const errors = [await failure(Pipeline.run(client, [statement(broken, [1])])), await failure(Pipeline.run(client, [statement(broken, [1])]))];
    expect(errors.map((error) => error.code)).toEqual(['42601', '42601']);
    expect(await preparedTexts()).toEqual([]);
    const [result] = await Pipeline.run(client, [statement('SELECT $1::int AS n', [7])]);
    expect(result.rows).toEqual([{ n: 7 }]);
  });

  it('a text skipped after an earlier error in its batch is parsed again next time; one that failed running stays prepared', async () => {
    const dividing = 'SELECT 10 / $1::int AS q';
    const skipped = 'SELECT label FROM items WHERE id = $1';
    await client.query("INSERT INTO items VALUES (1, 'one')");
    const error = await failure(Pipeline.run(client, [statement('BEGIN'), statement(dividing, [0]), statement(skipped, [1])]));
    expect(error.code).toBe('22012');
    await client.query('ROLLBACK');
    const [quotient, label] = await Pipeline.run(client, [statement(dividing, [5]), statement(skipped, [1])]);
    expect([quotient.rows, label.rows]).toEqual([[{ q: 2 }], [{ label: 'one' }]]);
    expect((await preparedTexts()).sort()).toEqual(['BEGIN', dividing, skipped].sort());
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} texts per connection, closing the least recently used`, async () => {
    const texts = Array.from({ length: PREPARED_PER_CONNECTION + 10 }, (_, index) => `SELECT $1::int + ${index} AS n`);
    for (let start = 0; start < texts.length; start += 100) {
      await Pipeline.run(client, texts.slice(start, start + 100).map((text) => statement(text, [1])));
    }
    // Names dropped from the cache are closed at the start of the next batch (here: the listing's).
    const prepared = await preparedTexts();
    expect(prepared.length).toBe(PREPARED_PER_CONNECTION);
    expect(prepared).toEqual(texts.slice(10));
    const [oldest] = await Pipeline.run(client, [statement(texts[0], [1])]);
    expect(oldest.rows).toEqual([{ n: 1 }]);
  });

  it(`a text with more than ${MAX_BINDINGS_PREPARED} bindings runs unnamed`, async () => {
    const values = Array.from({ length: MAX_BINDINGS_PREPARED + 1 }, (_, index) => index);
    const long = `SELECT count(*)::int AS n FROM (VALUES ${values.map((_, index) => `($${index + 1}::int)`).join(', ')}) AS v(x)`;
    const [result] = await Pipeline.run(client, [statement(long, values)]);
    expect(result.rows).toEqual([{ n: values.length }]);
    expect(await preparedTexts()).toEqual([]);
  });

  it('a new connection starts with no names: the same text is prepared on it afresh', async () => {
    const text = 'SELECT $1::text AS label';
    await Pipeline.run(client, [statement(text, ['old'])]);
    const replacement = new Client({ connectionString: scratch.url });
    await replacement.connect();
    try {
      const [result] = await Pipeline.run(replacement, [statement(text, ['new'])]);
      expect(result.rows).toEqual([{ label: 'new' }]);
      expect(await preparedTexts(replacement)).toEqual([text]);
    } finally {
      await replacement.end();
    }
  });
});
