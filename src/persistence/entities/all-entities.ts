import { TenantEntity } from './tenant.entity';
import { ConnectionEntity } from './connection.entity';
import { ApiKeyEntity } from './api-key.entity';
import { UserEntity } from './user.entity';
import { UserEmailEntity } from './user-email.entity';
import { GroupEntity } from './group.entity';
import { GroupMemberEntity } from './group-member.entity';
import { DomainSchemaEntity } from './domain-schema.entity';
import { OptionValueEntity } from './option-value.entity';
import { MappingSetEntity } from './mapping-set.entity';
import { UserValueEntity } from './user-value.entity';
import { MappingJobEntity } from './mapping-job.entity';
import { AuditEventEntity } from './audit-event.entity';
import { ProvisioningLogEntity } from './provisioning-log.entity';
import { OutboxEventEntity } from './outbox-event.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { OwnershipEntity } from './ownership.entity';
import { OidcProviderEntity } from './oidc-provider.entity';
import { OidcAudienceClaimEntity } from './oidc-audience-claim.entity';
import { TenantResourceCountEntity } from './tenant-resource-count.entity';
import { OperatorKeyEntity } from './operator-key.entity';
import { ConsoleSetupLinkEntity } from './console-setup-link.entity';
import { ConsoleSessionEntity } from './console-session.entity';
import { ConsoleSignInEntity } from './console-sign-in.entity';
import { DeprovisionedUserEntity } from './deprovisioned-user.entity';
import { RecentRequestEntity } from './recent-request.entity';
import { JobLeaseEntity } from './job-lease.entity';

/**
 * Table definitions. MikroORM owns the schema and the migrations; repositories query through its
 * connection. Every table leads its primary key and every unique index with tenant_id, so the schema
 * can be distributed by tenant (Citus) unchanged. The exceptions are small reference tables: `tenants`
 * itself (the tenant registry, keyed by the tenant id), `oidc_audience_claims` (which tenant holds an OIDC
 * issuer and audience, unique across tenants) and `operator_keys` (the operator's, no tenant's).
 */
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
  OidcAudienceClaimEntity,
  TenantResourceCountEntity,
  OperatorKeyEntity,
  ConsoleSetupLinkEntity,
  ConsoleSessionEntity,
  ConsoleSignInEntity,
  DeprovisionedUserEntity,
  RecentRequestEntity,
  JobLeaseEntity,
];
