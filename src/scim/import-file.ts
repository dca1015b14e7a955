/**
 * The import file format (README "Bulk import"): NDJSON, one SCIM User or Group resource per line, as
 * a POST body would carry it. Each line is normalised exactly as POST /Users or /Groups normalises a
 * body. Group members name users by hub id (`value`), `userName` or `externalId`.
 */
import { isDomainError } from '../domain/errors';
import type { ImportMemberReference, ImportRecord } from '../services/bulk-import.service';
import { isJsonObject, normalizeResource, readKey } from './protocol/normalize-resource';
import { extractGroupFields, extractUserFields } from './protocol/resource-fields';
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, type ScimSchemaRegistry } from './protocol/schema-definitions';

/** A line that is not a resource this format allows (thrown while reading the line, reported with its number). */
class InvalidLine extends Error {}

const MEMBER_KEYS = ['value', 'userName', 'externalId'] as const;

/** A member entry: exactly one of value, userName, externalId (a non-empty string), and optionally display and type. */
function parseMember(entry: unknown, index: number): ImportMemberReference {
  if (!isJsonObject(entry)) throw new InvalidLine(`members[${index}] is not an object`);
  const named = MEMBER_KEYS.filter((key) => readKey(entry, key) !== undefined);
  if (named.length !== 1) throw new InvalidLine(`members[${index}] must have exactly one of value, userName, externalId`);
  const key = named[0];
  const text = readKey(entry, key);
  if (typeof text !== 'string' || text === '') throw new InvalidLine(`members[${index}].${key} must be a non-empty string`);
  const display = readKey(entry, 'display');
  if (display !== undefined && display !== null && typeof display !== 'string') throw new InvalidLine(`members[${index}].display must be a string`);
  const type = readKey(entry, 'type');
  if (type !== undefined && type !== 'User' && type !== 'Group') throw new InvalidLine(`members[${index}].type must be "User" or "Group"`);
  if (type === 'Group' && key !== 'value') throw new InvalidLine(`members[${index}]: a group member is named by its id (value)`);
  const base = key === 'value' ? { value: text } : key === 'userName' ? { userName: text } : { externalId: text };
  return { ...base, display: (display as string | null | undefined) ?? null };
}

function resourceTypeOf(body: Record<string, unknown>): 'User' | 'Group' {
  const schemas = readKey(body, 'schemas');
  const list = Array.isArray(schemas) ? schemas.map((schema) => String(schema).toLowerCase()) : [];
  const isUser = list.includes(CORE_USER_SCHEMA.toLowerCase());
  const isGroup = list.includes(CORE_GROUP_SCHEMA.toLowerCase());
  if (isUser === isGroup) throw new InvalidLine(`"schemas" must name either ${CORE_USER_SCHEMA} or ${CORE_GROUP_SCHEMA}`);
  return isUser ? 'User' : 'Group';
}

function parseLine(registry: ScimSchemaRegistry, text: string, line: number): ImportRecord {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { line, kind: 'invalid', reason: `not JSON: ${(error as Error).message}` };
  }
  try {
    if (!isJsonObject(body)) throw new InvalidLine('a line must be a JSON object');
    if (resourceTypeOf(body) === 'User') {
      const raw = normalizeResource(registry, 'User', body);
      return { line, kind: 'User', write: { raw, fields: extractUserFields(raw) } };
    }
    const membersKey = Object.keys(body).find((key) => key.toLowerCase() === 'members');
    const { [membersKey ?? 'members']: members, ...rest } = body;
    if (members !== undefined && members !== null && !Array.isArray(members)) throw new InvalidLine('members must be an array');
    const references = ((members as unknown[] | null | undefined) ?? []).map(parseMember);
    const raw = normalizeResource(registry, 'Group', rest);
    return { line, kind: 'Group', write: { raw, fields: extractGroupFields(raw) }, members: references };
  } catch (error) {
    if (isDomainError(error) || error instanceof InvalidLine) return { line, kind: 'invalid', reason: error.message };
    throw error;
  }
}

/**
 * The lines of a text stream, read with the stream's own backpressure: memory holds one chunk of the
 * file and the lines the consumer has not yet taken, however slow the consumer is.
 */
export async function* linesOf(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

/** Records of an import file's lines, numbered from 1; blank lines are skipped. */
export async function* readImportRecords(lines: AsyncIterable<string>, registry: ScimSchemaRegistry): AsyncGenerator<ImportRecord> {
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    yield parseLine(registry, text, line);
  }
}
