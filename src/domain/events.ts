/**
 * The change events the hub publishes (webhooks now, GraphQL subscriptions later): one closed list of
 * types, each with its payload and the kind of resource it is ordered by. Consumers dedupe on the
 * event id and may rely on the order of events about one resource, never across resources.
 */
import type { DomainValue } from './mapping/mapping-values';

export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.deprovisioned',
  'user.restored',
  'group.created',
  'group.updated',
  'group.deleted',
  'membership.added',
  'membership.removed',
  'ownership.transferred',
  'mapping.activated',
  'mapping.rolledBack',
  'token.expiring',
  'tenant.suspended',
  'tenant.resumed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export type EventResourceType = 'user' | 'group' | 'connection' | 'tenant';

/** What each event is about: its per-resource order runs over events of this resource. */
export const EVENT_RESOURCE_TYPES: Readonly<Record<EventType, EventResourceType>> = {
  'user.created': 'user',
  'user.updated': 'user',
  'user.deactivated': 'user',
  'user.reactivated': 'user',
  'user.deleted': 'user',
  'user.deprovisioned': 'user',
  'user.restored': 'user',
  'group.created': 'group',
  'group.updated': 'group',
  'group.deleted': 'group',
  'membership.added': 'group',
  'membership.removed': 'group',
  // About the deprovisioned user, so it follows that user's own user.deleted / user.deactivated.
  'ownership.transferred': 'user',
  'mapping.activated': 'connection',
  'mapping.rolledBack': 'connection',
  'token.expiring': 'connection',
  'tenant.suspended': 'tenant',
  'tenant.resumed': 'tenant',
};

/** A user as events describe it: identifiers only; apps read the rest over GraphQL. */
export interface UserEventData {
  readonly userId: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
}

export interface GroupEventData {
  readonly groupId: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

export interface MembershipEventData {
  readonly groupId: string;
  /** Users and groups added or removed by one change (callers split very large changes into several events). */
  readonly memberIds: readonly string[];
}

export type OwnershipTransferReason = 'deleted' | 'deactivated';

export interface OwnershipTransferredData {
  readonly fromUserId: string;
  /** The default substitute who now owns the resources; null when they were orphaned. */
  readonly toUserId: string | null;
  readonly reason: OwnershipTransferReason;
  readonly transferred: number;
  readonly orphaned: number;
  readonly byResourceType: Readonly<Record<string, number>>;
  /** The deprovisioned user was the default substitute: the setting was cleared and admins must choose another. */
  readonly substituteCleared: boolean;
}

/** One mapped field's change: its values before and after (a list for a multi-valued field; null when empty). */
export interface FieldChange {
  readonly before: DomainValue;
  readonly after: DomainValue;
}

/**
 * What changed a user's mapped values: a SCIM write, a bulk import, a re-apply of the active mapping
 * (after an activation or rollback), a change of the user's groups (the mapping reads groups) or an
 * admin's edit of an option list (rename, merge).
 */
export type MappedChangeCause = 'scim' | 'import' | 'reapply' | 'groups' | 'optionList';

/** user.updated: the identity, plus the mapped fields that changed, with what changed them. */
export interface UserUpdatedData extends UserEventData {
  /** Mapped fields whose value changed, by field key; absent or empty when only the raw resource changed. */
  readonly changes?: Readonly<Record<string, FieldChange>>;
  readonly cause?: MappedChangeCause;
  /** The mapping version that produced the new values. */
  readonly mappingVersion?: number;
}

/** mapping.activated and mapping.rolledBack: the connection's active mapping version moved. */
export interface MappingActivatedData {
  readonly connectionId: string;
  readonly version: number;
  readonly previousVersion: number | null;
}

export interface TokenExpiringData {
  readonly connectionId: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  /** Whole days left, 0 when the token expires within a day or has expired. */
  readonly daysLeft: number;
}

/** An operator suspended or resumed the tenant; while suspended, SCIM and GraphQL answer TENANT_SUSPENDED. */
export interface TenantSuspensionData {
  readonly tenantId: string;
  /** ISO 8601: when the suspension began (for tenant.resumed, the one that ended). */
  readonly suspendedAt: string;
  readonly reason: string | null;
}

export interface EventPayloads {
  'user.created': UserEventData;
  'user.updated': UserUpdatedData;
  'user.deactivated': UserUpdatedData;
  'user.reactivated': UserUpdatedData;
  'user.deleted': Omit<UserEventData, 'active'>;
  /** Kept as deprovisioned (the tenant's scimUserDelete policy): gone from reads, restorable by an admin. */
  'user.deprovisioned': Omit<UserEventData, 'active'>;
  /** An admin restored a deprovisioned user, same id, with its history and what it owned. */
  'user.restored': UserEventData & { readonly ownershipReturned: number };
  'group.created': GroupEventData;
  'group.updated': GroupEventData;
  'group.deleted': Pick<GroupEventData, 'groupId'>;
  'membership.added': MembershipEventData;
  'membership.removed': MembershipEventData;
  'ownership.transferred': OwnershipTransferredData;
  'mapping.activated': MappingActivatedData;
  'mapping.rolledBack': MappingActivatedData;
  'token.expiring': TokenExpiringData;
  'tenant.suspended': TenantSuspensionData;
  'tenant.resumed': TenantSuspensionData;
}

/** The event a service enqueues in the transaction of its change. */
export interface NewEvent<T extends EventType = EventType> {
  readonly tenantId: string;
  readonly type: T;
  readonly resourceId: string;
  /**
   * The resource's version after the change (users and groups), for consumers that compare; 'as stored':
   * the version on the resource's row when the event is written (bumped earlier in the same transaction
   * by a statement whose result is not back yet).
   */
  readonly resourceVersion?: number | 'as stored';
  readonly data: EventPayloads[T];
  /**
   * A deterministic id makes enqueueing idempotent: a second event with the same id is ignored.
   * Omitted, a fresh time-ordered id is used.
   */
  readonly id?: string;
}

/** The wire form of an event: the JSON body of a webhook delivery. */
export interface EventEnvelope<T extends EventType = EventType> {
  readonly id: string;
  readonly type: T;
  readonly tenantId: string;
  /** ISO 8601. */
  readonly occurredAt: string;
  readonly resource: { readonly type: EventResourceType; readonly id: string; readonly version: number | null };
  readonly data: EventPayloads[T];
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
