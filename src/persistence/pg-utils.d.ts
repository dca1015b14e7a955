/** node-postgres turns values into their wire text with this (the same as its own queries); the package's types do not list it. */
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): unknown;
}
