/**
 * Normalises SCIM request bodies (POST/PUT) and PATCH values to the schema: canonical attribute
 * names, coerced Entra string booleans, IdP-specific shapes (manager, members), and absent values
 * dropped. Input is read case-insensitively and leniently; wrong types are `invalidValue`.
 */
import { DomainError } from '../../domain/errors';
import { exceedsMaxStringBytes, MAX_STRING_BYTES } from '../../domain/string-limits';
import {
  findSubAttribute,
  type AttributeDefinition,
  type ResourceTypeDefinition,
  type ScimSchemaRegistry,
} from './schema-definitions';

export type JsonObject = Record<string, unknown>;

type ResourceTypeId = ResourceTypeDefinition['id'];

/**
 * Keys some clients send instead of the RFC sub-attribute name, per parent attribute (lower case).
 * An alias is read only when the canonical key is absent.
 */
const SUB_ATTRIBUTE_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // The Microsoft SCIM collection sends a member's display as `displayName` (AzureAD/SCIMReferenceCode#20).
  members: { displayname: 'display' },
  // Some OneLogin templates carry the manager's id as `managerId`.
  manager: { managerid: 'value' },
};

const DESCRIBED_VALUE_LENGTH = 40;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7643 §2.5: null and an empty array are the same state as unassigned; OneLogin also sends ""
 * for an unset template parameter.
 */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The value of `object`'s own key named `name` in any letter case (structural keys such as `Operations`). */
export function readKey(object: JsonObject, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

/** Attributes a client may set: readOnly ones are the server's, and the only writeOnly one (password) is never stored. */
function isClientWritable(definition: AttributeDefinition): boolean {
  return definition.mutability === 'readWrite' || definition.mutability === 'immutable';
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isJsonObject(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > DESCRIBED_VALUE_LENGTH ? `${text.slice(0, DESCRIBED_VALUE_LENGTH)}...` : text;
}

function invalidValue(path: string, expected: string, value: unknown): DomainError {
  return new DomainError('INVALID_INPUT', `Attribute '${path}' must be ${expected}; got ${describeValue(value)}`);
}

/**
 * Coerces one attribute value to its definition. Returns undefined when the value is absent
 * (null, "", [] or an object left without sub-attributes); throws INVALID_INPUT naming `path`
 * for a value of the wrong type. Strings are kept exactly as sent.
 */
export function normalizeValue(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (isAbsent(value)) return undefined;
  if (!definition.multiValued) return normalizeSingleValue(definition, value, path);
  // A single value for a multi-valued attribute is read as a list of one.
  const elements = (Array.isArray(value) ? value : [value])
    .map((element, index) => normalizeSingleValue(definition, element, `${path}[${index}]`))
    .filter((element) => element !== undefined);
  return elements.length > 0 ? elements : undefined;
}

function normalizeSingleValue(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (isAbsent(value)) return undefined;
  if (definition.type !== 'complex') return normalizeScalar(definition, value, path);

  let element = value;
  if (Array.isArray(element) && !definition.multiValued) {
    // Entra's PATCH sends the manager as `[{"$ref": ..., "value": ...}]`.
    if (element.length !== 1) throw invalidValue(path, 'a single object', value);
    element = element[0];
    if (isAbsent(element)) return undefined;
  }
  // A bare string names the value: a member id (Microsoft collection), a manager id (Entra inbound).
  if (typeof element === 'string' && findSubAttribute(definition, 'value')) element = { value: element };
  if (!isJsonObject(element)) throw invalidValue(path, 'an object', value);

  const normalized = normalizeSubAttributes(definition, element, path);
  if (definition.name === 'members') return normalizeMember(definition, normalized, path);
  return Object.keys(normalized).length > 0 ? normalized : undefined;
}

function normalizeScalar(definition: AttributeDefinition, value: unknown, path: string): unknown {
  switch (definition.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // Entra sends "True"/"False" for active and primary (AzureAD/SCIMReferenceCode#21).
      if (typeof value === 'string' && value.toLowerCase() === 'true') return true;
      if (typeof value === 'string' && value.toLowerCase() === 'false') return false;
      throw invalidValue(path, 'a boolean (true or false)', value);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalidValue(path, 'an integer', value);
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalidValue(path, 'a number', value);
    default:
      // string, reference, dateTime and binary are all JSON strings.
      if (typeof value !== 'string') throw invalidValue(path, 'a string', value);
      if (exceedsMaxStringBytes(value)) throw invalidValue(path, `at most ${MAX_STRING_BYTES} bytes of UTF-8`, value);
      return value;
  }
}

/** Canonical sub-attribute names; unknown sub-attributes of a known complex attribute are dropped. */
function normalizeSubAttributes(definition: AttributeDefinition, value: JsonObject, path: string): JsonObject {
  const aliases = SUB_ATTRIBUTE_ALIASES[definition.name.toLowerCase()] ?? {};
  const result: JsonObject = {};
  const aliased: [AttributeDefinition, unknown][] = [];
  for (const [key, raw] of Object.entries(value)) {
    const subAttribute = findSubAttribute(definition, key);
    const aliasTarget = subAttribute ? undefined : aliases[key.toLowerCase()];
    if (subAttribute) assignNormalized(result, subAttribute, raw, `${path}.${subAttribute.name}`);
    else if (aliasTarget) aliased.push([findSubAttribute(definition, aliasTarget)!, raw]);
  }
  for (const [subAttribute, raw] of aliased) {
    if (result[subAttribute.name] === undefined) assignNormalized(result, subAttribute, raw, `${path}.${subAttribute.name}`);
  }
  return result;
}

function assignNormalized(target: JsonObject, definition: AttributeDefinition, value: unknown, path: string): void {
  const normalized = normalizeValue(definition, value, path);
  if (normalized !== undefined) target[definition.name] = normalized;
}

/** A member needs its id; `type` is optional (Okta sends none) but must name User or Group. */
function normalizeMember(definition: AttributeDefinition, member: JsonObject, path: string): JsonObject {
  if (member.value === undefined) throw new DomainError('INVALID_INPUT', `Attribute '${path}.value' (the member id) is required`);
  if (member.type !== undefined) {
    const wanted = String(member.type).toLowerCase();
    const canonicalValues = findSubAttribute(definition, 'type')?.canonicalValues ?? [];
    const canonical = canonicalValues.find((candidate) => candidate.toLowerCase() === wanted);
    if (!canonical) throw invalidValue(`${path}.type`, `one of ${canonicalValues.join(', ')}`, member.type);
    member.type = canonical;
  }
  return member;
}

/**
 * Normalises a POST or PUT body to the stored form: canonical names, extension blocks under their
 * canonical URN, and `schemas` listing the core URN plus the extensions present. Unknown attributes,
 * unknown extension URNs, readOnly attributes and `password` are dropped; attributes a declared
 * extension does not define are kept as sent (a tenant may declare them later).
 * Group `members` stay in the result; the caller stores them as membership rows.
 */
export function normalizeResource(registry: ScimSchemaRegistry, resourceTypeId: ResourceTypeId, body: unknown): JsonObject {
  if (!isJsonObject(body)) throw new DomainError('INVALID_SYNTAX', 'The request body must be a JSON object');
  const resourceType = registry.resourceType(resourceTypeId);
  rejectScim1Schemas(resourceType.schema, readKey(body, 'schemas'));

  const attributes: JsonObject = {};
  const extensions: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    const urn = registry.canonicalSchemaUrn(resourceTypeId, key);
    if (urn !== undefined && urn !== resourceType.schema) {
      const block = normalizeExtension(registry, resourceTypeId, urn, value);
      if (block !== undefined) extensions[urn] = block;
      continue;
    }
    const resolved = registry.resolve(resourceTypeId, { attribute: key });
    if (!resolved || !isClientWritable(resolved.definition)) continue;
    assignNormalized(attributes, resolved.definition, value, resolved.definition.name);
  }

  for (const definition of registry.schema(resourceType.schema)?.attributes ?? []) {
    if (definition.required && attributes[definition.name] === undefined) {
      throw new DomainError('INVALID_INPUT', `Attribute '${definition.name}' is required`);
    }
  }
  const extensionUrns = registry.extensionUrns(resourceTypeId).filter((urn) => extensions[urn] !== undefined);
  return { schemas: [resourceType.schema, ...extensionUrns], ...attributes, ...extensions };
}

/** OneLogin's Core v1.1 connector sends SCIM 1.1 bodies, whose attributes differ; say so rather than guess. */
function rejectScim1Schemas(coreUrn: string, schemas: unknown): void {
  if (!Array.isArray(schemas)) return;
  const urns = schemas.filter((urn): urn is string => typeof urn === 'string').map((urn) => urn.toLowerCase());
  if (!urns.includes(coreUrn.toLowerCase()) && urns.some((urn) => urn.startsWith('urn:scim:schemas:'))) {
    throw new DomainError('INVALID_INPUT', `SCIM 1.1 schemas are not supported; use ${coreUrn}`);
  }
}

function normalizeExtension(
  registry: ScimSchemaRegistry,
  resourceTypeId: ResourceTypeId,
  urn: string,
  value: unknown,
): JsonObject | undefined {
  if (isAbsent(value)) return undefined;
  if (!isJsonObject(value)) throw invalidValue(urn, 'an object of extension attributes', value);
  const block: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    const resolved = registry.resolve(resourceTypeId, { schema: urn, attribute: key });
    if (!resolved) {
      if (!isAbsent(raw)) block[key] = raw;
    } else if (isClientWritable(resolved.definition)) {
      assignNormalized(block, resolved.definition, raw, `${urn}:${resolved.definition.name}`);
    }
  }
  return Object.keys(block).length > 0 ? block : undefined;
}
