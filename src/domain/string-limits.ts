import { foldUntrimmed, utf8LongerThan } from './text';

/**
 * What a string sent by a client (SCIM or GraphQL) may hold, so that no input fails in storage with a 500.
 * No NUL: no database column can store it (PostgreSQL text and jsonb cannot, and the SQLite driver fails
 * on it), and PostgreSQL refuses it even as a query parameter. At most MAX_STRING_BYTES of UTF-8:
 * indexed values must fit a PostgreSQL btree entry (about 2,700 bytes with the tenant id; a
 * 10,000-character userName failed there, found by the fuzzing gate), and SQLite refuses LIKE patterns
 * over 50,000 bytes.
 */
export const MAX_STRING_BYTES = 2048;

const ASCII = /^[\x00-\x7f]*$/;

/** Whether any string (value or key) in a parsed JSON value contains NUL. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}

/**
 * Over MAX_STRING_BYTES as sent or in its folded form (foldUntrimmed): compatibility characters expand
 * under NFKC (U+FDFA is one character and 18 after it), and the folded key is what gets indexed.
 */
export function exceedsMaxStringBytes(text: string): boolean {
  if (utf8LongerThan(text, MAX_STRING_BYTES)) return true;
  // ASCII folds to as many characters.
  return !ASCII.test(text) && utf8LongerThan(foldUntrimmed(text), MAX_STRING_BYTES);
}

