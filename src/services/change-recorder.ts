import type { AuditContext } from '../domain/audit';
import type { FieldChange, MappedChangeCause, NewEvent } from '../domain/events';
import type { GroupIndexFields, StoredGroup } from '../domain/groups/group';
import type { StoredUser, UserIndexFields } from '../domain/identity/user';
import type { Tx } from '../persistence/database';
import type { AuditService } from './audit.service';
import type { OutboxService } from './outbox.service';
import type { OwnershipService, OwnershipTransfer } from './ownership.service';
import type { WriteActor } from './write-actor';

/** Members per membership event: a 100k-member replace becomes many small events, not one huge one. */
const MEMBERS_PER_EVENT = 1000;
/** Members an audit row names; the count says how many there were. */
const MEMBERS_PER_AUDIT_ROW = 100;

function contextOf(actor: WriteActor): AuditContext {
  return { actor: actor.auditActor ?? { type: 'connection', id: actor.connection.id }, requestId: actor.requestId ?? null };
}

function userData(user: StoredUser, fields: UserIndexFields) {
  return { userId: user.id, userName: user.userName, externalId: fields.externalId, active: user.active };
}

/** A user's mapped values after a change: the fields that changed and the mapping version that wrote them. */
export interface MappedChanges {
  readonly changes: Readonly<Record<string, FieldChange>>;
  readonly mappingVersion: number;
}

/** The mapped part of a user event: present only when some mapped field changed. */
function mappedData(mapped: MappedChanges | undefined, cause: MappedChangeCause) {
  return mapped === undefined || Object.keys(mapped.changes).length === 0 ? {} : { changes: mapped.changes, cause, mappingVersion: mapped.mappingVersion };
}

/** A user whose mapped values changed without a write to the user (re-apply, group change, option list edit). */
export interface RemappedUser {
  readonly user: { readonly id: string; readonly userName: string; readonly externalId: string | null; readonly active: boolean; readonly version: number };
  readonly mapped: MappedChanges;
}

function userChangeType(before: StoredUser, after: StoredUser): 'user.updated' | 'user.deactivated' | 'user.reactivated' {
  return before.active && !after.active ? 'user.deactivated' : !before.active && after.active ? 'user.reactivated' : 'user.updated';
}

function groupData(group: StoredGroup, fields: GroupIndexFields) {
  return { groupId: group.id, displayName: fields.displayName, externalId: fields.externalId };
}

/** Whether a group's indexed fields changed (a rename re-maps its members when the mapping reads groups). */
export function groupRenamed(before: GroupIndexFields, after: GroupIndexFields): boolean {
  return before.displayName !== after.displayName || before.externalId !== after.externalId;
}

/** Membership events name the members a change named, at most MEMBERS_PER_EVENT each; none names none (consumers re-read the group). */
function membershipEvents(group: StoredGroup, type: 'membership.added' | 'membership.removed', memberIds: readonly string[], version: number | 'as stored'): Omit<NewEvent, 'id' | 'tenantId'>[] {
  const chunks: (readonly string[])[] = [];
  for (let start = 0; start < memberIds.length; start += MEMBERS_PER_EVENT) chunks.push(memberIds.slice(start, start + MEMBERS_PER_EVENT));
  return (chunks.length > 0 ? chunks : [[]]).map((chunk) => ({ type, resourceId: group.id, resourceVersion: version, data: { groupId: group.id, memberIds: chunk } }));
}

/** A user a bulk import created (`before` null) or changed. */
export interface ImportedUser {
  readonly before: StoredUser | null;
  readonly after: StoredUser;
  readonly fields: UserIndexFields;
  readonly mapped?: MappedChanges;
}

/** A group a bulk import created (`before` null) or changed, with the members it added and removed. */
export interface ImportedGroup {
  readonly before: { readonly group: StoredGroup; readonly fields: GroupIndexFields } | null;
  readonly after: StoredGroup;
  readonly fields: GroupIndexFields;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The change event (transactional outbox) and audit row of every user and group change, in the change's transaction. */
export class ChangeRecorder {
  constructor(
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly ownership: OwnershipService,
  ) {}

  async userCreated(tx: Tx, actor: WriteActor, user: StoredUser, fields: UserIndexFields): Promise<void> {
    await this.outbox.enqueue(tx, { tenantId: user.tenantId, type: 'user.created', resourceId: user.id, resourceVersion: user.version, data: userData(user, fields) });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: user.tenantId, action: 'user.created', target: { type: 'user', id: user.id }, after: fields });
  }

  /** Deactivation can hand the user's resources to the default substitute when the tenant chose so. The event names the mapped fields that changed. */
  async userChanged(tx: Tx, actor: WriteActor, before: StoredUser, beforeFields: UserIndexFields, after: StoredUser, afterFields: UserIndexFields, mapped?: MappedChanges): Promise<void> {
    const type = userChangeType(before, after);
    await this.outbox.enqueue(tx, { tenantId: after.tenantId, type, resourceId: after.id, resourceVersion: after.version, data: { ...userData(after, afterFields), ...mappedData(mapped, 'scim') } });
    if (type === 'user.deactivated') await this.ownership.transferOwnership(tx, after.tenantId, after.id, 'deactivated', contextOf(actor));
    await this.audit.record(tx, { ...contextOf(actor), tenantId: after.tenantId, action: type, target: { type: 'user', id: after.id }, before: beforeFields, after: afterFields });
  }

  /** Everything the user owned passes to the default substitute (or is marked orphaned); the IdP's DELETE always succeeds. */
  async userDeleted(tx: Tx, actor: WriteActor, user: StoredUser, fields: UserIndexFields): Promise<void> {
    await this.outbox.enqueue(tx, {
      tenantId: user.tenantId,
      type: 'user.deleted',
      resourceId: user.id,
      resourceVersion: user.version + 1,
      data: { userId: user.id, userName: user.userName, externalId: fields.externalId },
    });
    await this.ownership.transferOwnership(tx, user.tenantId, user.id, 'deleted', contextOf(actor));
    await this.audit.record(tx, { ...contextOf(actor), tenantId: user.tenantId, action: 'user.deleted', target: { type: 'user', id: user.id }, before: { userName: user.userName } });
  }

  /**
   * Kept as deprovisioned: the same transfer as a delete (the substitute applies whenever the IdP removes
   * a user), announced as user.deprovisioned. Returns where the resources went, for a later restore.
   */
  async userDeprovisioned(tx: Tx, actor: WriteActor, user: StoredUser, fields: UserIndexFields): Promise<OwnershipTransfer | null> {
    await this.outbox.enqueue(tx, {
      tenantId: user.tenantId,
      type: 'user.deprovisioned',
      resourceId: user.id,
      resourceVersion: user.version + 1,
      data: { userId: user.id, userName: user.userName, externalId: fields.externalId },
    });
    const transfer = await this.ownership.transferOwnership(tx, user.tenantId, user.id, 'deleted', contextOf(actor));
    await this.audit.record(tx, { ...contextOf(actor), tenantId: user.tenantId, action: 'user.deprovisioned', target: { type: 'user', id: user.id }, before: { userName: user.userName } });
    return transfer;
  }

  /** An admin restored a deprovisioned user: what it owned and is still with its substitute comes back. */
  async userRestored(tx: Tx, actor: WriteActor, user: StoredUser, fields: UserIndexFields, ownershipHeldBy: string | null): Promise<void> {
    const ownershipReturned = await this.ownership.returnOwnership(tx, user.tenantId, user.id, ownershipHeldBy, contextOf(actor));
    await this.outbox.enqueue(tx, { tenantId: user.tenantId, type: 'user.restored', resourceId: user.id, resourceVersion: user.version, data: { ...userData(user, fields), ownershipReturned } });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: user.tenantId, action: 'user.restored', target: { type: 'user', id: user.id }, after: fields, details: { ownershipReturned } });
  }

  /** An admin purged a deprovisioned user for good: announced as user.deleted. */
  async deprovisionedUserPurged(tx: Tx, actor: WriteActor, user: { readonly tenantId: string; readonly id: string; readonly userName: string; readonly externalId: string | null; readonly version: number }): Promise<void> {
    await this.outbox.enqueue(tx, {
      tenantId: user.tenantId,
      type: 'user.deleted',
      resourceId: user.id,
      resourceVersion: user.version + 1,
      data: { userId: user.id, userName: user.userName, externalId: user.externalId },
    });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: user.tenantId, action: 'user.purged', target: { type: 'user', id: user.id }, before: { userName: user.userName } });
  }

  async groupCreated(tx: Tx, actor: WriteActor, group: StoredGroup, fields: GroupIndexFields): Promise<void> {
    await this.outbox.enqueue(tx, { tenantId: group.tenantId, type: 'group.created', resourceId: group.id, resourceVersion: group.version, data: groupData(group, fields) });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: group.tenantId, action: 'group.created', target: { type: 'group', id: group.id }, after: fields });
  }

  async groupChanged(tx: Tx, actor: WriteActor, beforeFields: GroupIndexFields, after: StoredGroup, afterFields: GroupIndexFields): Promise<void> {
    if (!groupRenamed(beforeFields, afterFields)) return;
    await this.outbox.enqueue(tx, { tenantId: after.tenantId, type: 'group.updated', resourceId: after.id, resourceVersion: after.version, data: groupData(after, afterFields) });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: after.tenantId, action: 'group.updated', target: { type: 'group', id: after.id }, before: beforeFields, after: afterFields });
  }

  async groupDeleted(tx: Tx, actor: WriteActor, group: StoredGroup): Promise<void> {
    await this.outbox.enqueue(tx, { tenantId: group.tenantId, type: 'group.deleted', resourceId: group.id, resourceVersion: group.version + 1, data: { groupId: group.id } });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: group.tenantId, action: 'group.deleted', target: { type: 'group', id: group.id }, before: { displayName: group.displayName } });
  }

  /**
   * Membership events name the members a request named; a remove-all names none (consumers re-read the
   * group). The audit row names them too, up to MEMBERS_PER_AUDIT_ROW, with their count.
   */
  /** `version`: the group's after the change ('as stored': bumped earlier in the transaction, not back yet). */
  async membershipChanged(tx: Tx, actor: WriteActor, group: StoredGroup, type: 'membership.added' | 'membership.removed', memberIds: readonly string[], version: number | 'as stored' = group.version): Promise<void> {
    for (const event of membershipEvents(group, type, memberIds, version)) await this.outbox.enqueue(tx, { ...event, tenantId: group.tenantId });
    const details = memberIds.length === 0 ? { allMembers: true } : { memberIds: memberIds.slice(0, MEMBERS_PER_AUDIT_ROW), count: memberIds.length };
    await this.audit.record(tx, { ...contextOf(actor), tenantId: group.tenantId, action: type, target: { type: 'group', id: group.id }, details });
  }

  /**
   * user.updated for each user whose mapped values changed although the user was not written (a re-apply,
   * a change of its groups, an option list edit), in multi-row statements; the user's version is unchanged.
   */
  async usersRemapped(tx: Tx, tenantId: string, users: readonly RemappedUser[], cause: MappedChangeCause): Promise<void> {
    if (users.length === 0) return;
    await this.outbox.enqueueMany(
      tx,
      tenantId,
      users.map(({ user, mapped }) => ({
        type: 'user.updated' as const,
        resourceId: user.id,
        resourceVersion: user.version,
        data: { userId: user.id, userName: user.userName, externalId: user.externalId, active: user.active, ...mappedData(mapped, cause) },
      })),
    );
  }

  /** The connection's active mapping version moved: an activation, or a rollback to an earlier version. */
  async mappingActivated(tx: Tx, tenantId: string, change: { readonly connectionId: string; readonly version: number; readonly previousVersion: number | null; readonly rollback: boolean }): Promise<void> {
    await this.outbox.enqueue(tx, {
      tenantId,
      type: change.rollback ? 'mapping.rolledBack' : 'mapping.activated',
      resourceId: change.connectionId,
      data: { connectionId: change.connectionId, version: change.version, previousVersion: change.previousVersion },
    });
  }

  /**
   * One bulk import chunk: the events a SCIM write of each resource would enqueue (same types and payloads,
   * written in multi-row statements), ownership transfers of deactivated users, and one audit row for the
   * chunk with its counts instead of one per resource (see docs/decisions.md).
   */
  async importApplied(
    tx: Tx,
    context: AuditContext,
    tenantId: string,
    change: { readonly users: readonly ImportedUser[]; readonly groups: readonly ImportedGroup[]; readonly target: { type: string; id: string }; readonly details: Record<string, unknown> },
  ): Promise<void> {
    const events: Omit<NewEvent, 'id' | 'tenantId'>[] = [];
    const deactivated: string[] = [];
    for (const { before, after, fields, mapped } of change.users) {
      const type = before ? userChangeType(before, after) : 'user.created';
      if (type === 'user.deactivated') deactivated.push(after.id);
      events.push({ type, resourceId: after.id, resourceVersion: after.version, data: type === 'user.created' ? userData(after, fields) : { ...userData(after, fields), ...mappedData(mapped, 'import') } });
    }
    for (const { before, after, fields, added, removed } of change.groups) {
      if (!before) events.push({ type: 'group.created', resourceId: after.id, resourceVersion: after.version, data: groupData(after, fields) });
      else if (groupRenamed(before.fields, fields)) events.push({ type: 'group.updated', resourceId: after.id, resourceVersion: after.version, data: groupData(after, fields) });
      if (added.length > 0) events.push(...membershipEvents(after, 'membership.added', added, after.version));
      if (removed.length > 0) events.push(...membershipEvents(after, 'membership.removed', removed, after.version));
    }
    await this.outbox.enqueueMany(tx, tenantId, events);
    for (const userId of deactivated) await this.ownership.transferOwnership(tx, tenantId, userId, 'deactivated', context);
    await this.audit.record(tx, { ...context, tenantId, action: 'import.applied', target: change.target, details: change.details });
  }
}
