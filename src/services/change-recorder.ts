import type { AuditContext } from '../domain/audit';
import type { GroupIndexFields, StoredGroup } from '../domain/groups/group';
import type { StoredUser, UserIndexFields } from '../domain/identity/user';
import type { Tx } from '../persistence/database';
import type { AuditService } from './audit.service';
import type { OutboxService } from './outbox.service';
import type { OwnershipService } from './ownership.service';
import type { WriteActor } from './user.service';

/** Members per membership event: a 100k-member replace becomes many small events, not one huge one. */
const MEMBERS_PER_EVENT = 1000;

function contextOf(actor: WriteActor): AuditContext {
  return { actor: actor.auditActor ?? { type: 'connection', id: actor.connection.id }, requestId: actor.requestId ?? null };
}

function userData(user: StoredUser, fields: UserIndexFields) {
  return { userId: user.id, userName: user.userName, externalId: fields.externalId, active: user.active };
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

  /** Deactivation can hand the user's resources to the default substitute when the tenant chose so. */
  async userChanged(tx: Tx, actor: WriteActor, before: StoredUser, beforeFields: UserIndexFields, after: StoredUser, afterFields: UserIndexFields): Promise<void> {
    const type = before.active && !after.active ? 'user.deactivated' : !before.active && after.active ? 'user.reactivated' : 'user.updated';
    await this.outbox.enqueue(tx, { tenantId: after.tenantId, type, resourceId: after.id, resourceVersion: after.version, data: userData(after, afterFields) });
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

  async groupCreated(tx: Tx, actor: WriteActor, group: StoredGroup, fields: GroupIndexFields): Promise<void> {
    const data = { groupId: group.id, displayName: fields.displayName, externalId: fields.externalId };
    await this.outbox.enqueue(tx, { tenantId: group.tenantId, type: 'group.created', resourceId: group.id, resourceVersion: group.version, data });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: group.tenantId, action: 'group.created', target: { type: 'group', id: group.id }, after: fields });
  }

  async groupChanged(tx: Tx, actor: WriteActor, before: StoredGroup, beforeFields: GroupIndexFields, after: StoredGroup, afterFields: GroupIndexFields): Promise<void> {
    if (beforeFields.displayName === afterFields.displayName && beforeFields.externalId === afterFields.externalId) return;
    const data = { groupId: after.id, displayName: afterFields.displayName, externalId: afterFields.externalId };
    await this.outbox.enqueue(tx, { tenantId: after.tenantId, type: 'group.updated', resourceId: after.id, resourceVersion: after.version, data });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: after.tenantId, action: 'group.updated', target: { type: 'group', id: after.id }, before: beforeFields, after: afterFields });
  }

  async groupDeleted(tx: Tx, actor: WriteActor, group: StoredGroup): Promise<void> {
    await this.outbox.enqueue(tx, { tenantId: group.tenantId, type: 'group.deleted', resourceId: group.id, resourceVersion: group.version + 1, data: { groupId: group.id } });
    await this.audit.record(tx, { ...contextOf(actor), tenantId: group.tenantId, action: 'group.deleted', target: { type: 'group', id: group.id }, before: { displayName: group.displayName } });
  }

  /** Membership events name the members a request named; a remove-all names none (consumers re-read the group). */
  async membershipChanged(tx: Tx, group: StoredGroup, type: 'membership.added' | 'membership.removed', memberIds: readonly string[]): Promise<void> {
    const chunks: (readonly string[])[] = [];
    for (let start = 0; start < memberIds.length; start += MEMBERS_PER_EVENT) chunks.push(memberIds.slice(start, start + MEMBERS_PER_EVENT));
    for (const chunk of chunks.length > 0 ? chunks : [[]]) {
      await this.outbox.enqueue(tx, { tenantId: group.tenantId, type, resourceId: group.id, resourceVersion: group.version, data: { groupId: group.id, memberIds: chunk } });
    }
  }
}
