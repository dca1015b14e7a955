import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { Field, ObjectType } from 'type-graphql';
import { DomainError } from '../domain/errors';
import type { KeysetPage, KeysetPosition, KeysetRequest } from '../persistence/repositories/keyset';

/** Relay connections: `first`/`after` with opaque cursors, `pageInfo`, `edges`, `nodes`, `totalCount`. */
export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const MAX_CURSOR_LENGTH = 4096;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field({ description: 'True when the page was asked for after a cursor.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

/** A connection without totalCount: for lists that are walked, not counted (logs). */
export interface CursorPage<T> {
  readonly edges: readonly Edge<T>[];
  readonly nodes: readonly T[];
  readonly pageInfo: PageInfo;
}

/** What connection resolvers return; `totalCount` is its own statement, run only when selected. */
export interface Connection<T> extends CursorPage<T> {
  readonly countTotal: () => Promise<number>;
}

/**
 * A cursor names the list it belongs to (`list`, e.g. "users/userName/ASC") and the position of a row
 * in it. It is opaque to clients (base64url JSON) and checked on the way back in: a cursor of another
 * list or order is INVALID_INPUT, not a silently wrong page.
 */
function encodeCursor(list: string, position: KeysetPosition): string {
  const body = position.key === undefined ? [list, position.id] : [list, position.id, position.key];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function decodeCursor(list: string, cursor: string): KeysetPosition {
  const invalid = () => new DomainError('INVALID_INPUT', 'after is not a cursor of this list: pass an endCursor or edge cursor it returned');
  if (cursor.length > MAX_CURSOR_LENGTH) throw invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(body) || body[0] !== list || typeof body[1] !== 'string' || body.length > 3) throw invalid();
  if (body.length === 2) return { id: body[1] };
  const key: unknown = body[2];
  if (key !== null && typeof key !== 'string' && typeof key !== 'number') throw invalid();
  return { id: body[1], key };
}

/** `first` (default 50, capped at 500: a larger ask gets 500 and hasNextPage) and `after` as a keyset request. */
export function pageRequest(list: string, first: number | null | undefined, after: string | null | undefined): KeysetRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 0) throw new DomainError('INVALID_INPUT', 'first must not be negative');
  return { limit: Math.min(size, MAX_PAGE_SIZE), after: after === null || after === undefined ? undefined : decodeCursor(list, after) };
}

/** Cursors are encoded only when asked for: most queries read `nodes`, and a page of pages has hundreds. */
export function toCursorPage<T>(list: string, request: KeysetRequest, page: KeysetPage<T>): CursorPage<T> {
  const cursorOf = (index: number) => encodeCursor(list, page.items[index].position);
  const last = page.items.length - 1;
  return {
    get edges() {
      return page.items.map((item, index) => ({ cursor: cursorOf(index), node: item.node }));
    },
    nodes: page.items.map((item) => item.node),
    pageInfo: {
      hasNextPage: page.hasMore,
      hasPreviousPage: request.after !== undefined,
      get startCursor() {
        return last >= 0 ? cursorOf(0) : null;
      },
      get endCursor() {
        return last >= 0 ? cursorOf(last) : null;
      },
    },
  };
}

export function toConnection<T>(list: string, request: KeysetRequest, page: KeysetPage<T>, countTotal: () => Promise<number>): Connection<T> {
  // Not a spread: that would read (and so encode) every cursor.
  return Object.assign(toCursorPage(list, request, page), { countTotal });
}

/**
 * Query cost of a connection field: what one item costs, times the page size asked for. Nested
 * connections multiply, so `users(first: 500) { groups(first: 500) { members(first: 500) ... } }` is
 * priced as the 125 million rows it could return and refused before it runs (see limits.ts).
 */
export function connectionComplexity({ args, childComplexity }: ComplexityEstimatorArgs): number {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + Math.min(Math.max(first, 0), MAX_PAGE_SIZE) * childComplexity;
}
