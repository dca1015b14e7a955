/**
 * Several statements in one round trip to PostgreSQL: a node-postgres "submittable" that writes Parse,
 * Bind, Describe and Execute for each statement and one Sync after the last (the extended protocol's
 * pipelining), then reads the answers in order. The server runs them in order and, after an error,
 * skips the rest up to the Sync; node-postgres sends nothing else on the connection meanwhile.
 */
import { types, type Client } from 'pg';
import { prepareValue } from 'pg/lib/utils';
import type { Statement, StatementResult } from './session';

interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format?: string;
}

/** The parts of node-postgres' connection a submittable writes to. */
interface WireConnection {
  readonly stream: { cork?(): void; uncork?(): void };
  parse(query: { text: string; name: string; types: number[] }): void;
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

class ResultBuilder implements StatementResult {
  rows: Record<string, unknown>[] = [];
  changed = 0;
  private names: string[] = [];
  private parsers: ((value: string) => unknown)[] = [];

  describe(fields: readonly FieldDescription[]): void {
    this.names = fields.map((field) => field.name);
    this.parsers = fields.map((field) => types.getTypeParser(field.dataTypeID, (field.format ?? 'text') as 'text') as (value: string) => unknown);
  }

  add(values: readonly (string | null)[]): void {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      row[this.names[index]] = value === null ? null : this.parsers[index](value);
    }
    this.rows.push(row);
  }

  complete(text: string): void {
    // "INSERT 0 3", "UPDATE 2", "SELECT 5", "BEGIN": the last number is the row count.
    const count = /(\d+)$/.exec(text);
    this.changed = count ? Number(count[1]) : 0;
  }
}

/** Submitted with `client.query(...)`; `text` names the statements for logs and counters. */
export class Pipeline {
  readonly text: string;
  callback: ((error: Error | null, results?: StatementResult[]) => void) | undefined;
  private readonly results: ResultBuilder[];
  private current = 0;
  private done = false;

  private constructor(private readonly statements: readonly Statement[]) {
    this.text = statements.map((statement) => statement.sql).join(';\n');
    this.results = statements.map(() => new ResultBuilder());
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
    connection.stream.cork?.();
    try {
      this.statements.forEach((statement, index) => {
        connection.parse({ text: statement.sql, name: '', types: [] });
        connection.bind({ portal: '', statement: '', values: values[index] });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
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
    this.callback?.(error, error ? undefined : this.results);
  }
}
