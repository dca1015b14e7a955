import { DomainError } from '../../domain/errors';
import type { AttributePath, FilterNode } from '../../domain/filter/filter-ast';
import type { FieldValueType, FilterField, GroupField, ResolvedFilter, UserField } from '../../domain/filter/filter-field';
import {
  findSubAttribute,
  type AttributeDefinition,
  type ResourceTypeDefinition,
  type ScimSchemaRegistry,
} from './schema-definitions';

/**
 * SCIM attribute paths -> the fields the store can filter and sort on. Names are matched
 * case-insensitively through the registry; what is indexed maps to a column, everything else the
 * registry knows is read from the stored resource JSON.
 */
type ResourceTypeId = ResourceTypeDefinition['id'];

/** Keys are `<schema urn or "">|<attribute>|<sub-attribute or "">`, lower-cased. */
const USER_FIELDS: Record<string, UserField> = {
  '|id|': 'id',
  '|externalid|': 'externalId',
  '|meta|created': 'createdAt',
  '|meta|lastmodified': 'updatedAt',
  'urn:ietf:params:scim:schemas:core:2.0:user|username|': 'userName',
  'urn:ietf:params:scim:schemas:core:2.0:user|active|': 'active',
  'urn:ietf:params:scim:schemas:core:2.0:user|displayname|': 'displayName',
  'urn:ietf:params:scim:schemas:core:2.0:user|name|givenname': 'givenName',
  'urn:ietf:params:scim:schemas:core:2.0:user|name|familyname': 'familyName',
  'urn:ietf:params:scim:schemas:core:2.0:user|title|': 'title',
  'urn:ietf:params:scim:schemas:core:2.0:user|usertype|': 'userType',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|department|': 'department',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|division|': 'division',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|organization|': 'organization',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|costcenter|': 'costCenter',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|employeenumber|': 'employeeNumber',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|manager|value': 'managerId',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user|manager|': 'managerId',
};

const GROUP_FIELDS: Record<string, GroupField> = {
  '|id|': 'id',
  '|externalid|': 'externalId',
  '|meta|created': 'createdAt',
  '|meta|lastmodified': 'updatedAt',
  'urn:ietf:params:scim:schemas:core:2.0:group|displayname|': 'displayName',
};

/** Multi-valued attributes kept as rows of their own, with the sub-attributes those rows hold. */
const COLLECTIONS: Record<string, { collection: 'emails' | 'members'; subs: readonly string[] }> = {
  'urn:ietf:params:scim:schemas:core:2.0:user|emails': { collection: 'emails', subs: ['value', 'type', 'primary'] },
  'urn:ietf:params:scim:schemas:core:2.0:group|members': { collection: 'members', subs: ['value', 'type', 'display'] },
};

function valueType(definition: AttributeDefinition): FieldValueType {
  if (definition.type === 'boolean') return 'boolean';
  if (definition.type === 'integer' || definition.type === 'decimal') return 'number';
  if (definition.type === 'dateTime') return 'dateTime';
  return 'string';
}

function key(schema: string | undefined, attribute: string, sub?: string): string {
  return `${schema ?? ''}|${attribute}|${sub ?? ''}`.toLowerCase();
}

function collectionOf(path: { schema: string | undefined; attribute: string }) {
  return COLLECTIONS[`${path.schema ?? ''}|${path.attribute}`.toLowerCase()];
}

interface ResolvedPath {
  readonly schema: string | undefined;
  readonly inExtension: boolean;
  /** Canonical attribute name, or the name as written for an attribute the registry does not define. */
  readonly attribute: string;
  readonly definition: AttributeDefinition | undefined;
  readonly subAttribute: string | undefined;
  readonly subDefinition: AttributeDefinition | undefined;
}

function unknownAttribute(path: AttributePath): DomainError {
  const name = [path.schema, [path.attribute, path.subAttribute].filter(Boolean).join('.')].filter(Boolean).join(':');
  return new DomainError('INVALID_FILTER', `unknown attribute "${name}"`);
}

/** Resolves through the registry; attributes of a declared extension that it does not define stay as written. */
function resolvePath(registry: ScimSchemaRegistry, type: ResourceTypeId, path: AttributePath): ResolvedPath {
  const resolved = registry.resolve(type, path);
  if (resolved) {
    return {
      schema: resolved.schema,
      inExtension: resolved.inExtension,
      attribute: resolved.definition.name,
      definition: resolved.definition,
      subAttribute: resolved.subAttribute?.name,
      subDefinition: resolved.subAttribute,
    };
  }
  const extension = path.schema !== undefined ? registry.canonicalSchemaUrn(type, path.schema) : undefined;
  const known = path.schema !== undefined ? registry.resolve(type, { schema: path.schema, attribute: path.attribute }) : undefined;
  if (extension && extension !== registry.resourceType(type).schema && !known) {
    return { schema: extension, inExtension: true, attribute: path.attribute, definition: undefined, subAttribute: path.subAttribute, subDefinition: undefined };
  }
  throw unknownAttribute(path);
}

function rawKeys(path: ResolvedPath): string[] {
  const keys = path.inExtension && path.schema ? [path.schema, path.attribute] : [path.attribute];
  return path.subAttribute ? [...keys, path.subAttribute] : keys;
}

function fieldFor(registry: ScimSchemaRegistry, type: ResourceTypeId, path: AttributePath): FilterField {
  // `schemas` sits outside every schema; `schemas eq "<urn>"` finds resources carrying an extension (RFC 7644 3.4.2.2).
  if (path.schema === undefined && path.subAttribute === undefined && path.attribute.toLowerCase() === 'schemas') {
    return { kind: 'raw', keys: ['schemas'], arrayAt: 0, type: 'string', caseExact: false };
  }
  const resolved = resolvePath(registry, type, path);
  const indexed = (type === 'User' ? USER_FIELDS : GROUP_FIELDS)[key(resolved.schema, resolved.attribute, resolved.subAttribute)];
  const leaf = resolved.subDefinition ?? resolved.definition;
  if (indexed) {
    return { kind: 'field', field: indexed, type: leaf ? valueType(leaf) : 'string', caseExact: leaf?.caseExact ?? false };
  }
  const collection = collectionOf(resolved);
  if (collection && resolved.definition) {
    // `emails co "x"` compares the `value` sub-attribute (RFC 7644 section 3.4.2.2).
    const sub = resolved.subAttribute ?? 'value';
    const subDefinition = findSubAttribute(resolved.definition, sub);
    if (!subDefinition || !collection.subs.includes(subDefinition.name)) throw unknownAttribute(path);
    const kind = collection.collection === 'emails' ? 'email' : 'member';
    return { kind, sub: subDefinition.name as never, type: valueType(subDefinition), caseExact: subDefinition.caseExact };
  }
  if (resolved.definition?.mutability === 'readOnly' && resolved.definition.name !== 'meta' && resolved.definition.name !== 'id') {
    throw new DomainError('INVALID_FILTER', `filtering on "${resolved.definition.name}" is not supported`);
  }
  if (resolved.attribute === 'meta') throw new DomainError('INVALID_FILTER', 'only meta.created and meta.lastModified can be filtered');
  const keys = rawKeys(resolved);
  const multiValued = resolved.definition?.multiValued ?? false;
  const arrayAt = multiValued ? keys.indexOf(resolved.attribute) : undefined;
  if (resolved.definition?.type === 'complex' && !resolved.subAttribute && !multiValued) {
    throw new DomainError('INVALID_FILTER', `"${resolved.attribute}" is complex: name one of its sub-attributes`);
  }
  const targetDefinition = resolved.subDefinition ?? (resolved.definition?.type === 'complex' ? findSubAttribute(resolved.definition, 'value') : resolved.definition);
  const elementKeys = resolved.definition?.type === 'complex' && !resolved.subAttribute && multiValued ? [...keys, 'value'] : keys;
  return {
    kind: 'raw',
    keys: elementKeys,
    arrayAt,
    type: targetDefinition ? valueType(targetDefinition) : 'string',
    caseExact: targetDefinition?.caseExact ?? false,
  };
}

/** Resolves paths inside `attr[...]`: they name sub-attributes of one element. */
function elementFieldFor(parent: ResolvedPath, path: AttributePath): FilterField {
  if (path.schema !== undefined || path.subAttribute !== undefined) {
    throw new DomainError('INVALID_FILTER', `inside ${parent.attribute}[...] only sub-attributes of ${parent.attribute} can be named`);
  }
  const collection = collectionOf(parent);
  const subDefinition = parent.definition && findSubAttribute(parent.definition, path.attribute);
  if (collection) {
    if (!subDefinition || !collection.subs.includes(subDefinition.name)) throw unknownAttribute({ attribute: parent.attribute, subAttribute: path.attribute });
    return { kind: collection.collection === 'emails' ? 'email' : 'member', sub: subDefinition.name as never, type: valueType(subDefinition), caseExact: subDefinition.caseExact };
  }
  if (parent.definition && !subDefinition) throw unknownAttribute({ attribute: parent.attribute, subAttribute: path.attribute });
  return {
    kind: 'raw',
    keys: [subDefinition?.name ?? path.attribute],
    type: subDefinition ? valueType(subDefinition) : 'string',
    caseExact: subDefinition?.caseExact ?? false,
  };
}

function resolveNode(registry: ScimSchemaRegistry, type: ResourceTypeId, node: FilterNode, parent?: ResolvedPath): ResolvedFilter {
  const field = (path: AttributePath) => (parent ? elementFieldFor(parent, path) : fieldFor(registry, type, path));
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, left: resolveNode(registry, type, node.left, parent), right: resolveNode(registry, type, node.right, parent) };
    case 'not':
      return { kind: 'not', operand: resolveNode(registry, type, node.operand, parent) };
    case 'present':
      return { kind: 'present', path: field(node.path) };
    case 'compare':
      return { kind: 'compare', path: field(node.path), op: node.op, value: node.value };
    case 'valuePath': {
      if (parent) throw new DomainError('INVALID_FILTER', 'value filters cannot be nested');
      const resolved = resolvePath(registry, type, node.path);
      if (resolved.definition && (!resolved.definition.multiValued || resolved.subAttribute)) {
        throw new DomainError('INVALID_FILTER', `"${resolved.attribute}" is not a multi-valued attribute`);
      }
      const collection = collectionOf(resolved);
      const target: FilterField = collection
        ? { kind: 'collection', collection: collection.collection }
        : { kind: 'raw', keys: rawKeys(resolved), arrayAt: rawKeys(resolved).length - 1, type: 'string', caseExact: false };
      return { kind: 'valuePath', path: target, filter: resolveNode(registry, type, node.filter, resolved) };
    }
  }
}

export function resolveFilter(registry: ScimSchemaRegistry, type: ResourceTypeId, filter: FilterNode): ResolvedFilter {
  return resolveNode(registry, type, filter);
}

/** The indexed field a `sortBy` names; sorting on anything else is refused with a clear error. */
export function resolveSortField(registry: ScimSchemaRegistry, type: ResourceTypeId, path: AttributePath): UserField | GroupField {
  let field: FilterField;
  try {
    field = fieldFor(registry, type, path);
  } catch {
    throw new DomainError('INVALID_INPUT', `cannot sort by "${path.attribute}": unknown attribute`);
  }
  if (field.kind !== 'field') throw new DomainError('INVALID_INPUT', `cannot sort by "${path.attribute}"; sortable: userName, displayName, name.givenName, name.familyName, externalId, meta.created, meta.lastModified`);
  return field.field;
}
