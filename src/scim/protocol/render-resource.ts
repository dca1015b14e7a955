import type { GroupMember, StoredGroup } from '../../domain/groups/group';
import type { StoredResource, StoredUser } from '../../domain/identity/user';
import type { JsonObject } from './normalize-resource';

/**
 * Stored resource -> SCIM representation: the raw resource as the IdP last set it, plus what the
 * server owns (id, meta, computed memberships). IdPs diff GET results against what they sent, so
 * nothing they sent is re-spelled here.
 */
export function formatVersion(version: number): string {
  return `W/"${version}"`;
}

/** `W/"3"`, `"3"` -> 3; `*` or absent -> undefined (any version). */
export function parseVersion(header: string | undefined): number | undefined | 'mismatch' {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  return match ? Number(match[1]) : 'mismatch';
}

function meta(resourceType: 'User' | 'Group', resource: StoredResource, location: string): JsonObject {
  return {
    resourceType,
    created: new Date(resource.createdAt).toISOString(),
    lastModified: new Date(resource.updatedAt).toISOString(),
    location,
    version: formatVersion(resource.version),
  };
}

export interface UserGroupReference {
  readonly id: string;
  readonly displayName: string;
}

export function renderUser(user: StoredUser, baseUrl: string, groups: readonly UserGroupReference[] | undefined): JsonObject {
  const location = `${baseUrl}/Users/${user.id}`;
  const rendered: JsonObject = { ...user.raw, id: user.id };
  // An IdP that never sent `active` still reads a definite value (Okta's spec test requires it).
  if (rendered.active === undefined) rendered.active = user.active;
  if (groups && groups.length > 0) {
    rendered.groups = groups.map((group) => ({ value: group.id, $ref: `${baseUrl}/Groups/${group.id}`, display: group.displayName, type: 'direct' }));
  }
  rendered.meta = meta('User', user, location);
  return rendered;
}

export function renderMember(member: GroupMember, baseUrl: string): JsonObject {
  const endpoint = member.type === 'Group' ? 'Groups' : 'Users';
  return {
    value: member.value,
    $ref: `${baseUrl}/${endpoint}/${member.value}`,
    type: member.type,
    ...(member.display !== null ? { display: member.display } : {}),
  };
}

/** `members` is left out when undefined: callers skip loading it when the projection drops it. */
export function renderGroup(group: StoredGroup, baseUrl: string, members: readonly GroupMember[] | undefined): JsonObject {
  const rendered: JsonObject = { ...group.raw, id: group.id };
  if (members) rendered.members = members.map((member) => renderMember(member, baseUrl));
  rendered.meta = meta('Group', group, `${baseUrl}/Groups/${group.id}`);
  return rendered;
}
