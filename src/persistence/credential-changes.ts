import { Client, type Notification } from 'pg';
import type { Database } from './database';

/** The tenant whose credentials changed, or undefined when any may have. */
export type CredentialChangeListener = (tenantId: string | undefined) => void;

/** PostgreSQL channel the credential tables' triggers notify (migration `_credential_notify`), with the tenant id as payload. */
export const CREDENTIAL_CHANNEL = 'identity_hub_credentials';

/**
 * Tells credential caches that another process or node changed credentials (a SCIM token rotated by the
 * CLI, an API key revoked or an OIDC provider removed on another node), so they stop answering from
 * memory on the next request. Writes of this process reach its caches through Database.watchWrites.
 */
export interface CredentialChanges {
  /** Called before a cache answers: announces every change committed elsewhere until now that it knows of. */
  catchUp(): Promise<void>;
  subscribe(listener: CredentialChangeListener): void;
  close(): Promise<void>;
}

abstract class Announcer {
  private readonly listeners: CredentialChangeListener[] = [];

  subscribe(listener: CredentialChangeListener): void {
    this.listeners.push(listener);
  }

  protected announce(tenantId: string | undefined): void {
    for (const listener of this.listeners) listener(tenantId);
  }
}

/** How often SQLite's change counter is read when no request reads it. */
const SQLITE_POLL_MS = 1_000;

/**
 * SQLite: `PRAGMA data_version`, read per request (a few microseconds, no I/O), changes whenever another
 * connection committed to the file. It cannot say what changed, so every cached credential is dropped,
 * and only when another process wrote at all (the CLI, a second server on the same file: rare).
 */
export class SqliteChangeCounter extends Announcer implements CredentialChanges {
  private seen: number | undefined;
  private readonly poll: NodeJS.Timeout;

  constructor(private readonly database: Database) {
    super();
    // Requests catch up themselves; the poll is for what no request asks about (open subscription sockets).
    this.poll = setInterval(() => this.catchUp().catch(() => undefined), SQLITE_POLL_MS).unref();
  }

  async catchUp(): Promise<void> {
    const version = await this.database.sqliteDataVersion();
    if (this.seen !== undefined && version !== this.seen) this.announce(undefined);
    this.seen = version;
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
  }
}

export interface ListenerOptions {
  readonly onError: (error: unknown) => void;
  /** First wait before reconnecting a lost listener; doubles up to 30 s. */
  readonly reconnectMs?: number;
}

const MAX_RECONNECT_MS = 30_000;
/** The listener proves it is alive this often: a connection lost without a reset would otherwise leave the caches on while deaf. */
const HEARTBEAT_MS = 10_000;
/** Connecting, and a heartbeat, may take this long before the connection counts as lost. */
const LISTENER_TIMEOUT_MS = 5_000;

/**
 * PostgreSQL: one connection per process LISTENs on CREDENTIAL_CHANNEL; the triggers on tenants,
 * connections, api_keys and oidc_providers NOTIFY it with the tenant id when a change commits, on any
 * node. While the listener is down (connecting, lost, or silent past a heartbeat), nothing may be
 * answered from a cache: every catchUp announces "anything may have changed" until it listens again.
 */
export class PostgresCredentialListener extends Announcer implements CredentialChanges {
  private client: Client | undefined;
  private listening = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectMs: number;

  constructor(
    private readonly url: string,
    private readonly options: ListenerOptions,
  ) {
    super();
    this.reconnectMs = options.reconnectMs ?? 1_000;
  }

  /** Connects and listens; a failure is reported and retried in the background (caches stay off meanwhile). */
  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: LISTENER_TIMEOUT_MS, query_timeout: LISTENER_TIMEOUT_MS });
    this.client = client;
    const lost = (error: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listening = false;
      clearInterval(this.heartbeat);
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.onError(error);
      this.announce(undefined);
      this.retryTimer = setTimeout(() => void this.start(), this.reconnectMs).unref();
      this.reconnectMs = Math.min(this.reconnectMs * 2, MAX_RECONNECT_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('credential change listener disconnected')));
    client.on('notification', (message: Notification) => {
      if (message.channel === CREDENTIAL_CHANNEL) this.announce(message.payload || undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CREDENTIAL_CHANNEL}`);
      this.listening = true;
      this.reconnectMs = this.options.reconnectMs ?? 1_000;
      this.heartbeat = setInterval(() => client.query('SELECT 1').catch(lost), HEARTBEAT_MS).unref();
      // Whatever changed while nobody listened.
      this.announce(undefined);
    } catch (error) {
      lost(error);
    }
  }

  async catchUp(): Promise<void> {
    if (!this.listening) this.announce(undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }
}
