import type { FilterNode } from './filter-ast';

/** How values of a field compare: RFC 7643 types reduced to what filtering distinguishes. */
export type FieldValueType = 'string' | 'boolean' | 'dateTime' | 'number';

/** Indexed single-valued fields of a user, in domain spelling. */
export type UserField =
  | 'id'
  | 'externalId'
  | 'userName'
  | 'active'
  | 'displayName'
  | 'givenName'
  | 'familyName'
  | 'title'
  | 'userType'
  | 'department'
  | 'division'
  | 'organization'
  | 'costCenter'
  | 'employeeNumber'
  | 'managerId'
  | 'createdAt'
  | 'updatedAt';

export type GroupField = 'id' | 'externalId' | 'displayName' | 'createdAt' | 'updatedAt';

/**
 * What a filter path names once the protocol layer has resolved it. Indexed fields and the
 * multi-valued rows (emails, members) are columns; anything else is read from the stored resource.
 */
export type FilterField =
  | { readonly kind: 'field'; readonly field: UserField | GroupField; readonly type: FieldValueType; readonly caseExact: boolean }
  /** A sub-attribute of one email row (`emails.value`, `emails[type eq "work"]`). */
  | { readonly kind: 'email'; readonly sub: 'value' | 'type' | 'primary'; readonly type: FieldValueType; readonly caseExact: boolean }
  /** A sub-attribute of one membership row (`members.value`, `members[value eq "x"]`). */
  | { readonly kind: 'member'; readonly sub: 'value' | 'type' | 'display'; readonly type: FieldValueType; readonly caseExact: boolean }
  /** The multi-valued attribute itself, as the target of a value path (`emails[...]`). */
  | { readonly kind: 'collection'; readonly collection: 'emails' | 'members' }
  /** A value inside the stored resource JSON, by canonical keys (e.g. `["name", "formatted"]`). */
  | {
      readonly kind: 'raw';
      readonly keys: readonly string[];
      /** Index of the key that names a multi-valued attribute (its elements are searched), if any. */
      readonly arrayAt?: number;
      readonly type: FieldValueType;
      readonly caseExact: boolean;
    };

export type ResolvedFilter = FilterNode<FilterField>;
