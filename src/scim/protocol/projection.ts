/**
 * RFC 7644 section 3.4.2.5: the `attributes` and `excludedAttributes` query parameters.
 * Parsing is registry-free (names keep the client's spelling); the projection resolves them
 * case-insensitively against the registry and the resource's canonical keys.
 */
import { DomainError } from '../../domain/errors';
import {
  COMMON_ATTRIBUTES,
  type AttributeDefinition,
  type ResourceTypeDefinition,
  type ScimSchemaRegistry,
} from './schema-definitions';

/**
 * One entry of an attribute list. A URN-prefixed entry is split at its last colon, so the whole
 * enterprise extension `urn:...:enterprise:2.0:User` reads as schema `urn:...:enterprise:2.0`,
 * attribute `User`; the projection recognises that as a schema URN of the resource type.
 */
export interface AttributeReference {
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export interface ProjectionOptions {
  readonly attributes?: readonly AttributeReference[];
  readonly excludedAttributes?: readonly AttributeReference[];
}

type ResourceTypeId = ResourceTypeDefinition['id'];

const NAME = /^\$?[A-Za-z][\w-]*$/;
const URN_PREFIX = /^urn:[\w.%+~-]+(?::[\w.%+~-]+)*$/i;

function invalidEntry(entry: string): DomainError {
  return new DomainError('INVALID_INPUT', `"${entry}" is not a valid attribute path in an attribute list`);
}

/** Index of the `]` closing the `[` at `open`, honouring quoted strings; -1 when unbalanced. */
function findClosingBracket(text: string, open: number): number {
  let depth = 0;
  let inQuote = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (inQuote) {
      if (char === '\\') i++;
      else if (char === '"') inQuote = false;
    } else if (char === '"') inQuote = true;
    else if (char === '[') depth++;
    else if (char === ']' && --depth === 0) return i;
  }
  return -1;
}

/** Splits at commas outside brackets (and outside quotes within brackets), so filters may contain commas. */
function splitEntries(param: string): string[] {
  const entries: string[] = [];
  let start = 0;
  for (let i = 0; i < param.length; i++) {
    if (param[i] === '[') {
      const close = findClosingBracket(param, i);
      if (close < 0) throw invalidEntry(param.slice(start).trim());
      i = close;
    } else if (param[i] === ',') {
      entries.push(param.slice(start, i));
      start = i + 1;
    }
  }
  entries.push(param.slice(start));
  return entries;
}

function parseEntry(raw: string): AttributeReference {
  const entry = raw.trim();
  // Entra sends `emails[type eq "work"]`; the value filter does not narrow a projection, so it is skipped.
  let path = entry;
  const open = entry.indexOf('[');
  if (open >= 0) {
    const close = findClosingBracket(entry, open);
    const head = entry.slice(0, open);
    const rest = entry.slice(close + 1);
    const filterOnSubAttribute = head.slice(head.lastIndexOf(':') + 1).includes('.');
    const blankFilter = entry.slice(open + 1, close).trim() === '';
    if (close < 0 || blankFilter || filterOnSubAttribute || (rest !== '' && !rest.startsWith('.'))) throw invalidEntry(entry);
    path = head + rest;
  }

  let schema: string | undefined;
  let attributePath = path;
  if (/^urn:/i.test(path)) {
    const lastColon = path.lastIndexOf(':');
    schema = path.slice(0, lastColon);
    attributePath = path.slice(lastColon + 1);
    if (!URN_PREFIX.test(schema)) throw invalidEntry(entry);
  }
  const [attribute, subAttribute, ...deeper] = attributePath.split('.');
  if (attribute === undefined || !NAME.test(attribute) || (subAttribute !== undefined && !NAME.test(subAttribute)) || deeper.length > 0) {
    throw invalidEntry(entry);
  }
  return {
    ...(schema === undefined ? {} : { schema }),
    attribute,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}

/** Parses `attributes` / `excludedAttributes`; an absent or blank parameter is undefined (no projection). */
export function parseAttributeList(param: string | undefined): AttributeReference[] | undefined {
  if (param === undefined || param.trim() === '') return undefined;
  return splitEntries(param).map(parseEntry);
}

/** `true` selects a whole attribute; a map selects some of its sub-attributes (keys are lower-case names). */
type Selection = true | Map<string, Selection>;
type SelectionMap = Map<string, Selection>;

function addSelection(root: SelectionMap, names: readonly string[]): void {
  let node = root;
  for (const [index, name] of names.entries()) {
    const key = name.toLowerCase();
    const existing = node.get(key);
    if (existing === true) return;
    if (index === names.length - 1) {
      node.set(key, true);
      return;
    }
    const child = existing ?? new Map<string, Selection>();
    node.set(key, child);
    node = child;
  }
}

/**
 * Canonical name paths from the resource root that a reference designates, or [] when it names
 * nothing the resource type defines (unknown names are ignored, not an error).
 */
function resolveReference(registry: ScimSchemaRegistry, resourceTypeId: ResourceTypeId, reference: AttributeReference): string[][] {
  const type = registry.resourceType(resourceTypeId);
  if (reference.schema !== undefined) {
    const wholeUrn = registry.canonicalSchemaUrn(resourceTypeId, `${reference.schema}:${reference.attribute}`);
    if (wholeUrn !== undefined) {
      if (reference.subAttribute !== undefined) {
        // The dot form `urn:...:User.department` that older Entra jobs send for extension attributes.
        return resolveReference(registry, resourceTypeId, { schema: wholeUrn, attribute: reference.subAttribute });
      }
      if (wholeUrn === type.schema) return (registry.schema(wholeUrn)?.attributes ?? []).map((definition) => [definition.name]);
      return [[wholeUrn]];
    }
  }
  const resolved = registry.resolve(resourceTypeId, reference);
  if (!resolved) return [];
  const names = [resolved.definition.name];
  if (resolved.subAttribute) names.push(resolved.subAttribute.name);
  if (resolved.inExtension && resolved.schema !== undefined) names.unshift(resolved.schema);
  return [names];
}

function buildSelection(registry: ScimSchemaRegistry, resourceTypeId: ResourceTypeId, references: readonly AttributeReference[]): SelectionMap {
  const root: SelectionMap = new Map();
  for (const reference of references) {
    for (const names of resolveReference(registry, resourceTypeId, reference)) addSelection(root, names);
  }
  return root;
}

const SCHEMAS_ATTRIBUTE: AttributeDefinition = {
  name: 'schemas',
  type: 'reference',
  multiValued: true,
  description: 'The schema URIs the resource conforms to.',
  required: true,
  caseExact: true,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'none',
};

const rootAttributeLists = new WeakMap<ScimSchemaRegistry, Map<ResourceTypeId, readonly AttributeDefinition[]>>();

/** The resource itself, seen as one complex attribute: extensions are complex attributes keyed by URN. */
function rootAttributes(registry: ScimSchemaRegistry, resourceTypeId: ResourceTypeId): readonly AttributeDefinition[] {
  let lists = rootAttributeLists.get(registry);
  if (!lists) {
    lists = new Map();
    rootAttributeLists.set(registry, lists);
  }
  let list = lists.get(resourceTypeId);
  if (!list) {
    list = describeRootAttributes(registry, resourceTypeId);
    lists.set(resourceTypeId, list);
  }
  return list;
}

function describeRootAttributes(registry: ScimSchemaRegistry, resourceTypeId: ResourceTypeId): AttributeDefinition[] {
  const type = registry.resourceType(resourceTypeId);
  const extensions = registry.extensionUrns(resourceTypeId).map((urn): AttributeDefinition => {
    const schema = registry.schema(urn);
    return {
      name: urn,
      type: 'complex',
      multiValued: false,
      description: schema?.description ?? urn,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      subAttributes: schema?.attributes ?? [],
    };
  });
  return [SCHEMAS_ATTRIBUTE, ...COMMON_ATTRIBUTES, ...(registry.schema(type.schema)?.attributes ?? []), ...extensions];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `include` undefined means "everything returned by default"; `exclude` undefined means nothing excluded. */
function isIncluded(definition: AttributeDefinition, include: SelectionMap | undefined, exclude: SelectionMap | undefined, key = definition.name.toLowerCase()): boolean {
  if (definition.returned === 'never') return false;
  if (definition.returned === 'always') return true;
  if (exclude?.get(key) === true) return false;
  return include === undefined ? definition.returned === 'default' : include.has(key);
}

interface NamedDefinition {
  readonly definition: AttributeDefinition;
  /** The lower-cased name selections are keyed by. */
  readonly key: string;
}

const definitionMaps = new WeakMap<readonly AttributeDefinition[], Map<string, NamedDefinition>>();

/**
 * Attribute definitions by name as written and lower-cased, made once per list: every rendered resource
 * walks the same lists, and stored resources use the definitions' own spelling, so most keys match as is.
 */
function definitionsByName(attributes: readonly AttributeDefinition[]): Map<string, NamedDefinition> {
  let byName = definitionMaps.get(attributes);
  if (!byName) {
    byName = new Map();
    for (const definition of attributes) {
      const named = { definition, key: definition.name.toLowerCase() };
      byName.set(named.key, named);
      if (!byName.has(definition.name)) byName.set(definition.name, named);
    }
    definitionMaps.set(attributes, byName);
  }
  return byName;
}

/** Sets an own data property; a stored `__proto__` key stays data instead of replacing the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function projectComplex(
  value: Record<string, unknown>,
  subAttributes: readonly AttributeDefinition[],
  include: SelectionMap | undefined,
  exclude: SelectionMap | undefined,
): Record<string, unknown> {
  const definitions = definitionsByName(subAttributes);
  const projected: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    const named = definitions.get(key) ?? definitions.get(key.toLowerCase());
    if (!named) {
      // Keys the registry does not describe are only kept when nothing was asked for explicitly.
      if (include === undefined) setOwn(projected, key, child);
      continue;
    }
    const { definition, key: name } = named;
    if (!isIncluded(definition, include, exclude, name)) continue;
    const childInclude = definition.returned === 'always' ? undefined : include?.get(name);
    const childExclude = exclude?.get(name);
    const projectedChild = projectValue(
      child,
      definition,
      childInclude === true ? undefined : childInclude,
      childExclude === true ? undefined : childExclude,
    );
    if (projectedChild !== undefined) setOwn(projected, definition.name, projectedChild);
  }
  return projected;
}

/** Undefined when a selection or exclusion emptied a non-empty complex value, so no `{}` husks remain. */
function projectValue(value: unknown, definition: AttributeDefinition, include: SelectionMap | undefined, exclude: SelectionMap | undefined): unknown {
  const subAttributes = definition.subAttributes;
  if (!subAttributes) return value;
  const projectElement = (element: unknown): unknown => {
    if (!isPlainObject(element)) return element;
    const projected = projectComplex(element, subAttributes, include, exclude);
    return Object.keys(projected).length === 0 && Object.keys(element).length > 0 ? undefined : projected;
  };
  if (!Array.isArray(value)) return projectElement(value);
  const elements = value.map(projectElement).filter((element) => element !== undefined);
  return elements.length === 0 && value.length > 0 ? undefined : elements;
}

/**
 * Applies `attributes` / `excludedAttributes` to a rendered resource, returning a new object.
 * `id` and `schemas` are always kept, `returned: never` attributes (password) never appear.
 */
export function projectResource(
  registry: ScimSchemaRegistry,
  resourceTypeId: ResourceTypeId,
  resource: Record<string, unknown>,
  options: ProjectionOptions,
): Record<string, unknown> {
  const include = options.attributes && buildSelection(registry, resourceTypeId, options.attributes);
  const exclude = options.excludedAttributes && buildSelection(registry, resourceTypeId, options.excludedAttributes);
  return projectComplex(resource, rootAttributes(registry, resourceTypeId), include, exclude);
}

/**
 * Whether `projectResource` would keep this top-level attribute (possibly in part), so callers can
 * skip loading what would be dropped, e.g. a Group's members under `excludedAttributes=members`.
 */
export function wantsAttribute(
  registry: ScimSchemaRegistry,
  resourceTypeId: ResourceTypeId,
  options: ProjectionOptions,
  attribute: { readonly schema?: string; readonly attribute: string },
): boolean {
  const resolved = registry.resolve(resourceTypeId, attribute);
  if (!resolved) return options.attributes === undefined;
  const include = options.attributes && buildSelection(registry, resourceTypeId, options.attributes);
  const exclude = options.excludedAttributes && buildSelection(registry, resourceTypeId, options.excludedAttributes);
  if (!resolved.inExtension || resolved.schema === undefined) return isIncluded(resolved.definition, include, exclude);
  const block = resolved.schema.toLowerCase();
  const blockInclude = include?.get(block);
  const blockExclude = exclude?.get(block);
  if (blockExclude === true || (include !== undefined && blockInclude === undefined)) return false;
  return isIncluded(resolved.definition, blockInclude === true ? undefined : blockInclude, blockExclude);
}
