import type { StoredResource } from '../identity/user';

export type MemberType = 'User' | 'Group';

export interface GroupIndexFields {
  readonly displayName: string;
  readonly externalId: string | null;
}

export interface StoredGroup extends StoredResource {
  readonly displayName: string;
}

/** A membership row. Nested groups are members of type Group; their members do not cascade. */
export interface GroupMember {
  readonly value: string;
  readonly type: MemberType;
  readonly display: string | null;
}

export function normalizeGroupName(displayName: string): string {
  return displayName.normalize('NFKC').trim().toLowerCase();
}
