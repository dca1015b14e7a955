/**
 * One filter AST shared by SCIM and GraphQL. Attribute paths stay as the client wrote them
 * (minus surrounding whitespace); resolving names case-insensitively to columns is the
 * persistence translator's job, because only it knows what is stored where.
 */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterValue = string | number | boolean | null;

export interface AttributePath {
  /** Schema URN prefix when the client wrote one, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  readonly schema?: string;
  /** Top-level attribute name, e.g. `emails`, `userName`, `meta`. */
  readonly attribute: string;
  /** Sub-attribute name, e.g. `value` in `emails.value`, `created` in `meta.created`. */
  readonly subAttribute?: string;
}

/** `P` is what a path names: as written by the client, or resolved to a stored field (see filter-field.ts). */
export type FilterNode<P = AttributePath> =
  | { readonly kind: 'and'; readonly left: FilterNode<P>; readonly right: FilterNode<P> }
  | { readonly kind: 'or'; readonly left: FilterNode<P>; readonly right: FilterNode<P> }
  | { readonly kind: 'not'; readonly operand: FilterNode<P> }
  | { readonly kind: 'compare'; readonly path: P; readonly op: CompareOperator; readonly value: FilterValue }
  | { readonly kind: 'present'; readonly path: P }
  /**
   * `emails[type eq "work"]` (optionally followed by `.value op x` in a filter, which the
   * parser expresses as an `and` inside `filter` on the same element: see filter-parser).
   * The inner filter's paths are relative to one element of the multi-valued attribute.
   */
  | { readonly kind: 'valuePath'; readonly path: P; readonly filter: FilterNode<P> };
