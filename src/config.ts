import path from 'node:path';

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
  readonly nodeEnv: string;
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

  if (problems.length > 0) throw new ConfigError(problems);
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
    nodeEnv: env.NODE_ENV ?? 'development',
  };
}
