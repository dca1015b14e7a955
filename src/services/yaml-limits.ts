/**
 * Shape limits checked on a YAML text before it is composed into a document. The `yaml` library's
 * composer recurses per nesting level (a deep file ends in a stack overflow) and its alias check walks
 * the document once per anchor (many single-use anchors are quadratic), so both are bounded here first,
 * on the concrete syntax tree, which the library builds in linear time without recursing.
 */
import { Parser } from 'yaml';

/** Most anchors (`&a`) plus aliases (`*a`) in one file: a mapping set needs few, if any. */
export const MAX_YAML_ANCHORS_AND_ALIASES = 100;
/** Deepest nesting of collections (maps and lists, the top-level map included). */
export const MAX_YAML_DEPTH = 32;

export interface YamlLimitBreach {
  /** Where in the text the limit was passed. */
  readonly offset: number;
  readonly message: string;
}

const COLLECTIONS: ReadonlySet<string> = new Set(['block-map', 'block-seq', 'flow-collection']);

/** The first limit the text passes, or undefined. Walks the syntax tree with an explicit stack. */
export function findYamlLimitBreach(text: string): YamlLimitBreach | undefined {
  let anchorsAndAliases = 0;
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
    if (token.type === 'anchor' || token.type === 'alias') {
      anchorsAndAliases += 1;
      if (anchorsAndAliases > MAX_YAML_ANCHORS_AND_ALIASES) return { offset, message: `the file has more than ${MAX_YAML_ANCHORS_AND_ALIASES} anchors and aliases` };
    }
    const inner = typeof token.type === 'string' && COLLECTIONS.has(token.type) ? depth + 1 : depth;
    if (inner > MAX_YAML_DEPTH) return { offset, message: `the file nests collections deeper than ${MAX_YAML_DEPTH} levels` };
    for (const value of Object.values(node)) {
      if (value !== null && typeof value === 'object') pending.push({ node: value, depth: inner });
    }
  }
  return undefined;
}
