import type { GroupIndexFields, GroupMember, MemberType, StoredGroup } from '../../domain/groups/group';
import type { GroupField, ResolvedFilter } from '../../domain/filter/filter-field';
import { foldText } from '../../domain/text';
import { nameSkeletonKey } from '../../domain/identity/confusable-skeleton';
import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import type { GroupRow } from '../entities/group.entity';
import type { GroupMemberRow } from '../entities/group-member.entity';
import { insertText, keyedSqlText, placeholders, sqlText, updateByIdText } from '../sql-text';
import { TABLES } from '../tables';
import { insertRows } from './bulk-rows';
import { ID_CHUNK, selectExistingIds, type Page, type PageRequest, type RowLock, listRows, selectResourceRow, insertResourceRow, updateResourceRow, rowsSharingSkeletons } from './resource-rows';

interface MemberRowColumns {
  member_id: string;
  member_type: string;
  display: string | null;
}

export interface GroupWrite {
  readonly raw: Record<string, unknown>;
  readonly fields: GroupIndexFields;
}

export interface GroupSort {
  readonly field: GroupField;
  readonly descending: boolean;
}

const SORT_COLUMNS: Record<GroupField, string> = {
  id: 'id',
  externalId: 'external_id',
  displayName: 'display_name_norm',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const GROUPS = TABLES.groups;
const MEMBERS = TABLES.groupMembers;
const RULE_MEMBER_COLUMNS = MEMBERS.names(['tenantId', 'groupId', 'memberId', 'memberType', 'source', 'createdAt']);
const MEMBER_COLUMNS = MEMBERS.names(['tenantId', 'groupId', 'memberId', 'memberType', 'display', 'createdAt']);
/** The columns of a group row as the SCIM path writes it (managed_by keeps its default). */
const ROW_PROPERTIES = ['tenantId', 'id', 'displayName', 'displayNameNorm', 'displayNameSkeleton', 'externalId', 'raw', 'version', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof GroupRow)[];
const MEMBER_ROW_PROPERTIES = ['tenantId', 'groupId', 'memberId', 'memberType', 'display', 'source', 'createdAt'] as const satisfies readonly (keyof GroupMemberRow)[];
/** A membership row as the bulk import writes it. */
export type NewMemberRow = Pick<GroupMemberRow, (typeof MEMBER_ROW_PROPERTIES)[number]>;
/** What a StoredGroup is read from. */
const STORED = ['tenantId', 'id', 'displayName', 'raw', 'version', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof GroupRow)[];
const COLUMNS = GROUPS.names(STORED);

/** The indexed properties of a group row (the bulk import writes the same). */
export function indexedGroupRow(fields: GroupIndexFields): Pick<GroupRow, 'displayName' | 'displayNameNorm' | 'displayNameSkeleton' | 'externalId'> {
  return { displayName: fields.displayName, displayNameNorm: foldText(fields.displayName), displayNameSkeleton: nameSkeletonKey(fields.displayName), externalId: fields.externalId };
}

/** A group a member belongs to (the User `groups` attribute). */
export interface MemberGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly source: string;
}
interface MemberGroupRow {
  readonly id: string;
  readonly display_name: string;
  readonly external_id: string | null;
  readonly source: string;
}
// Keyed: through the (tenant, member) index and each group's key, however many members the tenant has.
const GROUPS_OF_MEMBER = keyed('SELECT g.id, g.display_name, g.external_id, m.source FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ? AND m.member_id = ? ORDER BY g.display_name_norm');

export class GroupRepository {
  async findById(tx: Tx, tenantId: string, id: string, options: { lock?: RowLock } = {}): Promise<StoredGroup | undefined> {
    return selectResourceRow(tx, GROUPS, STORED, tenantId, id, options.lock);
  }

  async existingIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    return selectExistingIds(tx, 'groups', tenantId, ids);
  }

  async insert(tx: Tx, tenantId: string, id: string, write: GroupWrite, now: number): Promise<StoredGroup> {
    await insertResourceRow(tx, GROUPS, tenantId, id, indexedGroupRow(write.fields), write.raw, now);
    return { tenantId, id, raw: write.raw, version: 1, createdAt: now, updatedAt: now, displayName: write.fields.displayName };
  }

  async update(tx: Tx, current: StoredGroup, write: GroupWrite, now: number): Promise<StoredGroup> {
    const version = await updateResourceRow(tx, GROUPS, current, indexedGroupRow(write.fields), write.raw, now);
    return { ...current, raw: write.raw, version, updatedAt: now, displayName: write.fields.displayName };
  }

  async delete(tx: Tx, tenantId: string, id: string): Promise<void> {
    await tx.run('DELETE FROM group_members WHERE tenant_id = ? AND group_id = ?', [tenantId, id]);
    await tx.run('DELETE FROM group_members WHERE tenant_id = ? AND member_id = ?', [tenantId, id]);
    await tx.run('DELETE FROM groups WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  }

  /** Many new groups (a bulk import chunk) in multi-row statements. */
  async insertMany(tx: Tx, tenantId: string, groups: readonly { readonly id: string; readonly write: GroupWrite }[], now: number): Promise<void> {
    await insertRows(tx, GROUPS, ROW_PROPERTIES, groups.map(({ id, write }) => ({ tenantId, id, ...indexedGroupRow(write.fields), raw: write.raw, version: 1, createdAt: now, updatedAt: now })));
  }

  /** New states of many groups at the versions given; one UPDATE per group. */
  async updateMany(tx: Tx, tenantId: string, groups: readonly { readonly id: string; readonly write: GroupWrite; readonly version: number }[], now: number): Promise<void> {
    for (const { id, write, version } of groups) {
      const changes = { ...indexedGroupRow(write.fields), raw: write.raw, version, updatedAt: now };
      const properties = Object.keys(changes) as (keyof GroupRow & string)[];
      await tx.run(updateByIdText(GROUPS.name, GROUPS.names(properties)), [...GROUPS.values(changes, properties), tenantId, id]);
    }
  }

  /** Membership rows of many groups in multi-row statements; ones that exist already are left as they are. */
  async insertMemberRows(tx: Tx, rows: readonly NewMemberRow[]): Promise<void> {
    await insertRows(tx, MEMBERS, MEMBER_ROW_PROPERTIES, rows, { ignoreConflictOn: ['tenantId', 'groupId', 'memberId'] });
  }

  async list(tx: Tx, tenantId: string, filter: ResolvedFilter | undefined, sort: GroupSort | undefined, page: PageRequest): Promise<Page<StoredGroup>> {
    const { total, rows } = await listRows<Record<string, unknown>, GroupField>(tx, { table: 'groups', columns: COLUMNS, sortColumns: SORT_COLUMNS }, tenantId, filter, sort, page);
    return { total, items: rows.map(GROUPS.reader(tx.dialect, STORED)) };
  }

  /** Groups whose displayNames share a confusable skeleton, grouped by it: at most `maxSets` sets. */
  async sharingSkeletons(tx: Tx, tenantId: string, maxSets: number): Promise<{ id: string; displayName: string }[][]> {
    return (await rowsSharingSkeletons(tx, 'groups', tenantId, maxSets)).map((set) => set.map(({ id, name }) => ({ id, displayName: name })));
  }

  /** Adds memberships; ones that already exist are left as they are (idempotent, safe under concurrency). Returns the rows added. */
  /** Adds the memberships (those already there stay as they are), through the transaction's write log. */
  addMembers(tx: Tx, tenantId: string, groupId: string, members: readonly GroupMember[], now: number): void {
    for (let start = 0; start < members.length; start += ID_CHUNK) {
      const chunk = members.slice(start, start + ID_CHUNK);
      const bindings: unknown[] = [];
      for (const member of chunk) bindings.push(tenantId, groupId, member.value, member.type, member.display, now);
      tx.write(insertText('group_members', MEMBER_COLUMNS, chunk.length, 'ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING'), bindings);
    }
  }

  /** Removes the named memberships, through the transaction's write log. */
  removeMembers(tx: Tx, tenantId: string, groupId: string, memberIds: readonly string[]): void {
    for (let start = 0; start < memberIds.length; start += ID_CHUNK) {
      const chunk = memberIds.slice(start, start + ID_CHUNK);
      const sql = sqlText(`remove-members|${chunk.length}`, () => `DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? AND member_id IN (${placeholders(chunk.length)})`);
      tx.write(sql, [tenantId, groupId, ...chunk]);
    }
  }

  /**
   * Bumps the version of a group whose attributes stay as they are (a change of members only), taking
   * its row lock with this statement; returns the group as it now is, or undefined when it is gone.
   */
  async bumpVersion(tx: Tx, tenantId: string, id: string, now: number): Promise<StoredGroup | undefined> {
    const sql = keyedSqlText('bump-version|groups', () => `UPDATE groups SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING ${COLUMNS.join(', ')}`);
    const row = await tx.first<Record<string, unknown>>(sql, [now, tenantId, id]);
    return row && GROUPS.reader(tx.dialect, STORED)(row);
  }

  /**
   * Bumps the version through the write log, so the row lock it takes is held only from there to the
   * COMMIT (within one round trip); `onBumped` hears the new version when the statement has run. The
   * transaction must keep the row from being deleted meanwhile (read it with the `key share` lock).
   */
  bumpVersionInLog(tx: Tx, tenantId: string, id: string, now: number, onBumped: (version: number) => void): void {
    const sql = keyedSqlText('bump-version-in-log|groups', () => 'UPDATE groups SET version = version + 1, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING version');
    tx.writeReturning(sql, [now, tenantId, id], (rows) => {
      const row = rows[0] as { version: number | string } | undefined;
      if (row) onBumped(Number(row.version));
    });
  }

  async removeAllMembers(tx: Tx, tenantId: string, groupId: string): Promise<void> {
    await tx.run('DELETE FROM group_members WHERE tenant_id = ? AND group_id = ?', [tenantId, groupId]);
  }

  async removeMemberships(tx: Tx, tenantId: string, memberId: string): Promise<void> {
    await tx.run('DELETE FROM group_members WHERE tenant_id = ? AND member_id = ?', [tenantId, memberId]);
  }

  /** Members ordered by id, one page at a time (keyset on member_id, which the primary key indexes). */
  async listMembers(tx: Tx, tenantId: string, groupId: string, afterMemberId: string | undefined, limit: number): Promise<GroupMember[]> {
    const rows =
      afterMemberId === undefined
        ? await tx.all<MemberRowColumns>('SELECT member_id, member_type, display FROM group_members WHERE tenant_id = ? AND group_id = ? ORDER BY member_id LIMIT ?', [tenantId, groupId, limit])
        : await tx.all<MemberRowColumns>('SELECT member_id, member_type, display FROM group_members WHERE tenant_id = ? AND group_id = ? AND member_id > ? ORDER BY member_id LIMIT ?', [
            tenantId,
            groupId,
            afterMemberId,
            limit,
          ]);
    return rows.map((row) => ({ value: row.member_id, type: row.member_type as MemberType, display: row.display }));
  }

  /**
   * Groups a user (or group) belongs to, for the User `groups` attribute; `withLog`: read behind the
   * unit's write log, seeing its writes, in the round trip of its COMMIT (see Tx.readWithLog).
   */
  async groupsOfMember(tx: Tx, tenantId: string, memberId: string, options: { withLog?: boolean } = {}): Promise<MemberGroup[]> {
    const rows = await (options.withLog ? tx.readWithLog<MemberGroupRow>(GROUPS_OF_MEMBER, [tenantId, memberId]) : tx.all<MemberGroupRow>(GROUPS_OF_MEMBER, [tenantId, memberId]));
    return rows.map((row) => ({ id: row.id, displayName: row.display_name, externalId: row.external_id, source: row.source }));
  }

  /** Ids of the groups whose folded display names are given (assignment rules name groups). */
  async idsByFoldedNames(tx: Tx, tenantId: string, foldedNames: readonly string[]): Promise<Map<string, string>> {
    if (foldedNames.length === 0) return new Map();
    const rows = await tx.all<{ id: string; display_name_norm: string }>(
      sqlText(`ids-by-names|${foldedNames.length}`, () => `SELECT id, display_name_norm FROM groups WHERE tenant_id = ? AND display_name_norm IN (${placeholders(foldedNames.length)})`),
      [tenantId, ...foldedNames],
    );
    return new Map(rows.map((row) => [row.display_name_norm, row.id]));
  }

  /**
   * Makes a member's rule-granted memberships exactly `groupIds`; memberships from the IdP or an admin are
   * left alone.
   */
  async setRuleMemberships(tx: Tx, tenantId: string, memberId: string, groupIds: readonly string[], now: number): Promise<void> {
    const kept = groupIds.length > 0 ? ` AND group_id NOT IN (${placeholders(groupIds.length)})` : '';
    await tx.run(sqlText(`rule-removal|${groupIds.length}`, () => `DELETE FROM group_members WHERE tenant_id = ? AND member_id = ? AND source = 'rule'${kept}`), [tenantId, memberId, ...groupIds]);
    if (groupIds.length === 0) return;
    const bindings: unknown[] = [];
    for (const groupId of groupIds) bindings.push(tenantId, groupId, memberId, 'User', 'rule', now);
    await tx.run(insertText('group_members', RULE_MEMBER_COLUMNS, groupIds.length, 'ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING'), bindings);
  }

  /** The groups of many members in one statement per chunk, by member id (re-apply maps a batch of users at once). */
  async groupsOfMembers(tx: Tx, tenantId: string, memberIds: readonly string[]): Promise<Map<string, { id: string; displayName: string; externalId: string | null }[]>> {
    const byMember = new Map<string, { id: string; displayName: string; externalId: string | null }[]>();
    for (let start = 0; start < memberIds.length; start += ID_CHUNK) {
      const rows = await tx.all<{ member_id: string; id: string; display_name: string; external_id: string | null }>(
        tx
          .knex('group_members as m')
          .join('groups as g', function joinGroup() {
            this.on('g.tenant_id', '=', 'm.tenant_id').andOn('g.id', '=', 'm.group_id');
          })
          .select('m.member_id', 'g.id', 'g.display_name', 'g.external_id')
          .where('m.tenant_id', tenantId)
          .whereIn('m.member_id', memberIds.slice(start, start + ID_CHUNK))
          .orderBy(['m.member_id', 'g.display_name_norm']),
      );
      for (const row of rows) byMember.set(row.member_id, [...(byMember.get(row.member_id) ?? []), { id: row.id, displayName: row.display_name, externalId: row.external_id }]);
    }
    return byMember;
  }

  /** Removes every rule-granted membership of these members (the ones a mapping no longer grants). */
  async removeRuleMembershipsOf(tx: Tx, tenantId: string, memberIds: readonly string[]): Promise<void> {
    for (let start = 0; start < memberIds.length; start += ID_CHUNK) {
      tx.write(keyed(tx.knex('group_members').where({ tenant_id: tenantId, source: 'rule' }).whereIn('member_id', memberIds.slice(start, start + ID_CHUNK)).delete()));
    }
  }
}
