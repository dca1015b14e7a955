import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { GroupIndexFields, MembershipChange, StoredGroup } from '../domain/groups/group';
import type { StoredUser, UserIndexFields } from '../domain/identity/user';
import { foldForMatching } from '../domain/mapping/mapping-values';
import { assertManualGroupEditAllowed, type Tenant } from '../domain/tenants/tenant';
import type { Database, Tx } from '../persistence/database';
import { GroupProfileRepository } from '../persistence/repositories/group-profile.repository';
import { MappingRepository, type StoredOptionValue } from '../persistence/repositories/mapping.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { MembershipRepository } from '../persistence/repositories/membership.repository';
import type { AuditService } from './audit.service';
import type { GroupService, InGroupTransaction } from './group.service';
import type { UserService } from './user.service';
import type { WriteActor } from './write-actor';

/** Who makes a manual edit: an admin of `tenant`, named in the audit trail by `context`. */
export interface ManualEditor {
  readonly tenant: Tenant;
  readonly context: AuditContext;
}

export interface ManualGroupFields {
  readonly displayName: string;
  readonly externalId?: string | null;
}

/**
 * The user attributes an admin may set by hand: presentation only. Identity (userName, emails), status
 * and the organisation fields the mapping engine and ownership depend on stay the IdP's alone.
 */
export interface ManualUserChange {
  /** null removes the attribute; absent keeps it. */
  readonly displayName?: string | null;
  readonly title?: string | null;
}

const MANUAL_USER_ATTRIBUTES = ['displayName', 'title'] as const;

/** Members one manual edit may name: the set-members diff is read and written in one request. */
export const MANUAL_MEMBERS_MAX = 10_000;
/** Manual memberships one removeManualMemberships call removes; it reports how many remain. */
export const MANUAL_MEMBERSHIPS_PER_REMOVAL = 10_000;
const MEMBER_PAGE = 5000;

function fieldsOf(group: StoredGroup): GroupIndexFields {
  return { displayName: group.displayName, externalId: typeof group.raw.externalId === 'string' ? group.raw.externalId : null };
}

function checkDisplayName(value: string): string {
  const displayName = value.trim();
  if (displayName === '' || displayName.length > 1024) throw new DomainError('INVALID_INPUT', 'displayName is 1-1024 characters');
  return displayName;
}

function uniqueIds(ids: readonly string[]): string[] {
  const unique = [...new Set(ids)];
  if (unique.length > MANUAL_MEMBERS_MAX) throw new DomainError('TOO_MANY', `one manual edit names at most ${MANUAL_MEMBERS_MAX} members`);
  return unique;
}

/**
 * Tenant admins' manual changes to groups and memberships (and a user's presentation attributes), through the same GroupService as SCIM (so
 * events, mapping rules and versions follow), made as the tenant's default connection and audited as
 * the admin. In the write's own transaction: the tenant's restrictGroupsToIdp is checked (refused with
 * GROUPS_MANAGED_BY_IDP), what the edit created is marked manual (groups managedBy=MANUAL, memberships
 * source=manual), and audit rows (membership.added / membership.removed, as for SCIM) name the members. The IdP's next push is applied
 * as it comes and wins (README, "Manual edits"). Also the admin's review of option values, audited.
 */
export class ManualEditService {
  private readonly tenants = new TenantRepository();
  private readonly marks = new GroupProfileRepository();
  private readonly mappings = new MappingRepository();
  private readonly memberships = new MembershipRepository();

  constructor(
    private readonly database: Database,
    private readonly groups: GroupService,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly resources: {
      /** The stored (SCIM) form of a group an admin creates: the SCIM adapter's. */
      readonly newGroup: (fields: GroupIndexFields) => Record<string, unknown>;
      /** The indexed fields of a stored user resource: the SCIM adapter's reading. */
      readonly userFields: (raw: Record<string, unknown>) => UserIndexFields;
    },
  ) {}

  /**
   * Sets presentation attributes of a user by hand (not gated by restrictGroupsToIdp, which is about
   * groups). Audited as the admin with the diff; the IdP's next push of these attributes overwrites them.
   */
  async updateUser(editor: ManualEditor, userId: string, change: ManualUserChange): Promise<StoredUser> {
    const values: Record<string, string | null> = {};
    for (const name of MANUAL_USER_ATTRIBUTES) {
      const value = change[name];
      if (value === undefined) continue;
      const trimmed = value?.trim() ?? '';
      if (trimmed.length > 1024) throw new DomainError('INVALID_INPUT', `${name} is at most 1024 characters`);
      values[name] = trimmed === '' ? null : trimmed;
    }
    return this.users.modify(await this.writeActor(editor), userId, (current) => {
      const raw: Record<string, unknown> = { ...current.raw };
      for (const [name, value] of Object.entries(values)) {
        if (value === null) delete raw[name];
        else raw[name] = value;
      }
      return { raw, fields: this.resources.userFields(raw) };
    });
  }

  /** Restores a user the IdP deleted while the tenant kept deleted users as deprovisioned. */
  async restoreUser(editor: ManualEditor, userId: string): Promise<StoredUser> {
    return this.users.restore(await this.writeActor(editor), userId);
  }

  /** Removes a deprovisioned user for good. */
  async purgeUser(editor: ManualEditor, userId: string): Promise<void> {
    await this.users.purge(await this.writeActor(editor), userId);
  }

  /**
   * Removes the memberships admins made by hand (source manual), of one group or of every group, up to
   * MANUAL_MEMBERSHIPS_PER_REMOVAL per call: the step before handing group assignment to the IdP alone
   * (OneLogin guide: "remove all existing group assignments"). Allowed while groups are restricted to
   * the IdP, which is when it is needed. Each group changes in its own transaction, as a SCIM remove
   * would (membership.removed, audit, re-map of the users when the mapping reads groups); memberships
   * from the IdP or rules stay.
   */
  async removeManualMemberships(editor: ManualEditor, groupId?: string): Promise<{ removed: number; remaining: number }> {
    const tenantId = editor.tenant.id;
    const actor = await this.writeActor(editor);
    const batch = await this.database.read((tx) => this.memberships.memberIdsBySource(tx, tenantId, 'manual', MANUAL_MEMBERSHIPS_PER_REMOVAL, groupId));
    let removed = 0;
    for (const [group, memberIds] of batch) {
      await this.groups.modify(actor, group, (current) => ({ write: { raw: current.raw, fields: fieldsOf(current) }, memberships: [{ op: 'remove', values: memberIds }] }));
      removed += memberIds.length;
    }
    const remaining = await this.database.transaction(async (tx) => {
      await this.audit.record(tx, { ...editor.context, tenantId, action: 'memberships.manual_removed', target: { type: groupId === undefined ? 'tenant' : 'group', id: groupId ?? tenantId }, details: { removed, groups: batch.size } });
      return this.memberships.countBySource(tx, tenantId, 'manual', groupId);
    });
    return { removed, remaining };
  }

  async createGroup(editor: ManualEditor, fields: ManualGroupFields, memberIds: readonly string[]): Promise<StoredGroup> {
    const indexed = { displayName: checkDisplayName(fields.displayName), externalId: fields.externalId?.trim() || null };
    const members = uniqueIds(memberIds);
    return this.groups.create(
      await this.writeActor(editor),
      { raw: this.resources.newGroup(indexed), fields: indexed },
      members.map((value) => ({ value })),
      this.inTransaction(editor, async (tx, group, now) => {
        await this.marks.markManualGroup(tx, group.tenantId, group.id);
        await this.markManual(tx, group, members, now);
      }),
    );
  }

  /** Renames the group (and sets its externalId when given); members stay. */
  async updateGroup(editor: ManualEditor, groupId: string, fields: ManualGroupFields): Promise<StoredGroup> {
    const displayName = checkDisplayName(fields.displayName);
    return this.groups.modify(
      await this.writeActor(editor),
      groupId,
      (current) => {
        const externalId = fields.externalId === undefined ? fieldsOf(current).externalId : fields.externalId?.trim() || null;
        const { externalId: _previous, ...rest } = current.raw;
        const raw = externalId === null ? { ...rest, displayName } : { ...rest, displayName, externalId };
        return { write: { raw, fields: { displayName, externalId } }, memberships: [] };
      },
      {},
      this.inTransaction(editor),
    );
  }

  async deleteGroup(editor: ManualEditor, groupId: string): Promise<void> {
    await this.groups.delete(
      await this.writeActor(editor),
      groupId,
      {},
      this.inTransaction(editor),
    );
  }

  async addGroupMembers(editor: ManualEditor, groupId: string, userIds: readonly string[]): Promise<StoredGroup> {
    const added = uniqueIds(userIds);
    return this.changeMembers(editor, groupId, [{ op: 'add', members: added.map((value) => ({ value })) }], added);
  }

  async removeGroupMembers(editor: ManualEditor, groupId: string, userIds: readonly string[]): Promise<StoredGroup> {
    const removed = uniqueIds(userIds);
    return this.changeMembers(editor, groupId, [{ op: 'remove', values: removed }], []);
  }

  /**
   * Makes the group's members exactly `memberIds`: only the difference is written, so memberships that
   * stay keep their source (idp, rule or manual) and only the new ones are marked manual.
   */
  async setGroupMembers(editor: ManualEditor, groupId: string, memberIds: readonly string[]): Promise<StoredGroup> {
    const wanted = new Set(uniqueIds(memberIds));
    const current = await this.currentMemberIds(editor.tenant.id, groupId);
    const added = [...wanted].filter((id) => !current.has(id));
    const removed = [...current].filter((id) => !wanted.has(id));
    const changes: MembershipChange[] = [];
    if (removed.length > 0) changes.push({ op: 'remove', values: removed });
    if (added.length > 0) changes.push({ op: 'add', members: added.map((value) => ({ value })) });
    return this.changeMembers(editor, groupId, changes, added);
  }

  private async changeMembers(editor: ManualEditor, groupId: string, memberships: MembershipChange[], added: string[]): Promise<StoredGroup> {
    return this.groups.modify(
      await this.writeActor(editor),
      groupId,
      (current) => ({ write: { raw: current.raw, fields: fieldsOf(current) }, memberships }),
      {},
      this.inTransaction(editor, (tx, group, now) => this.markManual(tx, group, added, now)),
    );
  }

  /** The guard first: with the tenant's setting as it is now, not as it was when the request was authenticated. */
  private inTransaction(editor: ManualEditor, then?: InGroupTransaction): InGroupTransaction {
    return async (tx, group, now) => {
      const tenant = await this.tenants.findTenantById(tx, editor.tenant.id);
      if (!tenant) throw new DomainError('NOT_FOUND', 'the tenant does not exist');
      assertManualGroupEditAllowed(tenant);
      await then?.(tx, group, now);
    };
  }

  /** Memberships this edit created are marked manual (the recorder audits the change itself, as for SCIM). */
  private async markManual(tx: Tx, group: StoredGroup, added: readonly string[], now: number): Promise<void> {
    if (added.length > 0) await this.marks.markManualMemberships(tx, group.tenantId, group.id, added, now);
  }

  /**
   * Marks an option value approved (or back to pending), named in any spelling that folds to it, and
   * audits the review. False when the list has no such value.
   */
  async reviewOptionValue(tenantId: string, listKey: string, value: string, status: StoredOptionValue['reviewStatus'], context: AuditContext): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const changed = await this.mappings.setOptionReviewStatus(tx, tenantId, listKey, foldForMatching(value), status);
      if (changed === 0) return false;
      await this.audit.record(tx, { ...context, tenantId, action: 'option_value.reviewed', target: { type: 'option_value', id: `${listKey}:${value}` }, after: { reviewStatus: status } });
      return true;
    });
  }

  private async currentMemberIds(tenantId: string, groupId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let after: string | undefined; ; ) {
      const page = await this.groups.listMembers(tenantId, groupId, after, MEMBER_PAGE);
      for (const member of page) ids.add(member.value);
      if (ids.size > MANUAL_MEMBERS_MAX) throw new DomainError('TOO_MANY', `the group has more than ${MANUAL_MEMBERS_MAX} members: add and remove members instead`);
      if (page.length < MEMBER_PAGE) return ids;
      after = page[page.length - 1].value;
    }
  }

  private async writeActor(editor: ManualEditor): Promise<WriteActor> {
    const connection = await this.database.read((tx) => this.tenants.findDefaultConnection(tx, editor.tenant.id));
    if (!connection) throw new DomainError('NOT_FOUND', 'the tenant has no connection');
    return { tenant: editor.tenant, connection, requestId: editor.context.requestId ?? undefined, auditActor: editor.context.actor };
  }
}
