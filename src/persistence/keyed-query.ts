import type { Knex } from 'knex';

/** What repositories hand to Tx: a knex query (compiled there) or SQL text with `?` placeholders. */
export type Query = Knex.QueryBuilder | Knex.Raw;

/** A query that finds or writes its rows by a key (see Statement.keyed); made with `keyed`. */
export class KeyedQuery {
  constructor(readonly query: Query | string) {}
}

/**
 * Marks a query whose rows are found by every column of a unique index (or a plain insert of values):
 * its plan does not depend on the values, so PostgreSQL may keep one plan for it per connection.
 * Never for a query whose best plan depends on how many rows a tenant has (ranges, orders, filters).
 */
export function keyed(query: Query | string): KeyedQuery {
  return new KeyedQuery(query);
}
