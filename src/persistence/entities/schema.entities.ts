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
  tokenLastUsedAt?: number | null;
  previousTokenHash?: string | null;
  previousTokenExpiresAt?: number | null;
  activeMappingVersion?: number | null;
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
    tokenLastUsedAt: { ...epochMillis(), nullable: true },
    // A rotated-out token keeps working until this time when the tenant chose a grace period.
    previousTokenHash: { type: 'string', length: 64, nullable: true, index: 'connections_previous_token_hash_index' },
    previousTokenExpiresAt: { ...epochMillis(), nullable: true },
    activeMappingVersion: { type: 'integer', nullable: true },
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
  managedBy!: string;
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
    // IDP: created over SCIM; MANUAL: created by an admin (GraphQL).
    managedBy: { type: 'string', length: 10, default: 'IDP' },
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
  source!: string;
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
    // idp: pushed over SCIM; manual: an admin's edit; rule: granted by a mapping assignment rule.
    source: { type: 'string', length: 10, default: 'idp' },
    createdAt: epochMillis(),
  },
  // Covering for "the groups of these members": SQLite without statistics takes `tenant_id = ?` for selective
  // and prefers any covering index, so a non-covering one lost to a scan of the tenant's every membership.
  indexes: [{ name: 'group_members_tenant_member_group_index', properties: ['tenantId', 'memberId', 'groupId'] }],
});

export class DomainSchemaRow {
  tenantId!: string;
  version!: number;
  definition!: Record<string, unknown>;
  state!: string;
  author!: string;
  comment?: string | null;
  createdAt!: number;
}

/** Versions of a tenant's domain schema (fields and option-list policies); immutable once written. */
export const DomainSchemaEntity = new EntitySchema<DomainSchemaRow>({
  class: DomainSchemaRow,
  tableName: 'domain_schemas',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    version: { type: 'integer', primary: true },
    definition: { type: 'json' },
    state: { type: 'string', length: 20 },
    author: { type: 'string', length: 200 },
    comment: optionalText(2000),
    createdAt: epochMillis(),
  },
});

export class OptionValueRow {
  tenantId!: string;
  listKey!: string;
  valueNorm!: string;
  value!: string;
  aliases?: string[] | null;
  reviewStatus!: string;
  addedBy!: string;
  addedAt!: number;
  sourceRequestId?: string | null;
  sourceRuleId?: string | null;
}

/** The values of a tenant's option lists; values added automatically wait for an admin's review. */
export const OptionValueEntity = new EntitySchema<OptionValueRow>({
  class: OptionValueRow,
  tableName: 'option_values',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    listKey: { type: 'string', length: 100, primary: true },
    valueNorm: { type: 'string', length: 512, primary: true },
    value: { type: 'string', length: 512 },
    aliases: { type: 'json', nullable: true },
    reviewStatus: { type: 'string', length: 20 },
    addedBy: { type: 'string', length: 200 },
    addedAt: epochMillis(),
    sourceRequestId: optionalText(100),
    sourceRuleId: optionalText(100),
  },
});

export class MappingSetRow {
  tenantId!: string;
  connectionId!: string;
  version!: number;
  definition!: Record<string, unknown>;
  state!: string;
  schemaVersion!: number;
  author!: string;
  comment?: string | null;
  report?: Record<string, unknown> | null;
  createdAt!: number;
  validatedAt?: number | null;
  activatedAt?: number | null;
}

/** Versions of a connection's mapping set: draft -> validated -> active -> superseded. */
export const MappingSetEntity = new EntitySchema<MappingSetRow>({
  class: MappingSetRow,
  tableName: 'mapping_sets',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    connectionId: { type: 'string', length: 36, primary: true },
    version: { type: 'integer', primary: true },
    definition: { type: 'json' },
    state: { type: 'string', length: 20 },
    schemaVersion: { type: 'integer' },
    author: { type: 'string', length: 200 },
    comment: optionalText(2000),
    report: { type: 'json', nullable: true },
    createdAt: epochMillis(),
    validatedAt: { ...epochMillis(), nullable: true },
    activatedAt: { ...epochMillis(), nullable: true },
  },
});

export class UserValueRow {
  tenantId!: string;
  userId!: string;
  fieldKey!: string;
  position!: number;
  value!: unknown;
  valueText?: string | null;
  ruleId?: string | null;
  mappingVersion?: number | null;
  sourcePath?: string | null;
  rawValue?: unknown;
  updatedAt!: number;
}

/**
 * Mapped domain values of a user, one row per value (multi-valued fields have several), each with
 * its provenance. `value_text` is the folded scalar that filters and lookups use.
 */
export const UserValueEntity = new EntitySchema<UserValueRow>({
  class: UserValueRow,
  tableName: 'user_values',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    userId: { type: 'string', length: 36, primary: true },
    fieldKey: { type: 'string', length: 100, primary: true },
    position: { type: 'integer', primary: true },
    value: { type: 'json' },
    valueText: optionalText(1024),
    ruleId: optionalText(100),
    mappingVersion: { type: 'integer', nullable: true },
    sourcePath: optionalText(1024),
    rawValue: { type: 'json', nullable: true },
    updatedAt: epochMillis(),
  },
  indexes: [
    { name: 'user_values_tenant_field_value_index', properties: ['tenantId', 'fieldKey', 'valueText'] },
    { name: 'user_values_tenant_mapping_version_index', properties: ['tenantId', 'mappingVersion'] },
  ],
});

export class MappingJobRow {
  tenantId!: string;
  id!: string;
  connectionId!: string;
  kind!: string;
  mappingVersion!: number;
  state!: string;
  author!: string;
  total!: number;
  processed!: number;
  failed!: number;
  checkpoint?: string | null;
  result?: Record<string, unknown> | null;
  error?: string | null;
  leaseOwner?: string | null;
  leaseUntil?: number | null;
  attempts!: number;
  createdAt!: number;
  startedAt?: number | null;
  finishedAt?: number | null;
  updatedAt!: number;
}

/**
 * Mapping jobs (impact diff, re-apply) shared by every node: a node claims a job with a lease, renews it
 * with each batch and stores the batch's checkpoint (last user id) in the same transaction; a job whose
 * lease ran out (its node died) is claimed again and resumes from the checkpoint.
 */
export const MappingJobEntity = new EntitySchema<MappingJobRow>({
  class: MappingJobRow,
  tableName: 'mapping_jobs',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    connectionId: { type: 'string', length: 36 },
    kind: { type: 'string', length: 20 },
    mappingVersion: { type: 'integer' },
    state: { type: 'string', length: 20 },
    author: { type: 'string', length: 200 },
    total: { type: 'integer' },
    processed: { type: 'integer' },
    failed: { type: 'integer' },
    checkpoint: optionalText(36),
    result: { type: 'json', nullable: true },
    error: optionalText(2000),
    leaseOwner: optionalText(100),
    leaseUntil: { ...epochMillis(), nullable: true },
    attempts: { type: 'integer' },
    createdAt: epochMillis(),
    startedAt: { ...epochMillis(), nullable: true },
    finishedAt: { ...epochMillis(), nullable: true },
    updatedAt: epochMillis(),
  },
  indexes: [
    // Claims look across tenants for queued jobs and expired leases.
    { name: 'mapping_jobs_state_lease_index', properties: ['state', 'leaseUntil'] },
    { name: 'mapping_jobs_tenant_connection_created_index', properties: ['tenantId', 'connectionId', 'createdAt'] },
  ],
});

export class AuditEventRow {
  tenantId!: string;
  id!: string;
  at!: number;
  actorType!: string;
  actorId!: string;
  action!: string;
  targetType!: string;
  targetId?: string | null;
  diff?: Record<string, unknown> | null;
  requestId?: string | null;
}

/** Append-only audit trail, written in the same transaction as the change it records. */
export const AuditEventEntity = new EntitySchema<AuditEventRow>({
  class: AuditEventRow,
  tableName: 'audit_events',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    at: epochMillis(),
    actorType: { type: 'string', length: 20 },
    actorId: { type: 'string', length: 200 },
    action: { type: 'string', length: 100 },
    targetType: { type: 'string', length: 50 },
    targetId: optionalText(200),
    diff: { type: 'json', nullable: true },
    requestId: optionalText(100),
  },
  indexes: [
    { name: 'audit_events_tenant_at_index', properties: ['tenantId', 'at'] },
    { name: 'audit_events_tenant_target_index', properties: ['tenantId', 'targetId', 'at'] },
    { name: 'audit_events_tenant_actor_index', properties: ['tenantId', 'actorId', 'at'] },
  ],
});

export class ProvisioningLogRow {
  tenantId!: string;
  id!: string;
  at!: number;
  connectionId?: string | null;
  method!: string;
  path!: string;
  status!: number;
  durationMs!: number;
  errorDetail?: string | null;
  scimType?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  body?: Record<string, unknown> | null;
  requestId!: string;
}

/** Every SCIM request of a tenant: what an IdP admin debugs from. */
export const ProvisioningLogEntity = new EntitySchema<ProvisioningLogRow>({
  class: ProvisioningLogRow,
  tableName: 'provisioning_log',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    at: epochMillis(),
    connectionId: optionalText(36),
    method: { type: 'string', length: 10 },
    path: { type: 'string', length: 2048 },
    status: { type: 'integer' },
    durationMs: { type: 'integer' },
    errorDetail: optionalText(2000),
    scimType: optionalText(50),
    resourceType: optionalText(20),
    resourceId: optionalText(36),
    body: { type: 'json', nullable: true },
    requestId: { type: 'string', length: 100 },
  },
  indexes: [
    { name: 'provisioning_log_tenant_at_index', properties: ['tenantId', 'at'] },
    { name: 'provisioning_log_tenant_resource_index', properties: ['tenantId', 'resourceId', 'at'] },
    { name: 'provisioning_log_tenant_status_index', properties: ['tenantId', 'status', 'at'] },
  ],
});

export class OutboxEventRow {
  tenantId!: string;
  id!: string;
  type!: string;
  resourceType!: string;
  resourceId!: string;
  resourceVersion?: number | null;
  payload!: Record<string, unknown>;
  createdAt!: number;
}

/** Transactional outbox: an event is committed with its change or not at all, then delivered. */
export const OutboxEventEntity = new EntitySchema<OutboxEventRow>({
  class: OutboxEventRow,
  tableName: 'outbox_events',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    type: { type: 'string', length: 50 },
    resourceType: { type: 'string', length: 50 },
    resourceId: { type: 'string', length: 200 },
    resourceVersion: { type: 'integer', nullable: true },
    payload: { type: 'json' },
    createdAt: epochMillis(),
  },
  indexes: [
    { name: 'outbox_events_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
    { name: 'outbox_events_tenant_resource_index', properties: ['tenantId', 'resourceId', 'createdAt'] },
  ],
});

export class WebhookEndpointRow {
  tenantId!: string;
  id!: string;
  url!: string;
  secret!: string;
  eventTypes?: string[] | null;
  active!: boolean;
  createdAt!: number;
  lastSuccessAt?: number | null;
  lastFailureAt?: number | null;
  lastError?: string | null;
  consecutiveFailures!: number;
}

export const WebhookEndpointEntity = new EntitySchema<WebhookEndpointRow>({
  class: WebhookEndpointRow,
  tableName: 'webhook_endpoints',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    url: { type: 'string', length: 2048 },
    // The HMAC key must be readable to sign deliveries; it never leaves the server after creation.
    secret: { type: 'string', length: 200 },
    eventTypes: { type: 'json', nullable: true },
    active: { type: 'boolean' },
    createdAt: epochMillis(),
    lastSuccessAt: { ...epochMillis(), nullable: true },
    lastFailureAt: { ...epochMillis(), nullable: true },
    lastError: optionalText(2000),
    consecutiveFailures: { type: 'integer', default: 0 },
  },
});

export class WebhookDeliveryRow {
  tenantId!: string;
  endpointId!: string;
  eventId!: string;
  status!: string;
  attempts!: number;
  nextAttemptAt?: number | null;
  lastError?: string | null;
  deliveredAt?: number | null;
  createdAt!: number;
}

/** One row per (endpoint, event): delivery state, retries with backoff, replay by resetting it. */
export const WebhookDeliveryEntity = new EntitySchema<WebhookDeliveryRow>({
  class: WebhookDeliveryRow,
  tableName: 'webhook_deliveries',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    endpointId: { type: 'string', length: 36, primary: true },
    eventId: { type: 'string', length: 36, primary: true },
    status: { type: 'string', length: 20 },
    attempts: { type: 'integer' },
    nextAttemptAt: { ...epochMillis(), nullable: true },
    lastError: optionalText(2000),
    deliveredAt: { ...epochMillis(), nullable: true },
    createdAt: epochMillis(),
  },
  indexes: [{ name: 'webhook_deliveries_status_next_index', properties: ['status', 'nextAttemptAt'] }],
});

export class OwnershipRow {
  tenantId!: string;
  resourceType!: string;
  resourceId!: string;
  ownerUserId?: string | null;
  registeredBy!: string;
  orphanedAt?: number | null;
  previousOwnerUserId?: string | null;
  updatedAt!: number;
}

/** Who owns which app resource, so a deprovisioned user's resources pass to the default substitute. */
export const OwnershipEntity = new EntitySchema<OwnershipRow>({
  class: OwnershipRow,
  tableName: 'ownerships',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    resourceType: { type: 'string', length: 100, primary: true },
    resourceId: { type: 'string', length: 200, primary: true },
    ownerUserId: optionalText(36),
    registeredBy: { type: 'string', length: 200 },
    orphanedAt: { ...epochMillis(), nullable: true },
    previousOwnerUserId: optionalText(36),
    updatedAt: epochMillis(),
  },
  indexes: [{ name: 'ownerships_tenant_owner_index', properties: ['tenantId', 'ownerUserId'] }],
});

export class OidcProviderRow {
  tenantId!: string;
  issuer!: string;
  audience!: string;
  jwksUrl!: string;
  scopeClaim!: string;
  readScope!: string;
  adminScope!: string;
  createdAt!: number;
  updatedAt!: number;
}

/**
 * The company OIDC provider whose access tokens a tenant accepts on GraphQL (at most one per tenant).
 * Tokens are matched to their tenant by issuer (indexed) and audience.
 */
export const OidcProviderEntity = new EntitySchema<OidcProviderRow>({
  class: OidcProviderRow,
  tableName: 'oidc_providers',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    issuer: { type: 'string', length: 512, index: 'oidc_providers_issuer_index' },
    audience: { type: 'string', length: 512 },
    jwksUrl: { type: 'string', length: 512 },
    scopeClaim: { type: 'string', length: 100 },
    readScope: { type: 'string', length: 512 },
    adminScope: { type: 'string', length: 512 },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
});

export class TenantResourceCountRow {
  tenantId!: string;
  resourceType!: string;
  shard!: number;
  total!: number;
  version!: number;
}

/**
 * How many users and groups each tenant holds, and a change counter bumped by every insert or delete
 * of them (and any change of their list position). Kept exact by triggers defined in the migrations, so
 * no write path can forget them: an unfiltered list's totalResults is the sum of a few rows, not a COUNT
 * over the tenant, and the summed version tells a process whether its cached page anchors still hold.
 * On PostgreSQL each session writes its own shard (backend pid mod 8), so concurrent creates in one
 * tenant do not queue on one row lock; SQLite has one writer and one shard.
 */
export const TenantResourceCountEntity = new EntitySchema<TenantResourceCountRow>({
  class: TenantResourceCountRow,
  tableName: 'tenant_resource_counts',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    // 'users' or 'groups': the table counted.
    resourceType: { type: 'string', length: 10, primary: true },
    shard: { type: 'integer', primary: true },
    total: { type: new BigIntType('number') },
    version: { type: new BigIntType('number') },
  },
});

export const ALL_ENTITIES = [
  TenantEntity,
  ConnectionEntity,
  ApiKeyEntity,
  UserEntity,
  UserEmailEntity,
  GroupEntity,
  GroupMemberEntity,
  DomainSchemaEntity,
  OptionValueEntity,
  MappingSetEntity,
  UserValueEntity,
  MappingJobEntity,
  AuditEventEntity,
  ProvisioningLogEntity,
  OutboxEventEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  OwnershipEntity,
  OidcProviderEntity,
  TenantResourceCountEntity,
];
