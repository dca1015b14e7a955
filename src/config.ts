import os from 'node:os';
import path from 'node:path';
import type { OverloadLimits } from './scim/overload-limiter';
import { allowListEntryProblem, isIpLiteral } from './outbound/address-policy';
import type { OutboundConfig } from './outbound/outbound-http';
import { DEFAULT_READ_BUDGET_MS } from './persistence/read-budget';
import type { OffloadLimits } from './services/offload/offload-pool';
import type { ConsoleAccessSettings } from './services/console-access.service';
import { DEFAULT_TRUST_PROXY, parseTrustProxy, type TrustProxy } from './http/trust-proxy';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgresql'; readonly url: string };

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  /** Base URL printed and used in `meta.location`; derived from the request when unset. */
  readonly publicUrl: string | undefined;
  readonly logLevel: string;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** Largest accepted request body in bytes (SCIM answers 413 above it). */
  readonly maxBodyBytes: number;
  /** Largest page a SCIM list returns, whatever `count` asks for. */
  readonly scimMaxResults: number;
  /** Failed authentications a client address may make per minute before it is answered 429. */
  readonly authFailuresPerMinute: number;
  /**
   * Failed authentications with recognised credentials of one tenant (expired, rotated out, revoked), from
   * any address, per minute before further failed ones against it are answered 429. Valid ones never are.
   */
  readonly authFailuresPerTenantPerMinute: number;
  /** Proxies whose X-Forwarded-For names the client (the address the failed-authentication throttle counts). */
  readonly trustProxy: TrustProxy;
  /** SCIM requests served at once, waiting at most, and how long one may wait before it is answered 429. */
  readonly scimOverload: OverloadLimits;
  readonly nodeEnv: string;
  readonly graphql: GraphqlConfig;
  readonly webhooks: WebhookConfig;
  readonly retention: RetentionConfig;
  /** Calls to URLs tenants configure (webhooks, JWKS): the address policy's allow-list and resolvers. */
  readonly outbound: OutboundConfig;
  /** The admin console's setup links and sessions. */
  readonly console: ConsoleAccessSettings;
  /** Worker processes `npm start` runs, sharing the port (WEB_CONCURRENCY; 1 on SQLite, the cores on PostgreSQL). */
  readonly webConcurrency: number;
  /** How much of the hub's time work a tenant's input decides may take (issue 13). */
  readonly budgets: BudgetConfig;
  readonly metrics: MetricsConfig;
  /** GraphiQL at /graphql for browsers: on unless NODE_ENV=production (GRAPHIQL=true turns it on there). */
  readonly graphiql: boolean;
}

export interface BudgetConfig {
  /** A read with a tenant's filter that no index pins is refused (400 tooMany) past this. */
  readonly filterReadMs: number;
  /** Worker threads for mapping files, compilation and dry runs. */
  readonly offload: OffloadLimits;
}

/** Prometheus metrics: off unless served on their own port (METRICS_PORT) or on the public one behind METRICS_TOKEN. */
export interface MetricsConfig {
  readonly port: number | undefined;
  readonly host: string;
  readonly token: string | undefined;
  /** SCIM request counts get a tenant label for this many of the busiest tenants (0: none). */
  readonly tenantLabels: number;
}

export interface WebhookConfig {
  /** How often each node looks for due deliveries. */
  readonly pollIntervalMs: number;
  /** Attempts per delivery before it is given up (admins can replay it). */
  readonly maxAttempts: number;
  /** First retry wait; doubles per attempt (with jitter) up to `retryMaxMs`. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly timeoutMs: number;
  /** Accept http:// endpoint URLs for hosts on OUTBOUND_ALLOW_HOSTS: development and tests only. */
  readonly allowHttp: boolean;
  /** Attempts in flight on one node at once: in all, for one tenant, for one endpoint. */
  readonly maxInFlight: number;
  readonly maxInFlightPerTenant: number;
  readonly maxInFlightPerEndpoint: number;
  /** Consecutive failed attempts that open an endpoint's circuit, and the wait before its first probe. */
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
}

export interface RetentionConfig {
  readonly provisioningLogDays: number;
  /** User writes kept per connection for mapping previews; 0 keeps none. */
  readonly recentRequestsKept: number;
  readonly recentRequestsHours: number;
  /** Delivered or not, events and their deliveries are removed after this. */
  readonly outboxDays: number;
}

export interface GraphqlConfig {
  /** Schema introspection; on unless NODE_ENV=production. */
  readonly introspection: boolean;
  /** "Did you mean ...?" in validation errors; on unless NODE_ENV=production. */
  readonly fieldSuggestions: boolean;
  readonly maxDepth: number;
  readonly maxAliases: number;
  /** Tokens in one document (parser level): bounds parsing work before anything else runs. */
  readonly maxTokens: number;
  /** Query cost: fields cost 1, connections multiply by the page size asked for. */
  readonly maxCost: number;
  /** Accept http:// JWKS URLs for tenants' OIDC providers: development and tests only. */
  readonly allowHttpJwks: boolean;
  /** Stack traces in GraphQL error responses: only when NODE_ENV=development is set explicitly. */
  readonly exposeStacktrace: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_SQLITE_PATH = path.join('data', 'identity-hub.sqlite');
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseDatabaseUrl(value: string | undefined): DatabaseConfig {
  if (value === undefined || value.trim() === '') return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  const trimmed = value.trim();
  if (trimmed.startsWith('sqlite:')) {
    const file = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '') throw new Error('DATABASE_URL sqlite:<path> needs a path');
    return { kind: 'sqlite', path: file };
  }
  if (/^postgres(ql)?:\/\//.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new Error('DATABASE_URL is not a valid postgres:// URL');
    }
    if (!url.hostname) throw new Error('DATABASE_URL has no host');
    return { kind: 'postgresql', url: trimmed };
  }
  throw new Error('DATABASE_URL must start with sqlite:, postgres:// or postgresql://');
}

/** Validates every variable at once, so a bad deployment learns all of its mistakes in one go. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];

  function integer(name: string, fallback: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim())) {
      problems.push(`${name} must be a whole number, got "${raw}"`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  const port = integer('PORT', 4000, 0, 65535);
  const maxBodyBytes = integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const scimMaxResults = integer('SCIM_MAX_RESULTS', 1000, 1, 10000);
  const authFailuresPerMinute = integer('AUTH_FAILURES_PER_MINUTE', 30, 1, 100000);
  const authFailuresPerTenantPerMinute = integer('AUTH_FAILURES_PER_TENANT_PER_MINUTE', 60, 1, 100000);
  let trustProxy = DEFAULT_TRUST_PROXY;
  if (env.TRUST_PROXY !== undefined && env.TRUST_PROXY.trim() !== '') {
    const parsed = parseTrustProxy(env.TRUST_PROXY);
    if ('problem' in parsed) problems.push(`TRUST_PROXY: ${parsed.problem}`);
    else trustProxy = parsed;
  }
  const scimOverload: OverloadLimits = {
    maxConcurrent: integer('SCIM_MAX_CONCURRENT_REQUESTS', 16, 1, 10000),
    maxQueued: integer('SCIM_MAX_QUEUED_REQUESTS', 1000, 0, 100000),
    maxWaitMs: integer('SCIM_MAX_QUEUE_WAIT_MS', 10000, 1, 55000),
    maxEventLoopLagMs: integer('SCIM_MAX_EVENT_LOOP_LAG_MS', 250, 1, 55000),
    maxConcurrentPerTenant: integer('SCIM_MAX_CONCURRENT_REQUESTS_PER_TENANT', 4, 1, 10000),
  };

  /** A comma-separated list, each entry checked by `problem`. */
  function list(name: string, problem: (entry: string) => string | undefined): string[] {
    const entries = (env[name] ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    for (const entry of entries) {
      const found = problem(entry);
      if (found) problems.push(`${name}: ${found}`);
    }
    return entries;
  }

  function flag(name: string, fallback: boolean): boolean {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (/^(true|1|yes|on)$/i.test(raw.trim())) return true;
    if (/^(false|0|no|off)$/i.test(raw.trim())) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const graphql: GraphqlConfig = {
    introspection: flag('GRAPHQL_INTROSPECTION', !production),
    fieldSuggestions: flag('GRAPHQL_FIELD_SUGGESTIONS', !production),
    maxDepth: integer('GRAPHQL_MAX_DEPTH', 12, 1, 100),
    maxAliases: integer('GRAPHQL_MAX_ALIASES', 30, 1, 1000),
    maxTokens: integer('GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
    maxCost: integer('GRAPHQL_MAX_COST', 100_000, 1, 1_000_000_000),
    allowHttpJwks: flag('OIDC_ALLOW_HTTP_JWKS', false),
    exposeStacktrace: env.NODE_ENV === 'development',
  };

  const webhooks: WebhookConfig = {
    pollIntervalMs: integer('WEBHOOK_POLL_INTERVAL_MS', 500, 10, 60_000),
    maxAttempts: integer('WEBHOOK_MAX_ATTEMPTS', 12, 1, 50),
    retryBaseMs: integer('WEBHOOK_RETRY_BASE_MS', 5_000, 10, 3_600_000),
    retryMaxMs: integer('WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 86_400_000),
    timeoutMs: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    allowHttp: flag('WEBHOOK_ALLOW_HTTP', false),
    maxInFlight: integer('WEBHOOK_MAX_IN_FLIGHT', 64, 1, 10_000),
    maxInFlightPerTenant: integer('WEBHOOK_MAX_IN_FLIGHT_PER_TENANT', 8, 1, 1_000),
    maxInFlightPerEndpoint: integer('WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT', 2, 1, 100),
    breakerThreshold: integer('WEBHOOK_BREAKER_THRESHOLD', 10, 1, 1_000),
    breakerCooldownMs: integer('WEBHOOK_BREAKER_COOLDOWN_MS', 60_000, 100, 3_600_000),
  };
  const outbound: OutboundConfig = {
    allowHosts: list('OUTBOUND_ALLOW_HOSTS', allowListEntryProblem),
    dnsServers: list('OUTBOUND_DNS_SERVERS', dnsServerProblem),
  };
  const retention: RetentionConfig = {
    provisioningLogDays: integer('PROVISIONING_LOG_RETENTION_DAYS', 30, 1, 3650),
    outboxDays: integer('OUTBOX_RETENTION_DAYS', 7, 1, 365),
    recentRequestsKept: integer('PREVIEW_REQUESTS_KEPT', 50, 0, 1000),
    recentRequestsHours: integer('PREVIEW_REQUESTS_RETENTION_HOURS', 24, 1, 720),
  };

  const metricsToken = env.METRICS_TOKEN === undefined || env.METRICS_TOKEN === '' ? undefined : env.METRICS_TOKEN;
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');
  const metrics: MetricsConfig = {
    port: env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : integer('METRICS_PORT', 0, 0, 65535),
    host: env.METRICS_HOST || '127.0.0.1',
    token: metricsToken,
    tenantLabels: integer('METRICS_TENANT_LABELS', 0, 0, 1000),
  };
  const graphiql = flag('GRAPHIQL', !production);
  const consoleAccess: ConsoleAccessSettings = {
    setupLinkHours: integer('CONSOLE_SETUP_LINK_HOURS', 24, 1, 24 * 30),
    sessionIdleMinutes: integer('CONSOLE_SESSION_IDLE_MINUTES', 60, 1, 24 * 60),
    sessionMaxHours: integer('CONSOLE_SESSION_MAX_HOURS', 12, 1, 24 * 30),
  };

  let database: DatabaseConfig = { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  try {
    database = parseDatabaseUrl(env.DATABASE_URL);
  } catch (error) {
    problems.push((error as Error).message);
  }

  let publicUrl: string | undefined;
  if (env.PUBLIC_URL) {
    try {
      publicUrl = new URL(env.PUBLIC_URL).toString().replace(/\/$/, '');
    } catch {
      problems.push(`PUBLIC_URL is not a URL, got "${env.PUBLIC_URL}"`);
    }
  }

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const sqliteSynchronous = (env.SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (sqliteSynchronous !== 'FULL' && sqliteSynchronous !== 'NORMAL') {
    problems.push(`SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${env.SQLITE_SYNCHRONOUS}"`);
  }

  // SQLite takes one writer at a time: more processes only queue on its lock.
  const webConcurrency = integer('WEB_CONCURRENCY', database.kind === 'sqlite' ? 1 : os.availableParallelism(), 1, 64);

  if (problems.length > 0) throw new ConfigError(problems);
  const budgets: BudgetConfig = {
    filterReadMs: integer('FILTER_READ_BUDGET_MS', DEFAULT_READ_BUDGET_MS, 1, 60_000),
    offload: {
      // One thread less than the cores, so the event loop keeps one; at least one.
      threads: integer('OFFLOAD_THREADS', Math.max(1, Math.min(4, os.availableParallelism() - 1)), 1, 64),
      taskTimeoutMs: integer('OFFLOAD_TASK_TIMEOUT_MS', 10_000, 1, 300_000),
      maxQueue: integer('OFFLOAD_MAX_QUEUE', 32, 0, 10_000),
      tasksPerTenant: integer('OFFLOAD_TASKS_PER_TENANT', 4, 1, 10_000),
    },
  };

  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    database,
    publicUrl,
    logLevel,
    sqliteSynchronous: sqliteSynchronous as SqliteSynchronous,
    maxBodyBytes,
    scimMaxResults,
    authFailuresPerMinute,
    authFailuresPerTenantPerMinute,
    trustProxy,
    scimOverload,
    nodeEnv,
    graphql,
    webhooks,
    retention,
    outbound,
    webConcurrency,
    budgets,
    metrics,
    graphiql,
    console: consoleAccess,
  };
}

/** A resolver address as c-ares takes it: an IP, `ipv4:port` or `[ipv6]:port`. */
function dnsServerProblem(entry: string): string | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(entry);
  const host = match?.[1] ?? match?.[2] ?? entry;
  const port = match?.[3] === undefined ? 53 : Number(match[3]);
  if ((match && isIpLiteral(host) && port >= 1 && port <= 65535) || isIpLiteral(entry)) return undefined;
  return `"${entry}" is not a resolver address (an IP, ipv4:port or [ipv6]:port)`;
}

/** The base URL the server serves at, as printed by the server and the CLI: PUBLIC_URL, else HOST and PORT. */
export function serverBaseUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}
