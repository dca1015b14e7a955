/**
 * Several statements in one round trip to PostgreSQL: a node-postgres "submittable" that writes Bind,
 * Describe and Execute for each statement and one Sync after the last (the extended protocol's
 * pipelining), then reads the answers in order. The server runs them in order and, after an error,
 * skips the rest up to the Sync; node-postgres sends nothing else on the connection meanwhile.
 * A keyed text is parsed once per connection under a name (PreparedStatements); after its first run
 * it is neither parsed nor described again on that connection.
 */
import { types, type Client } from 'pg';
import { prepareValue } from 'pg/lib/utils';
import { PreparedStatements, type ConfirmingConnection, type PreparedStatement, type RowShape } from './postgres-prepared-statements';
import type { Statement, StatementResult } from './session';

interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format?: string;
}

/** The parts of node-postgres' connection a submittable writes to. */
interface WireConnection extends ConfirmingConnection {
  readonly stream: { cork?(): void; uncork?(): void };
  parse(query: { text: string; name: string; types: number[] }): void;
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

const NO_ROWS: RowShape = { names: [], parsers: [] };

class ResultBuilder implements StatementResult {
  rows: Record<string, unknown>[] = [];
  changed = 0;
  /** Set from the statement's RowDescription, or beforehand from its prepared statement's. */
  shape: RowShape | undefined;

  constructor(
    /** The prepared statement to tell its shape once this run (which was described) completes. */
    private readonly learning: PreparedStatement | undefined,
  ) {}

  describe(fields: readonly FieldDescription[]): void {
    this.shape = {
      names: fields.map((field) => field.name),
      parsers: fields.map((field) => types.getTypeParser(field.dataTypeID, (field.format ?? 'text') as 'text') as (value: string) => unknown),
    };
  }

  add(values: readonly (string | null)[]): void {
    const { names, parsers } = this.shape ?? NO_ROWS;
    const row: Record<string, unknown> = {};
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      row[names[index]] = value === null ? null : parsers[index](value);
    }
    this.rows.push(row);
  }

  complete(text: string): void {
    // "INSERT 0 3", "UPDATE 2", "SELECT 5", "BEGIN": the last number is the row count.
    const count = /(\d+)$/.exec(text);
    this.changed = count ? Number(count[1]) : 0;
    // Described and no RowDescription came: the statement returns no rows.
    if (this.learning) this.learning.shape = this.shape ?? null;
  }
}

/** Submitted with `client.query(...)`; `text` names the statements for logs and counters. */
export class Pipeline {
  readonly text: string;
  callback: ((error: Error | null, results?: StatementResult[]) => void) | undefined;
  private results: ResultBuilder[] = [];
  private prepared: PreparedStatements | undefined;
  private current = 0;
  private done = false;

  private constructor(private readonly statements: readonly Statement[]) {
    this.text = statements.map((statement) => statement.sql).join(';\n');
  }

  static run(client: Client, statements: readonly Statement[]): Promise<StatementResult[]> {
    const pipeline = new Pipeline(statements);
    return new Promise((resolve, reject) => {
      pipeline.callback = (error, results) => (error ? reject(error) : resolve(results ?? []));
      void client.query(pipeline as never);
    });
  }

  /** Called by node-postgres when the connection is ours; a returned error is reported through handleError. */
  submit(connection: WireConnection): Error | null {
    let values: unknown[][];
    try {
      values = this.statements.map((statement) => statement.bindings.map((value) => prepareValue(value)));
    } catch (error) {
      return error as Error;
    }
    const prepared = PreparedStatements.of(connection);
    this.prepared = prepared;
    connection.stream.cork?.();
    try {
      for (const name of prepared.takeEvicted()) connection.close({ type: 'S', name });
      this.results = this.statements.map((statement, index) => {
        const plan = prepared.plan(statement.sql, values[index].length, statement.keyed === true);
        if (plan.parse) connection.parse({ text: statement.sql, name: plan.name, types: [] });
        connection.bind({ portal: '', statement: plan.name, values: values[index] });
        const shape = plan.prepared?.shape;
        if (shape === undefined) connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
        const result = new ResultBuilder(shape === undefined ? plan.prepared : undefined);
        if (shape) result.shape = shape;
        return result;
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: FieldDescription[] }): void {
    this.results[this.current]?.describe(message.fields);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.results[this.current]?.add(message.fields);
  }

  handleCommandComplete(message: { text: string }): void {
    this.results[this.current]?.complete(message.text);
    this.current += 1;
  }

  handleEmptyQuery(): void {
    this.current += 1;
  }

  handlePortalSuspended(): void {
    // Execute asks for every row (rows: 0): a portal is never suspended.
  }

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail('COPY is not supported in a pipeline');
  }

  handleCopyData(): void {
    // Never started: see handleCopyInResponse.
  }

  /** The first error ends the batch (the server skips the rest); node-postgres then waits for ReadyForQuery itself. */
  handleError(error: Error): void {
    this.finish(error);
  }

  handleReadyForQuery(): void {
    this.finish(null);
  }

  private finish(error: Error | null): void {
    if (this.done) return;
    this.done = true;
    // Nothing of this batch is answered after its error or its ReadyForQuery.
    this.prepared?.settle();
    this.callback?.(error, error ? undefined : this.results);
  }
}
