/**
 * RFC 7644 §3.5.2 PATCH, with the dialects of Entra ID, Okta and OneLogin (see
 * docs scim-clients.md §3-4): case-insensitive ops, string booleans, no-path values with dotted
 * and URN keys, create-on-absent for `attr[filter].sub`, and the three manager forms.
 *
 * The engine works on a copy, so a failing operation leaves the caller's resource untouched.
 * Group members are not part of the resource (groups can hold 100k+ members): operations on
 * `members` come back as MemberOperations for the service to apply as row changes.
 */
import { DomainError } from '../../domain/errors';
import type { FilterNode } from '../../domain/filter/filter-ast';
import { evaluateFilter } from '../../domain/filter/evaluate-filter';
import type { MemberType } from '../../domain/groups/group';
import { isAbsent, isJsonObject, normalizeValue, readKey, type JsonObject } from './normalize-resource';
import { parseAttributePath, type ParsedAttributePath } from '../../domain/filter/attribute-path';
import {
  findSubAttribute,
  type AttributeDefinition,
  type ResolvedAttribute,
  type ResourceTypeDefinition,
  type ScimSchemaRegistry,
} from './schema-definitions';

export type PatchOp = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: PatchOp;
  /** Absent for a no-path add/replace, whose value is an object of paths to values. */
  readonly path?: string;
  readonly value?: unknown;
}

export interface PatchMember {
  readonly value: string;
  readonly display?: string;
  readonly type?: MemberType;
}

export type MemberOperation =
  | { readonly op: 'add'; readonly members: readonly PatchMember[] }
  | { readonly op: 'remove'; readonly values: readonly string[] }
  | { readonly op: 'removeAll' }
  | { readonly op: 'replace'; readonly members: readonly PatchMember[] };

export interface PatchResult {
  readonly resource: JsonObject;
  /** Changes to Group membership, in request order. Always empty for a User. */
  readonly memberOperations: readonly MemberOperation[];
}

type ResourceTypeId = ResourceTypeDefinition['id'];

/** What a path resolved to. `definition` is absent for an attribute a declared extension does not define. */
interface Target {
  /** The path as the client wrote it, for error messages. */
  readonly text: string;
  /** Canonical URN of the extension holding the attribute; absent for core and common attributes. */
  readonly extension?: string;
  readonly name: string;
  readonly definition?: AttributeDefinition;
  readonly valueFilter?: FilterNode;
  readonly subAttribute?: AttributeDefinition;
}

interface DefinedTarget extends Target {
  readonly definition: AttributeDefinition;
}

const PATCH_OPS: ReadonlySet<string> = new Set<PatchOp>(['add', 'replace', 'remove']);

/** Reads the operations of a PatchOp body. Structural keys and `op` values match in any letter case. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw new DomainError('INVALID_SYNTAX', 'The PATCH request body must be a JSON object');
  // `schemas` is not checked: a PatchOp body is recognisable by `Operations`, and some clients omit it.
  const operations = readKey(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new DomainError('INVALID_SYNTAX', "The PATCH request must have a non-empty 'Operations' array");
  }
  return operations.map(parseOperation);
}

/**
 * When every operation of a PATCH adds members (`path: "members"`) or removes named ones
 * (`members[value eq "..."]`), the ids it adds, in request order: known before the group is read, so
 * their existence can be checked together with it. Undefined for any other PATCH.
 */
export function membersAddedOnly(operations: readonly PatchOperation[]): string[] | undefined {
  const ids: string[] = [];
  for (const operation of operations) {
    const path = operation.path?.toLowerCase();
    if (operation.op === 'remove' && path?.startsWith('members[')) continue;
    if (operation.op !== 'add' || path !== 'members' || !Array.isArray(operation.value)) return undefined;
    for (const member of operation.value) {
      const value = isJsonObject(member) ? readKey(member, 'value') : undefined;
      if (typeof value === 'string') ids.push(value);
    }
  }
  return ids;
}

function parseOperation(operation: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isJsonObject(operation)) throw new DomainError('INVALID_SYNTAX', `${where} must be a JSON object`);
  const opText = readKey(operation, 'op');
  const op = typeof opText === 'string' ? opText.toLowerCase() : undefined;
  if (op === undefined || !PATCH_OPS.has(op)) {
    throw new DomainError('INVALID_INPUT', `${where}.op must be "add", "replace" or "remove"; got ${JSON.stringify(opText) ?? 'nothing'}`);
  }
  const rawPath = readKey(operation, 'path');
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
    throw new DomainError('INVALID_PATH', `${where}.path must be a string`);
  }
  const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : undefined;
  const value = readKey(operation, 'value');
  if (op === 'remove' && path === undefined) {
    throw new DomainError('NO_TARGET', `${where}: "remove" needs a path naming what to remove`);
  }
  if (op !== 'remove' && value === undefined) throw new DomainError('INVALID_INPUT', `${where}: "${op}" needs a value`);
  return { op: op as PatchOp, path, value };
}

/**
 * Applies `operations` in order to a copy of `resource` (a stored, normalised resource). Throws
 * DomainError on the first failing operation; the input is never modified.
 */
export function applyPatch(
  registry: ScimSchemaRegistry,
  resourceTypeId: ResourceTypeId,
  resource: JsonObject,
  operations: readonly PatchOperation[],
): PatchResult {
  const patch = new ResourcePatch(registry, resourceTypeId, structuredClone(resource));
  for (const operation of operations) patch.apply(operation);
  return patch.finish();
}

class ResourcePatch {
  private readonly memberOperations: MemberOperation[] = [];
  private readonly coreSchema: string;
  private readonly schemaUrns: readonly string[];

  constructor(
    private readonly registry: ScimSchemaRegistry,
    private readonly resourceTypeId: ResourceTypeId,
    private readonly resource: JsonObject,
  ) {
    this.coreSchema = registry.resourceType(resourceTypeId).schema;
    this.schemaUrns = [this.coreSchema, ...registry.extensionUrns(resourceTypeId)];
  }

  apply({ op, path, value }: PatchOperation): void {
    if (path === undefined) return this.applyWithoutPath(op, value);
    // A path naming a whole extension (`urn:...:enterprise:2.0:User`) addresses its block.
    const urn = this.registry.canonicalSchemaUrn(this.resourceTypeId, path);
    if (urn !== undefined && urn !== this.coreSchema) {
      if (op === 'remove') delete this.resource[urn];
      else this.applySchemaBlock(op, urn, value);
      return;
    }
    this.applyAtPath(op, parseAttributePath(path, this.schemaUrns), path, value);
  }

  /** Drops emptied extension blocks and lists the extensions present in `schemas`. */
  finish(): PatchResult {
    const extensions = this.registry.extensionUrns(this.resourceTypeId).filter((urn) => {
      const block = this.resource[urn];
      if (isJsonObject(block) && Object.keys(block).length > 0) return true;
      delete this.resource[urn];
      return false;
    });
    this.resource.schemas = [this.coreSchema, ...extensions];
    return { resource: this.resource, memberOperations: this.memberOperations };
  }

  /**
   * RFC 7644 §3.5.2.1/3: the value holds attributes to add or replace. Entra's keys may be paths
   * (`name.givenName`, `urn:...:User:employeeNumber`); an extension URN key holds that extension's attributes.
   */
  private applyWithoutPath(op: PatchOp, value: unknown): void {
    if (!isJsonObject(value)) throw new DomainError('INVALID_INPUT', `"${op}" without a path needs an object value of attributes`);
    for (const [key, entry] of Object.entries(value)) {
      const lower = key.toLowerCase();
      // Okta renames a group with {"id": ..., "displayName": ...}: the unchanged id is not a change request.
      if (lower === 'id' || lower === 'schemas') continue;
      const urn = this.registry.canonicalSchemaUrn(this.resourceTypeId, key);
      if (urn === undefined) this.applyAtPath(op, parseAttributePath(key, this.schemaUrns), key, entry);
      else this.applySchemaBlock(op, urn, entry);
    }
  }

  private applySchemaBlock(op: PatchOp, urn: string, value: unknown): void {
    if (isAbsent(value)) {
      if (op === 'replace' && urn !== this.coreSchema) delete this.resource[urn];
      return;
    }
    if (!isJsonObject(value)) throw new DomainError('INVALID_INPUT', `Attribute '${urn}' must be an object of attributes`);
    for (const [key, entry] of Object.entries(value)) {
      const text = `${urn}:${key}`;
      this.applyAtPath(op, parseAttributePath(text, this.schemaUrns), text, entry);
    }
  }

  private applyAtPath(op: PatchOp, path: ParsedAttributePath, text: string, value: unknown): void {
    const target = this.resolveTarget(path, text);
    if (!hasDefinition(target)) return this.applyUndeclared(op, target, value);
    // Okta sends password on create and password sync; the hub never authenticates, so it is never stored.
    if (target.definition.mutability === 'writeOnly') return;
    if (this.resourceTypeId === 'Group' && target.definition.name === 'members') {
      const memberOperation = toMemberOperation(op, target, value);
      if (memberOperation !== undefined) this.memberOperations.push(memberOperation);
      return;
    }
    if (target.valueFilter !== undefined) return this.applyFiltered(op, target, target.valueFilter, value);
    if (target.subAttribute !== undefined) return this.applySubAttribute(op, target, target.subAttribute, value);
    return this.applyAttribute(op, target, value);
  }

  private resolveTarget(path: ParsedAttributePath, text: string): Target {
    const schema = path.schema === undefined ? undefined : this.registry.canonicalSchemaUrn(this.resourceTypeId, path.schema);
    if (path.schema !== undefined && schema === undefined) {
      throw new DomainError('INVALID_PATH', `Unknown schema '${path.schema}' in PATCH path '${text}'`);
    }
    const resolved =
      this.registry.resolve(this.resourceTypeId, { schema, attribute: path.attribute }) ??
      (schema === undefined ? this.resolveExtensionAttribute(path.attribute) : undefined);

    if (resolved === undefined) {
      if (schema === undefined || schema === this.coreSchema) {
        throw new DomainError('INVALID_PATH', `Unknown attribute '${path.attribute}' in PATCH path '${text}'`);
      }
      if (path.valueFilter !== undefined || path.subAttribute !== undefined) {
        throw new DomainError('INVALID_PATH', `'${path.attribute}' is not defined by ${schema}, so only its whole value can be patched ('${text}')`);
      }
      return { text, extension: schema, name: path.attribute };
    }

    const { definition } = resolved;
    if (definition.mutability === 'readOnly') {
      throw new DomainError('MUTABILITY', `Attribute '${definition.name}' is readOnly and cannot be patched`);
    }
    let subAttribute: AttributeDefinition | undefined;
    if (path.subAttribute !== undefined) {
      subAttribute = findSubAttribute(definition, path.subAttribute);
      if (!subAttribute) {
        throw new DomainError('INVALID_PATH', `Attribute '${definition.name}' has no sub-attribute '${path.subAttribute}' (PATCH path '${text}')`);
      }
    }
    if (path.valueFilter !== undefined && !(definition.multiValued && definition.type === 'complex')) {
      throw new DomainError('INVALID_PATH', `Attribute '${definition.name}' is not multi-valued, so '${text}' cannot filter its values`);
    }
    return {
      text,
      extension: resolved.inExtension ? resolved.schema : undefined,
      name: definition.name,
      definition,
      valueFilter: path.valueFilter,
      subAttribute,
    };
  }

  /**
   * An extension attribute named without its URN, when exactly one extension defines it: Entra
   * sends `"path": "manager"` for the enterprise manager.
   */
  private resolveExtensionAttribute(attribute: string): ResolvedAttribute | undefined {
    const found = this.registry
      .extensionUrns(this.resourceTypeId)
      .map((urn) => this.registry.resolve(this.resourceTypeId, { schema: urn, attribute }))
      .filter((resolved) => resolved !== undefined);
    return found.length === 1 ? found[0] : undefined;
  }

  /** The object holding the target attribute: the resource, or its extension block (created on demand). */
  private container(target: Target, create: boolean): JsonObject | undefined {
    if (target.extension === undefined) return this.resource;
    const block = this.resource[target.extension];
    if (isJsonObject(block)) return block;
    if (!create) return undefined;
    const created: JsonObject = {};
    this.resource[target.extension] = created;
    return created;
  }

  /** Attributes a declared extension does not define are stored as sent. */
  private applyUndeclared(op: PatchOp, target: Target, value: unknown): void {
    const container = this.container(target, op !== 'remove');
    if (container === undefined) return;
    setKey(container, target.name, op === 'remove' || isAbsent(value) ? undefined : structuredClone(value));
  }

  private applyAttribute(op: PatchOp, target: DefinedTarget, value: unknown): void {
    const { definition } = target;
    const container = this.container(target, op !== 'remove');
    if (container === undefined) return;
    const current = getKey(container, target.name);

    if (op === 'remove' && definition.multiValued && !isAbsent(value)) {
      // Entra removes values by listing them: {"op":"Remove","path":"roles","value":[{"value":"r1"}]}.
      const listed = (normalizeValue(definition, value, target.text) ?? []) as unknown[];
      const kept = asList(current).filter((element) => !listed.some((given) => containsValue(element, given)));
      return setKey(container, target.name, kept.length > 0 ? kept : undefined);
    }
    const normalized = op === 'remove' ? undefined : normalizeValue(definition, value, target.text);
    if (normalized === undefined) {
      // Adding "no values" to a list changes nothing; otherwise an absent value clears the attribute.
      if (op === 'add' && definition.multiValued) return;
      if (definition.required) {
        throw new DomainError('INVALID_INPUT', `Attribute '${definition.name}' is required and cannot be removed or emptied`);
      }
      return setKey(container, target.name, undefined);
    }

    if (definition.multiValued) {
      const values = normalized as unknown[];
      const { elements, touched } = op === 'add' ? appendDistinct(asList(current), values) : { elements: values, touched: values };
      keepSinglePrimary(elements, touched);
      setKey(container, target.name, elements);
    } else if (definition.type === 'complex') {
      setKey(container, target.name, mergeComplex(current, normalized as JsonObject));
    } else {
      setKey(container, target.name, normalized);
    }
  }

  /** `name.familyName`, `manager.value`, or `emails.value` (every element: no filter selects one). */
  private applySubAttribute(op: PatchOp, target: DefinedTarget, subAttribute: AttributeDefinition, value: unknown): void {
    const container = this.container(target, op !== 'remove');
    if (container === undefined) return;
    const normalized = op === 'remove' ? undefined : normalizeValue(subAttribute, value, target.text);
    const current = getKey(container, target.name);

    if (target.definition.multiValued) {
      const elements = asList(current).filter(isJsonObject);
      for (const element of elements) setKey(element, subAttribute.name, normalized);
      if (elements.length === 0 && normalized !== undefined) elements.push({ [subAttribute.name]: normalized });
      const kept = elements.filter((element) => Object.keys(element).length > 0);
      return setKey(container, target.name, kept.length > 0 ? kept : undefined);
    }
    const element = isJsonObject(current) ? current : {};
    setKey(element, subAttribute.name, normalized);
    setKey(container, target.name, Object.keys(element).length > 0 ? element : undefined);
  }

  /** `emails[type eq "work"]` and `emails[type eq "work"].value`. */
  private applyFiltered(op: PatchOp, target: DefinedTarget, filter: FilterNode, value: unknown): void {
    const { definition, subAttribute } = target;
    const container = this.container(target, op !== 'remove');
    if (container === undefined) return;
    const elements = asList(getKey(container, target.name));
    const matches = elements.filter((element): element is JsonObject => isJsonObject(element) && matchesFilter(definition, filter, element));

    if (op === 'remove') {
      if (subAttribute === undefined) {
        const kept = elements.filter((element) => !matches.includes(element as JsonObject));
        return setKey(container, target.name, kept.length > 0 ? kept : undefined);
      }
      for (const match of matches) setKey(match, subAttribute.name, undefined);
      const kept = elements.filter((element) => !isJsonObject(element) || Object.keys(element).length > 0);
      return setKey(container, target.name, kept.length > 0 ? kept : undefined);
    }

    const changes = subAttribute === undefined ? this.elementValue(target, value) : wrapSubAttribute(subAttribute, target.text, value);
    if (changes === undefined) return this.applyFiltered('remove', target, filter, undefined);
    let touched = matches;
    if (matches.length === 0) {
      // RFC 7644 reads a replace without a match as an error, but Entra and Okta expect
      // `emails[type eq "work"].value` to create the work email (wire-server PR #5419).
      if (op === 'replace' && subAttribute === undefined) {
        throw new DomainError('NO_TARGET', `No value of '${definition.name}' matches the filter in PATCH path '${target.text}'`);
      }
      const created = elementFromFilter(definition, filter, target.text);
      elements.push(created);
      touched = [created];
    }
    for (const element of touched) Object.assign(element, changes);
    keepSinglePrimary(elements, touched);
    setKey(container, target.name, elements);
  }

  /** The single element an `attr[filter]` add/replace merges into the selected values; undefined when absent. */
  private elementValue(target: DefinedTarget, value: unknown): JsonObject | undefined {
    const normalized = normalizeValue(target.definition, value, target.text) as JsonObject[] | undefined;
    if (normalized !== undefined && normalized.length > 1) {
      throw new DomainError('INVALID_INPUT', `PATCH path '${target.text}' selects values to update; its value must be one object`);
    }
    return normalized?.[0];
  }
}

function hasDefinition(target: Target): target is DefinedTarget {
  return target.definition !== undefined;
}

/** The sub-attribute change as an object to merge, or undefined when the new value is absent. */
function wrapSubAttribute(subAttribute: AttributeDefinition, text: string, value: unknown): JsonObject | undefined {
  const normalized = normalizeValue(subAttribute, value, text);
  return normalized === undefined ? undefined : { [subAttribute.name]: normalized };
}

function matchesFilter(definition: AttributeDefinition, filter: FilterNode, element: JsonObject): boolean {
  return evaluateFilter(filter, element, {
    isCaseExact: (path) => findSubAttribute(definition, path.subAttribute ?? path.attribute)?.caseExact ?? false,
  });
}

/**
 * The element a filter describes, for create-on-absent: `type eq "work"` (optionally `and`-ed
 * equalities) gives `{type: "work"}`. Any other filter does not say what to create.
 */
function elementFromFilter(definition: AttributeDefinition, filter: FilterNode, text: string): JsonObject {
  const element: JsonObject = {};
  const collect = (node: FilterNode): boolean => {
    if (node.kind === 'and') return collect(node.left) && collect(node.right);
    if (node.kind !== 'compare' || node.op !== 'eq' || node.path.schema !== undefined || node.path.subAttribute !== undefined) return false;
    const subAttribute = findSubAttribute(definition, node.path.attribute);
    if (!subAttribute) return false;
    const value = normalizeValue(subAttribute, node.value, text);
    if (value !== undefined) element[subAttribute.name] = value;
    return true;
  };
  if (!collect(filter)) {
    throw new DomainError(
      'NO_TARGET',
      `No value of '${definition.name}' matches the filter in PATCH path '${text}', and the filter does not describe one to create`,
    );
  }
  return element;
}

function toMemberOperation(op: PatchOp, target: DefinedTarget, value: unknown): MemberOperation | undefined {
  if (target.subAttribute !== undefined) {
    throw new DomainError('INVALID_PATH', `Member sub-attributes cannot be patched ('${target.text}'); remove the member and add it again`);
  }
  if (target.valueFilter !== undefined) {
    if (op !== 'remove') throw new DomainError('INVALID_PATH', `'${target.text}': a members[...] filter can only be used with "remove"`);
    return { op: 'remove', values: memberValuesFromFilter(target.valueFilter, target.text) };
  }
  // RFC 7644 §3.5.2.2: remove without a value clears the attribute; Entra lists the members to remove instead.
  if (op === 'remove' && (value === undefined || value === null)) return { op: 'removeAll' };
  const members = ((normalizeValue(target.definition, value, target.text) ?? []) as JsonObject[]).map(toPatchMember);
  if (op === 'replace') return { op: 'replace', members };
  if (members.length === 0) return undefined;
  return op === 'add' ? { op: 'add', members } : { op: 'remove', values: members.map((member) => member.value) };
}

function toPatchMember(member: JsonObject): PatchMember {
  return {
    value: member.value as string,
    ...(member.display !== undefined ? { display: member.display as string } : {}),
    ...(member.type !== undefined ? { type: member.type as MemberType } : {}),
  };
}

/** `members[value eq "a"]`, or several joined by `or`: the only member selections the store can apply by id. */
function memberValuesFromFilter(filter: FilterNode, text: string): string[] {
  if (filter.kind === 'or') return [...memberValuesFromFilter(filter.left, text), ...memberValuesFromFilter(filter.right, text)];
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.path.schema === undefined &&
    filter.path.subAttribute === undefined &&
    filter.path.attribute.toLowerCase() === 'value' &&
    typeof filter.value === 'string'
  ) {
    return [filter.value];
  }
  throw new DomainError(
    'INVALID_FILTER',
    `Members can only be selected by id: use members[value eq "<id>"], optionally joined with "or" (PATCH path '${text}')`,
  );
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/** Own key of `object` matching `name` in any letter case. */
function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
}

function getKey(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/** Sets `name` (replacing a key spelt in another case), or deletes it when `value` is undefined. */
function setKey(object: JsonObject, name: string, value: unknown): void {
  const existing = findKey(object, name);
  if (existing !== undefined) delete object[existing];
  if (value !== undefined) object[name] = value;
}

/**
 * RFC 7644: a complex value's sub-attributes are merged into the existing ones. A different `value`
 * names a different thing (another manager), so none of the old one's sub-attributes are kept.
 */
function mergeComplex(current: unknown, incoming: JsonObject): JsonObject {
  if (!isJsonObject(current) || (incoming.value !== undefined && incoming.value !== current.value)) return incoming;
  return { ...current, ...incoming };
}

/**
 * Appends each added value unless an equal one (ignoring `primary`) is there, in which case a
 * `primary: true` carries over to it. `touched` are the elements the added values ended up as.
 */
function appendDistinct(current: unknown[], added: unknown[]): { elements: unknown[]; touched: unknown[] } {
  const elements = [...current];
  const touched = added.map((value) => {
    const existing = elements.find((element) => sameIgnoringPrimary(element, value));
    if (existing === undefined) {
      elements.push(value);
      return value;
    }
    if (isJsonObject(existing) && isJsonObject(value) && value.primary === true) existing.primary = true;
    return existing;
  });
  return { elements, touched };
}

/** RFC 7643 §2.4: at most one value is primary; the last one this operation set keeps it. */
function keepSinglePrimary(elements: unknown[], touched: unknown[]): void {
  const chosen = [...touched].reverse().find((element) => isJsonObject(element) && element.primary === true);
  if (chosen === undefined) return;
  for (const element of elements) {
    if (element !== chosen && isJsonObject(element) && element.primary === true) element.primary = false;
  }
}

function sameIgnoringPrimary(left: unknown, right: unknown): boolean {
  if (!isJsonObject(left) || !isJsonObject(right)) return isDeepEqual(left, right);
  const { primary: _leftPrimary, ...leftRest } = left;
  const { primary: _rightPrimary, ...rightRest } = right;
  return isDeepEqual(leftRest, rightRest);
}

/** Whether `element` has every sub-attribute `given` lists, with the same values (a value-list remove). */
function containsValue(element: unknown, given: unknown): boolean {
  if (!isJsonObject(element) || !isJsonObject(given)) return isDeepEqual(element, given);
  return Object.entries(given).every(([key, value]) => isDeepEqual(element[key], value));
}

function isDeepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((value, index) => isDeepEqual(value, right[index]));
  }
  if (!isJsonObject(left) || !isJsonObject(right)) return false;
  const leftKeys = Object.keys(left);
  return leftKeys.length === Object.keys(right).length && leftKeys.every((key) => Object.hasOwn(right, key) && isDeepEqual(left[key], right[key]));
}
