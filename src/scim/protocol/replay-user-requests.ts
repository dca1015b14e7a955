import type { UserRequestSequence } from '../../domain/mapping/dialect-samples';
import { isDomainError } from '../../domain/errors';
import { applyPatch, parsePatchRequest } from './apply-patch';
import { normalizeResource, type JsonObject } from './normalize-resource';
import { REDACTED } from './provisioning-record';
import { CORE_USER_SCHEMA, type ScimSchemaRegistry } from './schema-definitions';

export interface ReplayedSequence {
  /** The stored resource after each request that applied, as the SCIM handler would store it. */
  readonly resources: JsonObject[];
  /** Why the request after the last resource could not be applied (the rest were skipped). */
  readonly error?: string;
  /** True when a body holds values the provisioning log redacted. */
  readonly redacted: boolean;
}

function mentionsRedacted(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(mentionsRedacted);
  if (value !== null && typeof value === 'object') return Object.values(value).some(mentionsRedacted);
  return false;
}

/**
 * Replays user writes the way the SCIM handler applies them (POST and PUT normalised with the tenant's
 * registry, PATCH applied to the resource before it), without storing anything, from the sequence's
 * initial stored user (a PATCH applies to what the user was before it), else from an empty user.
 */
export function replayUserRequests(registry: ScimSchemaRegistry, sequence: UserRequestSequence): ReplayedSequence {
  const resources: JsonObject[] = [];
  let current: JsonObject = (sequence.initial as JsonObject | undefined) ?? { schemas: [CORE_USER_SCHEMA] };
  const redacted = sequence.requests.some((request) => mentionsRedacted(request.body));
  for (const [index, request] of sequence.requests.entries()) {
    try {
      current = request.method === 'PATCH' ? applyPatch(registry, 'User', current, parsePatchRequest(request.body)).resource : normalizeResource(registry, 'User', request.body);
      resources.push(current);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return { resources, error: `request ${index + 1} (${request.method}): ${error.message}`, redacted };
    }
  }
  return { resources, redacted };
}
