/**
 * Whether any string (value or key) in a parsed JSON body contains NUL. No database column can
 * store it (PostgreSQL text cannot, and the SQLite driver fails on it), so a resource carrying one
 * is refused as invalid instead of failing in storage. Bodies reach this after the depth limit.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}
