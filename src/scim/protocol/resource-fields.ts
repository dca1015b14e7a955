import type { UserEmail, UserIndexFields } from '../../domain/identity/user';
import type { GroupIndexFields } from '../../domain/groups/group';
import type { JsonObject } from './normalize-resource';
import { ENTERPRISE_USER_SCHEMA } from './schema-definitions';
import { stripDefaultIgnorables } from '../../domain/text';

/**
 * The indexed fields of a normalised SCIM resource: what uniqueness, lookups and filters use. The
 * resource itself is stored whole beside them.
 */
function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** externalId as it is matched and filtered (case-exact, RFC 7643): without characters that render as nothing. */
function externalIdKey(value: unknown): string | null {
  const visible = typeof value === 'string' ? stripDefaultIgnorables(value) : value;
  return text(visible);
}

function object(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function emailsOf(value: unknown): UserEmail[] {
  if (!Array.isArray(value)) return [];
  return value
    .map(object)
    .filter((email) => text(email.value) !== null)
    .map((email) => ({ value: email.value as string, type: text(email.type), primary: email.primary === true }));
}

export function extractUserFields(resource: JsonObject): UserIndexFields {
  const name = object(resource.name);
  const enterprise = object(resource[ENTERPRISE_USER_SCHEMA]);
  return {
    userName: resource.userName as string,
    externalId: externalIdKey(resource.externalId),
    // RFC 7643 leaves the default open; a user the IdP did not say is inactive is active.
    active: resource.active !== false,
    displayName: text(resource.displayName),
    givenName: text(name.givenName),
    familyName: text(name.familyName),
    title: text(resource.title),
    userType: text(resource.userType),
    department: text(enterprise.department),
    division: text(enterprise.division),
    organization: text(enterprise.organization),
    costCenter: text(enterprise.costCenter),
    employeeNumber: text(enterprise.employeeNumber),
    managerId: text(object(enterprise.manager).value),
    emails: emailsOf(resource.emails),
  };
}

export function extractGroupFields(resource: JsonObject): GroupIndexFields {
  return { displayName: resource.displayName as string, externalId: externalIdKey(resource.externalId) };
}
