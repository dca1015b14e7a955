/** Conversions of column values as the two drivers hand them back. */
import type { Dialect } from './session';

export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** SQLite hands JSON columns back as text, PostgreSQL (jsonb) as objects. */
export function parseJsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** For JSON columns that may hold a bare string: PostgreSQL returns it already decoded, SQLite as JSON text. */
export function parseJsonValueColumn(dialect: Dialect, value: unknown): unknown {
  return dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
}
