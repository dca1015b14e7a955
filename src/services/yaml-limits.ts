/**
 * Shape limits checked on a YAML text before it is composed into a document. The `yaml` library's
 * composer recurses per nesting level (a deep file ends in a stack overflow) and its alias check walks
 * the document once per anchor (many single-use anchors are quadratic), so both are bounded here first,
 * on the concrete syntax tree, which the library builds in linear time without recursing.
 */
import { Lexer, Parser } from 'yaml';

/** Most anchors (`&a`) plus aliases (`*a`) in one file: a mapping set needs few, if any. */
export const MAX_YAML_ANCHORS_AND_ALIASES = 100;
/** Deepest nesting of collections (maps and lists, the top-level map included). */
export const MAX_YAML_DEPTH = 32;
/**
 * Most values (scalars) in one file: 200 rules of a few dozen values each fit many times over. Composing
 * a document makes several objects per value, whose garbage the collector's threads (at normal priority,
 * whatever the worker's) clean up beside the event loop: 240,000 values slowed every tenant.
 */
export const MAX_YAML_VALUES = 20_000;

export interface YamlLimitBreach {
  /** Where in the text the limit was passed. */
  readonly offset: number;
  readonly message: string;
}

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * The first limit the text passes, or undefined: anchors, aliases and values on the token stream, nesting
 * on the syntax tree (walked with an explicit stack).
 */
export function findYamlLimitBreach(text: string): YamlLimitBreach | undefined {
  return countTokens(text) ?? measureNesting(text);
}

/** The lexer marks each plain and block scalar with this control character; quoted ones start with their quote. */
const SCALAR_MARK = '\u001f';

/** Anchors, aliases and values from the token stream, stopping at the first past its limit (before any tree is built). */
function countTokens(text: string): YamlLimitBreach | undefined {
  let anchorsAndAliases = 0;
  let values = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const first = token.charAt(0);
    if (first === '&' || first === '*') {
      anchorsAndAliases += 1;
      if (anchorsAndAliases > MAX_YAML_ANCHORS_AND_ALIASES) return { offset, message: `the file has more than ${MAX_YAML_ANCHORS_AND_ALIASES} anchors and aliases` };
    }
    if (token === SCALAR_MARK || first === '"' || first === "'") {
      values += 1;
      if (values > MAX_YAML_VALUES) return { offset, message: `the file has more than ${MAX_YAML_VALUES} values` };
    }
    // Control tokens (document, scalar and flow-end markers) are not in the text.
    if (token.length > 1 || first >= ' ' || first === '\t' || first === '\n' || first === '\r') offset += token.length;
  }
  return undefined;
}

function measureNesting(text: string): YamlLimitBreach | undefined {
  const pending: { readonly node: unknown; readonly depth: number }[] = [];
  for (const token of new Parser().parse(text)) pending.push({ node: token, depth: 0 });
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) pending.push({ node: item, depth });
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const token = node as { type?: unknown; offset?: unknown };
    const offset = typeof token.offset === 'number' ? token.offset : 0;
    const inner = typeof token.type === 'string' && COLLECTIONS.has(token.type) ? depth + 1 : depth;
    if (inner > MAX_YAML_DEPTH) return { offset, message: `the file nests collections deeper than ${MAX_YAML_DEPTH} levels` };
    for (const value of Object.values(node)) {
      if (value !== null && typeof value === 'object') pending.push({ node: value, depth: inner });
    }
  }
  return undefined;
}
