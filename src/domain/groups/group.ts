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

export interface MemberReference {
  readonly value: string;
  readonly display?: string | null;
}

/** A change to a group's memberships, applied as row operations in request order. */
export type MembershipChange =
  | { readonly op: 'add'; readonly members: readonly MemberReference[] }
  | { readonly op: 'remove'; readonly values: readonly string[] }
  | { readonly op: 'removeAll' }
  | { readonly op: 'replace'; readonly members: readonly MemberReference[] };
