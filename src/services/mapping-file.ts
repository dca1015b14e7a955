/**
 * Mapping sets as YAML files (export/import for GitOps, `npm run cli -- mapping validate <file>`):
 * parse a file into a definition, compile it with the same engine the server uses, and report every
 * problem at a line and column of the file, including positions inside expressions and filters.
 */
import { Document, isMap, isPair, isScalar, isSeq, parseAllDocuments, Scalar, visit, YAMLError, type Node, type Pair } from 'yaml';
import { compileMappingSet } from '../domain/mapping/compile-mapping-set';
import type { DomainSchema } from '../domain/mapping/domain-schema';
import { locateOffset } from '../domain/mapping/expression-ast';
import type { CompiledMappingSet, DefinitionPath, MappingIssue, MappingSetDefinition } from '../domain/mapping/mapping-set';
import type { OptionList } from '../domain/mapping/option-list';

/** Largest mapping file read, in characters. */
export const MAX_MAPPING_FILE_LENGTH = 1_000_000;
/** Most alias expansions in a file (guards against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;
/** What a file whose nesting exhausted the parser is told (never the JavaScript error: issue 13). */
const TOO_DEEP = 'the YAML nests collections too deeply to be read';
/** No folding: long expressions stay on one line, as written. */
const RENDER_LINE_WIDTH = 0;

export interface MappingFileIssue {
  readonly severity: 'error' | 'warning';
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly message: string;
  /** Where in the definition, e.g. `rules[2].pipe[1]`, when the problem is in its content. */
  readonly path?: string;
  readonly ruleId?: string;
}

export interface ParsedMappingFile {
  readonly definition?: MappingSetDefinition;
  readonly errors: readonly MappingFileIssue[];
}

export interface ValidatedMappingFile {
  readonly definition?: MappingSetDefinition;
  readonly mappingSet?: CompiledMappingSet;
  readonly errors: readonly MappingFileIssue[];
  readonly warnings: readonly MappingFileIssue[];
}

interface ParsedDocument {
  readonly definition?: MappingSetDefinition;
  readonly document?: Document.Parsed;
  readonly errors: MappingFileIssue[];
}

export function parseMappingFile(yamlText: string): ParsedMappingFile {
  const { definition, errors } = parseDocument(yamlText);
  return definition === undefined ? { errors } : { definition, errors };
}

/** Parses and compiles a mapping file; every compile issue is placed at its line and column. */
export function validateMappingFile(yamlText: string, domainSchema: DomainSchema, optionLists: readonly OptionList[]): ValidatedMappingFile {
  const parsed = parseDocument(yamlText);
  if (parsed.definition === undefined || parsed.document === undefined) return { errors: parsed.errors, warnings: [] };
  const result = compileMappingSet(parsed.definition, domainSchema, optionLists);
  const document = parsed.document;
  const place = (issue: MappingIssue): MappingFileIssue => placeIssue(yamlText, document, issue);
  if (!result.ok) {
    return { definition: parsed.definition, errors: result.errors.map(place), warnings: result.warnings.map(place) };
  }
  return { definition: parsed.definition, mappingSet: result.mappingSet, errors: [], warnings: result.warnings.map(place) };
}

/** The definition as a YAML file: rules in block style, short lists and tables inline. */
export function renderMappingFile(definition: MappingSetDefinition): string {
  const document = new Document(definition);
  visit(document, {
    Map(_key, node, path) {
      // Rule and assignment objects stay in block style; their small parts (pipe steps, group entries) go inline.
      if (path.length > 4 && isInline(node)) node.flow = true;
    },
    Seq(_key, node, path) {
      if (path.length > 2 && isInline(node)) node.flow = true;
    },
  });
  return document.toString({ lineWidth: RENDER_LINE_WIDTH });
}

/** `file:line:column: severity: message` lines, as compilers print them. */
export function formatMappingFileIssues(fileName: string, issues: readonly MappingFileIssue[]): string[] {
  return issues.map((issue) => `${fileName}:${issue.line}:${issue.column}: ${issue.severity}: ${issue.message}${issue.path === undefined ? '' : ` [${issue.path}]`}`);
}

/** Why a parsed document could not become plain values, in words of the file, never the JavaScript error itself. */
function conversionProblem(error: unknown): string {
  if (error instanceof YAMLError) return error.message;
  // The yaml library throws a ReferenceError past maxAliasCount; a RangeError is the stack a nesting exhausted.
  if (error instanceof ReferenceError) return `the YAML expands aliases more than ${MAX_ALIAS_COUNT} times`;
  if (error instanceof RangeError) return TOO_DEEP;
  return 'the YAML could not be read as a mapping set';
}

function isInline(node: Node): boolean {
  const items: unknown[] = isMap(node) ? node.items.map((pair) => pair.value) : isSeq(node) ? node.items : [];
  return items.every((item) => isScalar(item) || ((isMap(item) || isSeq(item)) && item.flow === true));
}

function parseDocument(yamlText: string): ParsedDocument {
  if (yamlText.length > MAX_MAPPING_FILE_LENGTH) {
    return { errors: [{ severity: 'error', line: 1, column: 1, message: `the file is larger than ${MAX_MAPPING_FILE_LENGTH} characters` }] };
  }
  const documents = parseAllDocuments(yamlText, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(documents) || documents.length === 0) {
    return { errors: [{ severity: 'error', line: 1, column: 1, message: 'the file is empty; a mapping set has a rules list' }] };
  }
  const errors: MappingFileIssue[] = [];
  for (const document of documents) {
    for (const error of document.errors) errors.push(issueAtOffset(yamlText, error.pos[0], error.code === 'RESOURCE_EXHAUSTION' ? TOO_DEEP : error.message.split('\n')[0], 'error'));
  }
  if (documents.length > 1) {
    errors.push(issueAtOffset(yamlText, documents[1].range[0], 'a mapping file holds one mapping set (one YAML document)', 'error'));
  }
  if (errors.length > 0) return { errors };
  const document = documents[0];
  let definition: unknown;
  try {
    definition = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { errors: [issueAtOffset(yamlText, 0, conversionProblem(error), 'error')] };
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    const start = document.contents?.range?.[0] ?? 0;
    return { errors: [issueAtOffset(yamlText, start, 'a mapping file is a YAML mapping with a rules list (and optionally dialect, description, assignments)', 'error')] };
  }
  if (!Array.isArray((definition as { rules?: unknown }).rules)) {
    // Drafts are stored unvalidated: whatever reaches the store must at least be a set of rules.
    const rules = isMap(document.contents) ? document.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'rules') : undefined;
    const offset = (isScalar(rules?.key) ? rules.key.range?.[0] : undefined) ?? document.contents?.range?.[0] ?? 0;
    return { errors: [issueAtOffset(yamlText, offset, rules ? 'rules must be a list' : 'a mapping file is a YAML mapping with a rules list (and optionally dialect, description, assignments)', 'error')] };
  }
  return { definition: definition as MappingSetDefinition, document, errors: [] };
}

function issueAtOffset(text: string, offset: number, message: string, severity: 'error' | 'warning'): MappingFileIssue {
  const { line, column } = locateOffset(text, offset);
  return { severity, line, column, message };
}

function describePath(path: DefinitionPath): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`), '');
}

function placeIssue(text: string, document: Document.Parsed, issue: MappingIssue): MappingFileIssue {
  const located = locateNode(document, issue.path);
  let offset = located.node?.range?.[0] ?? 0;
  if (issue.position !== undefined && located.exact && isScalar(located.node) && typeof located.node.value === 'string') {
    offset = sourceOffsetOf(text, located.node, issue.position.offset) ?? offset;
  } else if (located.key !== undefined && issue.position === undefined) {
    // Point at `key:` rather than its value; problems with a whole entry start where it is named.
    offset = located.key.range?.[0] ?? offset;
  }
  const { line, column } = locateOffset(text, offset);
  return {
    severity: issue.severity,
    line,
    column,
    message: issue.message,
    ...(issue.path.length === 0 ? {} : { path: describePath(issue.path) }),
    ...(issue.ruleId === undefined ? {} : { ruleId: issue.ruleId }),
  };
}

/**
 * The YAML node at `path`, or the nearest ancestor that exists (a missing key is reported on its
 * parent). `key` is the key node when the last step found was a map entry.
 */
function locateNode(document: Document.Parsed, path: DefinitionPath): { node: Node | null; key?: Node; exact: boolean } {
  let node: Node | null = document.contents;
  let key: Node | undefined;
  for (const segment of path) {
    let next: Node | null | undefined;
    let nextKey: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item): item is Pair<Node, Node | null> => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      next = pair?.value ?? (pair?.key as Node | undefined);
      nextKey = pair?.key as Node | undefined;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment] as Node | undefined;
    }
    if (next === undefined || next === null) return { node, ...(key === undefined ? {} : { key }), exact: false };
    node = next;
    key = nextKey;
  }
  return { node, ...(key === undefined ? {} : { key }), exact: true };
}

/**
 * The file offset of character `valueOffset` of a scalar's value. Walks the source beside the value:
 * quotes and escapes, folded line breaks and block indentation take source characters that are not
 * in the value. Undefined when the two cannot be aligned.
 */
function sourceOffsetOf(text: string, node: Scalar, valueOffset: number): number | undefined {
  const range = node.range;
  if (range === undefined || range === null) return undefined;
  const value = String(node.value);
  const type = node.type ?? Scalar.PLAIN;
  const block = type === Scalar.BLOCK_LITERAL || type === Scalar.BLOCK_FOLDED;
  let source = range[0];
  if (type === Scalar.QUOTE_SINGLE || type === Scalar.QUOTE_DOUBLE) source++;
  let indent = 0;
  if (block) {
    source = text.indexOf('\n', source) + 1;
    if (source === 0) return undefined;
    while (text[source + indent] === ' ') indent++;
    source += indent;
  }
  const skipLineStart = (): void => {
    if (!block) {
      while (text[source] === ' ' || text[source] === '\t') source++;
      return;
    }
    for (let column = 0; column < indent && text[source] === ' '; column++) source++;
  };
  for (let index = 0; index < valueOffset && index < value.length; index++) {
    const char = value[index];
    if (type === Scalar.QUOTE_DOUBLE && text[source] === '\\') {
      source += escapeLength(text, source);
    } else if (type === Scalar.QUOTE_SINGLE && text[source] === "'" && text[source + 1] === "'") {
      source += 2;
    } else if (text[source] === char && char !== '\n') {
      source++;
    } else if (char === '\n' || char === ' ') {
      // A line break in the value, or a folded one: consume it and the next line's indentation.
      while (text[source] === ' ' || text[source] === '\t') source++;
      if (text[source] === '\r') source++;
      if (text[source] !== '\n') return undefined;
      source++;
      skipLineStart();
    } else {
      return undefined;
    }
  }
  return source;
}

function escapeLength(text: string, at: number): number {
  switch (text[at + 1]) {
    case 'x':
      return 4;
    case 'u':
      return 6;
    case 'U':
      return 10;
    default:
      return 2;
  }
}
