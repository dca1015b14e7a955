/**
 * The one AST that `expr:` text and `pipe:` steps both compile to, so preview, explain and provenance
 * treat them alike. Offsets are UTF-16 indexes into the expression text (`start` inclusive, `end`
 * exclusive); nodes built from a pipe step have no text and carry -1.
 */
import type { SafeRegex } from './safe-regex';
import type { SourcePath } from './source-path';

export interface TextRange {
  readonly start: number;
  readonly end: number;
}

export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type LiteralValue = string | number | boolean | null;

export type ExpressionNode = TextRange &
  (
    | { readonly kind: 'literal'; readonly value: LiteralValue }
    | { readonly kind: 'list'; readonly items: readonly ExpressionNode[] }
    | { readonly kind: 'table'; readonly entries: readonly TableEntry[] }
    | { readonly kind: 'regex'; readonly regex: SafeRegex }
    /** `src...`: a path into the raw SCIM resource. */
    | { readonly kind: 'source'; readonly path: SourcePath }
    /** `value`: the value flowing through a rule's pipe (what `from` read, after the earlier steps). */
    | { readonly kind: 'value' }
    | { readonly kind: 'call'; readonly name: string; readonly nameEnd: number; readonly args: readonly ExpressionNode[] }
    | { readonly kind: 'not'; readonly operand: ExpressionNode }
    | { readonly kind: 'logical'; readonly operator: 'and' | 'or'; readonly left: ExpressionNode; readonly right: ExpressionNode }
    | { readonly kind: 'compare'; readonly operator: CompareOperator; readonly left: ExpressionNode; readonly right: ExpressionNode }
  );

export interface TableEntry {
  readonly key: string;
  readonly value: ExpressionNode;
}

/** What the checker knows about a value before evaluation. */
export type StaticType = 'string' | 'number' | 'boolean' | 'list' | 'table' | 'regex' | 'null' | 'any';

/** A problem in an expression, located by offset and by 1-based line and column. */
export interface ExpressionIssue {
  readonly message: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function issueAt(text: string, offset: number, message: string): ExpressionIssue {
  return { message, offset: Math.max(offset, 0), ...locateOffset(text, offset) };
}
