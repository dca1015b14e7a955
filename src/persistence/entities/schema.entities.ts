import { BigIntType, EntitySchema } from '@mikro-orm/core';

/**
 * Table definitions. MikroORM owns the schema and the migrations; repositories query through its
 * connection. Every table leads its primary key and every unique index with tenant_id, so the schema
 * can be distributed by tenant (Citus) unchanged. The one exception is `tenants` itself: it is the
 * tenant registry (a reference table), keyed by the tenant id.
 */

const epochMillis = () => ({ type: new BigIntType('number') });

export class TenantRow {
  id!: string;
  slug!: string;
  name!: string;
  settings!: Record<string, unknown>;
  createdAt!: number;
}

export const TenantEntity = new EntitySchema<TenantRow>({
  class: TenantRow,
  tableName: 'tenants',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    slug: { type: 'string', length: 63, unique: 'tenants_slug_unique' },
    name: { type: 'string', length: 200 },
    settings: { type: 'json' },
    createdAt: epochMillis(),
  },
});

export class ConnectionRow {
  tenantId!: string;
  id!: string;
  name!: string;
  dialect!: string;
  tokenHash?: string | null;
  tokenExpiresAt?: number | null;
  tokenCreatedAt?: number | null;
  createdAt!: number;
}

export const ConnectionEntity = new EntitySchema<ConnectionRow>({
  class: ConnectionRow,
  tableName: 'connections',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 200 },
    dialect: { type: 'string', length: 20 },
    tokenHash: { type: 'string', length: 64, nullable: true, index: 'connections_token_hash_index' },
    tokenExpiresAt: { ...epochMillis(), nullable: true },
    tokenCreatedAt: { ...epochMillis(), nullable: true },
    createdAt: epochMillis(),
  },
});

export class ApiKeyRow {
  tenantId!: string;
  id!: string;
  name!: string;
  keyHash!: string;
  scopes!: string;
  createdAt!: number;
  revokedAt?: number | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  class: ApiKeyRow,
  tableName: 'api_keys',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 200 },
    keyHash: { type: 'string', length: 64, index: 'api_keys_key_hash_index' },
    scopes: { type: 'string', length: 200 },
    createdAt: epochMillis(),
    revokedAt: { ...epochMillis(), nullable: true },
  },
});

export class UserRow {
  tenantId!: string;
  id!: string;
  userName!: string;
  userNameNorm!: string;
  externalId?: string | null;
  active!: boolean;
  displayName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  title?: string | null;
  userType?: string | null;
  department?: string | null;
  division?: string | null;
  organization?: string | null;
  costCenter?: string | null;
  employeeNumber?: string | null;
  managerId?: string | null;
  raw!: Record<string, unknown>;
  version!: number;
  createdAt!: number;
  updatedAt!: number;
}

const optionalText = (length = 1024) => ({ type: 'string', length, nullable: true }) as const;

export const UserEntity = new EntitySchema<UserRow>({
  class: UserRow,
  tableName: 'users',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    userName: { type: 'string', length: 1024 },
    userNameNorm: { type: 'string', length: 1024 },
    externalId: optionalText(),
    active: { type: 'boolean' },
    displayName: optionalText(),
    givenName: optionalText(),
    familyName: optionalText(),
    title: optionalText(),
    userType: optionalText(),
    department: optionalText(),
    division: optionalText(),
    organization: optionalText(),
    costCenter: optionalText(),
    employeeNumber: optionalText(),
    managerId: optionalText(36),
    raw: { type: 'json' },
    version: { type: 'integer' },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
  uniques: [{ name: 'users_tenant_user_name_unique', properties: ['tenantId', 'userNameNorm'] }],
  indexes: [
    { name: 'users_tenant_external_id_index', properties: ['tenantId', 'externalId'] },
    { name: 'users_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
    { name: 'users_tenant_updated_index', properties: ['tenantId', 'updatedAt'] },
    { name: 'users_tenant_manager_index', properties: ['tenantId', 'managerId'] },
    { name: 'users_tenant_department_index', properties: ['tenantId', 'department'] },
  ],
});

export class UserEmailRow {
  tenantId!: string;
  userId!: string;
  position!: number;
  value!: string;
  valueNorm!: string;
  type?: string | null;
  isPrimary!: boolean;
}

export const UserEmailEntity = new EntitySchema<UserEmailRow>({
  class: UserEmailRow,
  tableName: 'user_emails',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    userId: { type: 'string', length: 36, primary: true },
    position: { type: 'integer', primary: true },
    value: { type: 'string', length: 1024 },
    valueNorm: { type: 'string', length: 1024 },
    type: optionalText(64),
    isPrimary: { type: 'boolean' },
  },
  indexes: [{ name: 'user_emails_tenant_value_index', properties: ['tenantId', 'valueNorm'] }],
});

export class GroupRow {
  tenantId!: string;
  id!: string;
  displayName!: string;
  displayNameNorm!: string;
  externalId?: string | null;
  raw!: Record<string, unknown>;
  version!: number;
  createdAt!: number;
  updatedAt!: number;
}

export const GroupEntity = new EntitySchema<GroupRow>({
  class: GroupRow,
  tableName: 'groups',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    displayName: { type: 'string', length: 1024 },
    displayNameNorm: { type: 'string', length: 1024 },
    externalId: optionalText(),
    raw: { type: 'json' },
    version: { type: 'integer' },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
  uniques: [{ name: 'groups_tenant_display_name_unique', properties: ['tenantId', 'displayNameNorm'] }],
  indexes: [
    { name: 'groups_tenant_external_id_index', properties: ['tenantId', 'externalId'] },
    { name: 'groups_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
  ],
});

export class GroupMemberRow {
  tenantId!: string;
  groupId!: string;
  memberId!: string;
  memberType!: string;
  display?: string | null;
  createdAt!: number;
}

/** One row per membership: a member change touches one row, never the whole group. */
export const GroupMemberEntity = new EntitySchema<GroupMemberRow>({
  class: GroupMemberRow,
  tableName: 'group_members',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    groupId: { type: 'string', length: 36, primary: true },
    memberId: { type: 'string', length: 36, primary: true },
    memberType: { type: 'string', length: 10 },
    display: optionalText(),
    createdAt: epochMillis(),
  },
  indexes: [{ name: 'group_members_tenant_member_index', properties: ['tenantId', 'memberId'] }],
});

export const ALL_ENTITIES = [
  TenantEntity,
  ConnectionEntity,
  ApiKeyEntity,
  UserEntity,
  UserEmailEntity,
  GroupEntity,
  GroupMemberEntity,
];
