import type { UserIndexFields, StoredUser } from '../../domain/identity/user';
import { foldText } from '../../domain/text';
import type { ResolvedFilter, UserField } from '../../domain/filter/filter-field';
import type { Tx } from '../database';
import { toBoolean } from '../column-values';
import { insertText } from '../sql-text';
import { selectExistingIds, toStoredResource, type Page, type PageRequest, type ResourceRowColumns, listRows, selectResourceRow, insertResourceRow, updateResourceRow } from './resource-rows';

interface UserRowColumns extends ResourceRowColumns {
  user_name: string;
  active: unknown;
}

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

const DELETE_EMAILS = 'DELETE FROM user_emails WHERE tenant_id = ? AND user_id = ?';
const EMAIL_COLUMNS = ['tenant_id', 'user_id', 'position', 'value', 'value_norm', 'type', 'is_primary'];
const COLUMNS = ['tenant_id', 'id', 'user_name', 'active', 'raw', 'version', 'created_at', 'updated_at'];

function toStoredUser(row: UserRowColumns): StoredUser {
  return { ...toStoredResource(row), userName: row.user_name, active: toBoolean(row.active) };
}

/** The indexed columns of a user row (the bulk import writes the same). */
export function fieldColumns(fields: UserIndexFields) {
  return {
    user_name: fields.userName,
    user_name_norm: foldText(fields.userName),
    external_id: fields.externalId,
    active: fields.active,
    display_name: fields.displayName,
    given_name: fields.givenName,
    family_name: fields.familyName,
    title: fields.title,
    user_type: fields.userType,
    department: fields.department,
    division: fields.division,
    organization: fields.organization,
    cost_center: fields.costCenter,
    employee_number: fields.employeeNumber,
    manager_id: fields.managerId,
  };
}

export class UserRepository {
  async findById(tx: Tx, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredUser | undefined> {
    const row = await selectResourceRow<UserRowColumns>(tx, 'users', COLUMNS, tenantId, id, options.forUpdate);
    return row && toStoredUser(row);
  }

  async existingIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    return selectExistingIds(tx, 'users', tenantId, ids);
  }

  async insert(tx: Tx, tenantId: string, id: string, write: UserWrite, now: number): Promise<StoredUser> {
    const stored = await insertResourceRow(tx, 'users', tenantId, id, fieldColumns(write.fields), write.raw, now);
    await this.writeEmails(tx, tenantId, id, write.fields);
    return { ...stored, userName: write.fields.userName, active: write.fields.active };
  }

  async update(tx: Tx, current: StoredUser, write: UserWrite, now: number): Promise<StoredUser> {
    const stored = await updateResourceRow(tx, 'users', current, fieldColumns(write.fields), write.raw, now);
    await tx.run(DELETE_EMAILS, [current.tenantId, current.id]);
    await this.writeEmails(tx, current.tenantId, current.id, write.fields);
    return { ...stored, userName: write.fields.userName, active: write.fields.active };
  }

  async delete(tx: Tx, tenantId: string, id: string): Promise<void> {
    await tx.run(DELETE_EMAILS, [tenantId, id]);
    await tx.run('DELETE FROM users WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  }

  async list(tx: Tx, tenantId: string, filter: ResolvedFilter | undefined, sort: UserSort | undefined, page: PageRequest): Promise<Page<StoredUser>> {
    const { total, rows } = await listRows<UserRowColumns, UserField>(tx, { table: 'users', columns: COLUMNS, sortColumns: SORT_COLUMNS }, tenantId, filter, sort, page);
    return { total, items: rows.map(toStoredUser) };
  }


  private async writeEmails(tx: Tx, tenantId: string, userId: string, fields: UserIndexFields): Promise<void> {
    if (fields.emails.length === 0) return;
    const bindings: unknown[] = [];
    fields.emails.forEach((email, position) => bindings.push(tenantId, userId, position, email.value, foldText(email.value), email.type, email.primary));
    await tx.run(insertText('user_emails', EMAIL_COLUMNS, fields.emails.length), bindings);
  }
}
