import type { StoredUserValue } from '../../persistence/repositories/mapping.repository';
import type { SchemaVersionDefinition } from '../../services/mapping.service';

type FieldValue = string | number | boolean;

/** The text of a single-valued mapped field (its first value), or null when the user has none. */
export function textOf(rows: readonly StoredUserValue[], fieldKey: string): string | null {
  const row = rows.find((candidate) => candidate.fieldKey === fieldKey);
  return row === undefined ? null : String(row.value);
}

/** Every value of a multi-valued mapped field, in their order. */
export function textsOf(rows: readonly StoredUserValue[], fieldKey: string): string[] {
  return rows.filter((row) => row.fieldKey === fieldKey).map((row) => String(row.value));
}

/**
 * Mapped values by field key: a list for fields the schema declares multi-valued (or that hold
 * several values, e.g. a field a later schema version dropped), else the value itself.
 */
export function attributesOf(rows: readonly StoredUserValue[], schema: SchemaVersionDefinition | undefined): Record<string, FieldValue | FieldValue[]> {
  const multiValued = new Set(schema?.schema.fields.filter((field) => field.multiValued).map((field) => field.key));
  const grouped = new Map<string, FieldValue[]>();
  for (const row of rows) grouped.set(row.fieldKey, [...(grouped.get(row.fieldKey) ?? []), row.value as FieldValue]);
  return Object.fromEntries([...grouped].map(([key, values]) => [key, multiValued.has(key) || values.length > 1 ? values : values[0]]));
}
