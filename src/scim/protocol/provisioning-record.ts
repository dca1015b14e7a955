/**
 * What the provisioning log keeps of one SCIM exchange: the facts an IdP admin debugs from, with
 * personal data taken out. Bodies keep their structure (which attributes, which operations, how many
 * members) but not the values that identify a person; filter values in the query go the same way.
 */

export const REDACTED = '[redacted]';

/** Attributes whose values identify a person (or are secrets), compared without case and URN prefix. */
const PERSONAL_ATTRIBUTES = new Set([
  'username',
  'displayname',
  'nickname',
  'name',
  'formatted',
  'givenname',
  'familyname',
  'middlename',
  'honorificprefix',
  'honorificsuffix',
  'emails',
  'phonenumbers',
  'addresses',
  'ims',
  'photos',
  'x509certificates',
  'display',
  'employeenumber',
]);
const SECRET_LIKE = /pass(word)?|pwd|secret|token|credential/i;
/** Literal comparisons that identify nothing personal keep their value in logged filters. */
const IDENTIFIER_FILTER_ATTRIBUTES = new Set(['id', 'externalid', 'members.value']);
const ARRAY_ITEMS_KEPT = 100;
const STRING_CHARS_KEPT = 1000;
const PATH_CHARS_KEPT = 2048;
const DETAIL_CHARS_KEPT = 2000;

/** `urn:...:enterprise:2.0:User:employeeNumber` -> `employeenumber`; `emails[type eq "work"].value` -> `emails`. */
function topAttribute(path: string): string {
  const withoutFilter = path.split('[')[0];
  const segments = withoutFilter.split(':');
  const last = segments[segments.length - 1] ?? '';
  // A URN's last segment is `User:attr` or `attr.sub`; what is before the first dot names the attribute.
  return last.split('.')[0].toLowerCase();
}

function isSensitiveName(name: string): boolean {
  return PERSONAL_ATTRIBUTES.has(topAttribute(name)) || SECRET_LIKE.test(name);
}

const COMPARISON = /([A-Za-z0-9_.:$-]+)(\s+)(eq|ne|co|sw|ew|gt|ge|lt|le)(\s+)("(?:[^"\\]|\\.)*"|[^\s()[\]]+)/gi;

/** Replaces the compared values of a SCIM filter, except booleans, null and plain identifiers. */
export function redactFilterValues(filter: string): string {
  return filter.replace(COMPARISON, (match, attribute: string, space1: string, operator: string, space2: string, value: string) => {
    if (/^(true|false|null)$/i.test(value)) return match;
    const name = attribute.toLowerCase().replace(/^urn:.*:/, '');
    if (IDENTIFIER_FILTER_ATTRIBUTES.has(name)) return match;
    return `${attribute}${space1}${operator}${space2}"${REDACTED}"`;
  });
}

function redactValue(value: unknown, sensitive: boolean): unknown {
  if (Array.isArray(value)) {
    const kept = value.slice(0, ARRAY_ITEMS_KEPT).map((item) => redactValue(item, sensitive));
    return value.length > ARRAY_ITEMS_KEPT ? [...kept, `... ${value.length - ARRAY_ITEMS_KEPT} more`] : kept;
  }
  if (value !== null && typeof value === 'object') {
    const operation = value as Record<string, unknown>;
    // A PATCH operation: its value belongs to the attribute its path names.
    const operationPath = typeof operation.op === 'string' && typeof operation.path === 'string' ? operation.path : undefined;
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(operation)) {
      if (operationPath !== undefined && key === 'path') {
        result.path = isSensitiveName(operationPath) ? redactFilterValues(operationPath) : operationPath;
      } else if (operationPath !== undefined && key === 'value') {
        result.value = redactValue(item, sensitive || isSensitiveName(operationPath));
      } else {
        result[key] = redactValue(item, sensitive || isSensitiveName(key));
      }
    }
    return result;
  }
  if (typeof value === 'string') {
    if (sensitive) return REDACTED;
    return value.length > STRING_CHARS_KEPT ? `${value.slice(0, STRING_CHARS_KEPT)}...` : value;
  }
  if (typeof value === 'number' && sensitive) return REDACTED;
  return value;
}

/** The body with personal and secret values replaced, arrays cut at 100 items, long strings cut. */
export function redactScimBody(body: unknown): unknown {
  return redactValue(body, false);
}

/**
 * The body with only secrets replaced (attributes named like password, secret, token or credential, and
 * PATCH values aimed at them), everything else as sent: what mapping previews replay.
 */
export function redactSecrets(value: unknown, secret = false): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, secret));
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const operationPath = typeof object.op === 'string' && typeof object.path === 'string' ? object.path : undefined;
    return Object.fromEntries(
      Object.entries(object).map(([key, item]) => {
        const aimedAtSecret = key === 'value' && operationPath !== undefined && SECRET_LIKE.test(operationPath);
        return [key, redactSecrets(item, secret || aimedAtSecret || SECRET_LIKE.test(key))];
      }),
    );
  }
  return secret && value !== null ? REDACTED : value;
}

/** `/Users?filter=userName eq "x"&count=10` with filter values redacted (decoded, for people to read). */
export function redactRequestPath(url: string): string {
  const [path, query] = splitOnce(url, '?');
  if (query === undefined || query === '') return path.slice(0, PATH_CHARS_KEPT);
  const parameters = query.split('&').map((pair) => {
    const [rawName, rawValue = ''] = splitOnce(pair, '=');
    const name = safeDecode(rawName);
    const value = safeDecode(rawValue);
    return `${name}=${name.toLowerCase() === 'filter' ? redactFilterValues(value) : value}`;
  });
  return `${path}?${parameters.join('&')}`.slice(0, PATH_CHARS_KEPT);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export type LoggedResourceType = 'User' | 'Group';

/**
 * The resource an exchange is about: from the path (`/Users/{id}`), or for a create from the Location
 * of the answer. Ids longer than a UUID are not ids the hub issued and are left out.
 */
export function resourceOfExchange(path: string, location: string | undefined): { resourceType: LoggedResourceType | null; resourceId: string | null } {
  const [collection, id] = path.split('?')[0].split('/').filter(Boolean);
  const resourceType = collection?.toLowerCase() === 'users' ? 'User' : collection?.toLowerCase() === 'groups' ? 'Group' : null;
  if (resourceType === null) return { resourceType, resourceId: null };
  const fromLocation = location?.split('/').pop();
  const candidate = id !== undefined ? safeDecode(id) : fromLocation;
  return { resourceType, resourceId: candidate !== undefined && candidate.length > 0 && candidate.length <= 36 ? candidate : null };
}

/** The `detail` and `scimType` of a SCIM error body, cut to what the log stores. */
export function errorOfExchange(errorBody: unknown): { errorDetail: string | null; scimType: string | null } {
  const body = (errorBody ?? {}) as { detail?: unknown; scimType?: unknown };
  return {
    errorDetail: typeof body.detail === 'string' ? body.detail.slice(0, DETAIL_CHARS_KEPT) : null,
    scimType: typeof body.scimType === 'string' ? body.scimType.slice(0, 50) : null,
  };
}
