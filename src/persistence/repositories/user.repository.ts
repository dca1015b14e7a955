import type { UserIndexFields, StoredUser } from '../../domain/identity/user';
import { foldText } from '../../domain/text';
import { nameSkeletonKey } from '../../domain/identity/confusable-skeleton';
import type { ResolvedFilter, UserField } from '../../domain/filter/filter-field';
import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import type { UserRow } from '../entities/user.entity';
import type { UserEmailRow } from '../entities/user-email.entity';
import { toBoolean, toNumber } from '../column-values';
import { insertText, updateByIdText } from '../sql-text';
import { TABLES } from '../tables';
import { insertRows } from './bulk-rows';
import { collectInChunks, selectExistingIds, type Page, type PageRequest, listRows, selectResourceRow, insertResourceRow, updateResourceRow, rowsSharingSkeletons } from './resource-rows';

export interface UserWrite {
  readonly raw: Record<string, unknown>;
  readonly fields: UserIndexFields;
}

export interface UserSort {
  readonly field: UserField;
  readonly descending: boolean;
}

const SORT_COLUMNS: Partial<Record<UserField, string>> = {
  id: 'id',
  userName: 'user_name_norm',
  externalId: 'external_id',
  displayName: 'display_name',
  givenName: 'given_name',
  familyName: 'family_name',
  title: 'title',
  userType: 'user_type',
  department: 'department',
  active: 'active',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export function isSortableUserField(field: UserField): boolean {
  return SORT_COLUMNS[field] !== undefined;
}

const USERS = TABLES.users;
const EMAILS = TABLES.userEmails;
const DELETE_EMAILS = keyed('DELETE FROM user_emails WHERE tenant_id = ? AND user_id = ?');
const EMAIL_PROPERTIES = ['tenantId', 'userId', 'position', 'value', 'valueNorm', 'type', 'isPrimary'] as const satisfies readonly (keyof UserEmailRow)[];
/** The columns of a user row as written, indexed fields in the middle. */
const ROW_PROPERTIES = ['tenantId', 'id', 'userName', 'userNameNorm', 'userNameSkeleton', 'externalId', 'active', 'displayName', 'givenName', 'familyName', 'title', 'userType', 'department', 'division', 'organization', 'costCenter', 'employeeNumber', 'managerId', 'raw', 'version', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof UserRow)[];
/** What a StoredUser is read from. */
const STORED = ['tenantId', 'id', 'userName', 'active', 'raw', 'version', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof UserRow)[];
const COLUMNS = USERS.names(STORED);

function storedUserReader(tx: Tx): (row: Record<string, unknown>) => StoredUser {
  return USERS.reader(tx.dialect, STORED);
}

/** The indexed properties of a user row (the bulk import writes the same). */
export function indexedUserRow(fields: UserIndexFields): Omit<UserRow, 'tenantId' | 'id' | 'raw' | 'version' | 'createdAt' | 'updatedAt'> {
  return {
    userName: fields.userName,
    userNameNorm: foldText(fields.userName),
    userNameSkeleton: nameSkeletonKey(fields.userName),
    externalId: fields.externalId,
    active: fields.active,
    displayName: fields.displayName,
    givenName: fields.givenName,
    familyName: fields.familyName,
    title: fields.title,
    userType: fields.userType,
    department: fields.department,
    division: fields.division,
    organization: fields.organization,
    costCenter: fields.costCenter,
    employeeNumber: fields.employeeNumber,
    managerId: fields.managerId,
  };
}

/** The email rows of a user, in the order given (the first primary one is the profile's). */
export function emailRows(tenantId: string, userId: string, fields: UserIndexFields): UserEmailRow[] {
  return fields.emails.map((email, position) => ({ tenantId, userId, position, value: email.value, valueNorm: foldText(email.value), type: email.type, isPrimary: email.primary }));
}

function sameEmails(left: UserIndexFields['emails'], right: UserIndexFields['emails']): boolean {
  return left.length === right.length && left.every((email, index) => email.value === right[index]!.value && email.type === right[index]!.type && email.primary === right[index]!.primary);
}

/** What events name a user by. */
export interface UserIdentity {
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  readonly version: number;
}

export class UserRepository {
  /** The identity columns of many users, one statement per chunk. */
  async identities(tx: Tx, tenantId: string, ids: readonly string[]): Promise<UserIdentity[]> {
    const rows = await collectInChunks(ids, (chunk) =>
      tx.all<{ id: string; user_name: string; external_id: string | null; active: unknown; version: number | string }>(
        tx.knex('users').select('id', 'user_name', 'external_id', 'active', 'version').where('tenant_id', tenantId).whereIn('id', [...chunk]),
      ),
    );
    return rows.map((row) => ({ id: row.id, userName: row.user_name, externalId: row.external_id, active: toBoolean(row.active), version: toNumber(row.version) }));
  }

  async findById(tx: Tx, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredUser | undefined> {
    return selectResourceRow(tx, USERS, STORED, tenantId, id, options.forUpdate ? 'update' : undefined);
  }

  async existingIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    return selectExistingIds(tx, 'users', tenantId, ids);
  }

  async insert(tx: Tx, tenantId: string, id: string, write: UserWrite, now: number): Promise<StoredUser> {
    await insertResourceRow(tx, USERS, tenantId, id, indexedUserRow(write.fields), write.raw, now);
    await this.writeEmails(tx, tenantId, id, write.fields);
    return { tenantId, id, raw: write.raw, version: 1, createdAt: now, updatedAt: now, userName: write.fields.userName, active: write.fields.active };
  }

  /** Writes the user's new state; its email rows only when its emails changed (`before`: the fields of the stored state). */
  async update(tx: Tx, current: StoredUser, before: UserIndexFields, write: UserWrite, now: number): Promise<StoredUser> {
    const version = await updateResourceRow(tx, USERS, current, indexedUserRow(write.fields), write.raw, now);
    if (!sameEmails(before.emails, write.fields.emails)) {
      tx.write(DELETE_EMAILS, [current.tenantId, current.id]);
      await this.writeEmails(tx, current.tenantId, current.id, write.fields);
    }
    return { ...current, raw: write.raw, version, updatedAt: now, userName: write.fields.userName, active: write.fields.active };
  }

  /** Puts a deprovisioned user back under its own id and creation time, at the version after the one it had. */
  async reinsert(tx: Tx, tenantId: string, id: string, write: UserWrite, previous: { readonly version: number; readonly createdAt: number }, now: number): Promise<StoredUser> {
    const row = { tenantId, id, ...indexedUserRow(write.fields), raw: write.raw, version: previous.version + 1, createdAt: previous.createdAt, updatedAt: now };
    await tx.run(insertText(USERS.name, USERS.names(ROW_PROPERTIES), 1), USERS.values(row, ROW_PROPERTIES));
    await this.writeEmails(tx, tenantId, id, write.fields);
    return { tenantId, id, raw: write.raw, version: row.version, createdAt: row.createdAt, updatedAt: now, userName: write.fields.userName, active: write.fields.active };
  }

  /**
   * The user each reference names by externalId: references that are no user's id and exactly one
   * user's externalId (a manager reference a OneLogin template sends), one statement per chunk.
   */
  async idsByExternalIdReference(tx: Tx, tenantId: string, references: readonly string[]): Promise<Map<string, string>> {
    const ids = new Set((await collectInChunks(references, (chunk) => tx.all<{ id: string }>(tx.knex('users').select('id').where('tenant_id', tenantId).whereIn('id', [...chunk])))).map((row) => row.id));
    const named = references.filter((reference) => !ids.has(reference));
    const holders = await collectInChunks(named, (chunk) =>
      tx.all<{ id: string; external_id: string }>(tx.knex('users').select('id', 'external_id').where('tenant_id', tenantId).whereIn('external_id', [...chunk])),
    );
    const byExternalId = new Map<string, string[]>();
    for (const holder of holders) byExternalId.set(holder.external_id, [...(byExternalId.get(holder.external_id) ?? []), holder.id]);
    return new Map([...byExternalId].filter(([, users]) => users.length === 1).map(([externalId, users]) => [externalId, users[0]]));
  }

  async delete(tx: Tx, tenantId: string, id: string): Promise<void> {
    await tx.run(DELETE_EMAILS, [tenantId, id]);
    await tx.run('DELETE FROM users WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  }

  /** Many new users (a bulk import chunk) with their emails, in multi-row statements. */
  async insertMany(tx: Tx, tenantId: string, users: readonly { readonly id: string; readonly write: UserWrite }[], now: number): Promise<void> {
    await insertRows(tx, USERS, ROW_PROPERTIES, users.map(({ id, write }) => ({ tenantId, id, ...indexedUserRow(write.fields), raw: write.raw, version: 1, createdAt: now, updatedAt: now })));
    await insertRows(tx, EMAILS, EMAIL_PROPERTIES, users.flatMap(({ id, write }) => emailRows(tenantId, id, write.fields)));
  }

  /** New states of many users at the versions given, their emails replaced; one UPDATE per user (updates are the rare case of an import). */
  async updateMany(tx: Tx, tenantId: string, users: readonly { readonly id: string; readonly write: UserWrite; readonly version: number }[], now: number): Promise<void> {
    for (const { id, write, version } of users) {
      const changes = { ...indexedUserRow(write.fields), raw: write.raw, version, updatedAt: now };
      const properties = Object.keys(changes) as (keyof UserRow & string)[];
      await tx.run(updateByIdText(USERS.name, USERS.names(properties)), [...USERS.values(changes, properties), tenantId, id]);
    }
    await collectInChunks(users, async (chunk) => {
      await tx.run(tx.knex(EMAILS.name).where('tenant_id', tenantId).whereIn('user_id', chunk.map((user) => user.id)).delete());
      return [];
    });
    await insertRows(tx, EMAILS, EMAIL_PROPERTIES, users.flatMap(({ id, write }) => emailRows(tenantId, id, write.fields)));
  }

  async list(tx: Tx, tenantId: string, filter: ResolvedFilter | undefined, sort: UserSort | undefined, page: PageRequest): Promise<Page<StoredUser>> {
    const { total, rows } = await listRows<Record<string, unknown>, UserField>(tx, { table: 'users', columns: COLUMNS, sortColumns: SORT_COLUMNS }, tenantId, filter, sort, page);
    return { total, items: rows.map(storedUserReader(tx)) };
  }

  /** Users whose userNames share a confusable skeleton, grouped by it: at most `maxSets` sets. */
  async sharingSkeletons(tx: Tx, tenantId: string, maxSets: number): Promise<{ id: string; userName: string }[][]> {
    return (await rowsSharingSkeletons(tx, 'users', tenantId, maxSets)).map((set) => set.map(({ id, name }) => ({ id, userName: name })));
  }

  private async writeEmails(tx: Tx, tenantId: string, userId: string, fields: UserIndexFields): Promise<void> {
    if (fields.emails.length === 0) return;
    const bindings: unknown[] = [];
    for (const row of emailRows(tenantId, userId, fields)) bindings.push(...EMAILS.values(row, EMAIL_PROPERTIES));
    tx.write(insertText(EMAILS.name, EMAILS.names(EMAIL_PROPERTIES), fields.emails.length), bindings);
  }
}
