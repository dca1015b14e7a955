/**
 * The statements prepared on one PostgreSQL connection, by SQL text: a text is parsed once per
 * connection under a name of its own, then only bound and executed (and, once its rows' shape is
 * known, not described either). A name counts only once the server confirmed its Parse: a text that
 * failed to parse, or was skipped after an earlier error in its batch, is parsed again next time.
 * Bounded: past PREPARED_PER_CONNECTION texts the least recently used one is closed on the server.
 * A new connection starts empty (the cache belongs to the connection object), so a replaced
 * connection never hears of its predecessor's names.
 *
 * Only keyed statements (Statement.keyed) and those without values are named. After five runs
 * PostgreSQL may give a named statement one generic plan, chosen without its values: right for a
 * lookup by key, wrong where tenants that differ by orders of magnitude want different plans (a
 * generic plan of the webhook claim made neighbours' webhooks seconds late). The unnamed statement
 * is planned for the values of each run.
 */
/** Texts kept prepared per connection (each costs the server a little memory for the session's life). */
export const PREPARED_PER_CONNECTION = 500;
/**
 * Texts with more bindings than this go unnamed: they are long IN-lists and multi-row inserts whose
 * text changes with the row count, seldom run twice on one connection.
 */
export const MAX_BINDINGS_PREPARED = 64;

/** How the rows of a statement are read: column names and their value parsers. */
export interface RowShape {
  readonly names: readonly string[];
  readonly parsers: readonly ((value: string) => unknown)[];
}

export interface PreparedStatement {
  readonly text: string;
  readonly name: string;
  /** Its rows' shape once described; null when it returns no rows; undefined until a run was described. */
  shape: RowShape | null | undefined;
}

/** What a batch does for one statement: bind `name` (the unnamed statement when ''), after a Parse when `parse`. */
export interface StatementPlan {
  readonly name: string;
  readonly parse: boolean;
  readonly prepared: PreparedStatement | undefined;
}

/** The parts of node-postgres' connection the cache listens to. */
export interface ConfirmingConnection {
  on(event: 'parseComplete' | 'closeComplete', listener: () => void): unknown;
}

const UNNAMED: StatementPlan = { name: '', parse: true, prepared: undefined };
const caches = new WeakMap<object, PreparedStatements>();

export class PreparedStatements {
  /** By text, least recently used first. */
  private readonly statements = new Map<string, PreparedStatement>();
  /** Parse messages sent and not yet confirmed, oldest first (undefined: the unnamed statement). */
  private readonly parsing: (PreparedStatement | undefined)[] = [];
  /** Close messages sent and not yet confirmed. */
  private closing: string[] = [];
  /** Names dropped from the cache that the server still holds: closed at the start of the next batch. */
  private evicted: string[] = [];
  private sequence = 0;

  private constructor() {}

  static of(connection: ConfirmingConnection): PreparedStatements {
    let cache = caches.get(connection);
    if (!cache) {
      const created = new PreparedStatements();
      // The server answers a connection's messages in order; only a batch's own Parse and Close are awaited here.
      connection.on('parseComplete', () => created.parseConfirmed());
      connection.on('closeComplete', () => created.closing.shift());
      caches.set(connection, created);
      cache = created;
    }
    return cache;
  }

  /** At the start of a batch: the names to close before anything else. */
  takeEvicted(): string[] {
    const names = this.evicted;
    this.evicted = [];
    this.closing.push(...names);
    return names;
  }

  /** The plan for one statement of the batch being written; the Parse it asks for is then awaited. */
  plan(text: string, bindings: number, keyed: boolean): StatementPlan {
    if (bindings > MAX_BINDINGS_PREPARED || (!keyed && bindings > 0)) {
      this.parsing.push(undefined);
      return UNNAMED;
    }
    const known = this.statements.get(text);
    if (known) {
      this.statements.delete(text);
      this.statements.set(text, known);
      return { name: known.name, parse: false, prepared: known };
    }
    this.sequence += 1;
    const prepared: PreparedStatement = { text, name: `ih_${this.sequence}`, shape: undefined };
    this.statements.set(text, prepared);
    this.parsing.push(prepared);
    if (this.statements.size > PREPARED_PER_CONNECTION) {
      const [oldest] = this.statements.values();
      this.statements.delete(oldest.text);
      // Closing a name the server never prepared is no error: a still unconfirmed one may go too.
      this.evicted.push(oldest.name);
    }
    return { name: prepared.name, parse: true, prepared };
  }

  /**
   * At the end of a batch: a Parse the server did not confirm (it failed, or was skipped after an
   * earlier error) leaves no name behind; a Close it did not confirm is sent again.
   */
  settle(): void {
    for (const prepared of this.parsing.splice(0)) {
      if (prepared && this.statements.get(prepared.text) === prepared) this.statements.delete(prepared.text);
    }
    this.evicted.push(...this.closing);
    this.closing = [];
  }

  private parseConfirmed(): void {
    this.parsing.shift();
  }
}
