import type { Logger } from 'pino';
import type { GraphqlPrincipal } from '../auth/graphql-principal';
import type { AuditContext } from '../domain/audit';
import type { AdminWarningsService } from '../services/admin-warnings.service';
import type { ScimOAuthService } from '../services/scim-oauth.service';
import type { ApiAccessService } from '../services/api-access.service';
import type { AuditService } from '../services/audit.service';
import type { ConsoleAccessService } from '../services/console-access.service';
import type { ConsoleSignInService } from '../services/console-sign-in.service';
import type { DirectoryService } from '../services/directory.service';
import type { EventFeed } from '../services/event-feed';
import type { GroupService } from '../services/group.service';
import type { MappingLifecycleService } from '../services/mapping-lifecycle.service';
import type { OptionListService } from '../services/option-list.service';
import type { ManualEditService } from '../services/manual-edit.service';
import type { MappingService } from '../services/mapping.service';
import type { OwnershipService } from '../services/ownership.service';
import type { ProvisioningLogService } from '../services/provisioning-log.service';
import type { TenantService } from '../services/tenant.service';
import type { UserService } from '../services/user.service';
import type { WebhookEndpointService } from '../services/webhook-endpoint.service';
import type { DirectoryLoaders } from './directory-loaders';

export interface GraphqlServices {
  readonly tenants: TenantService;
  readonly directory: DirectoryService;
  readonly access: ApiAccessService;
  readonly scimOAuth: ScimOAuthService;
  readonly mapping: MappingService;
  readonly mappingLifecycle: MappingLifecycleService;
  readonly groups: GroupService;
  readonly audit: AuditService;
  readonly provisioningLog: ProvisioningLogService;
  readonly ownership: OwnershipService;
  readonly warnings: AdminWarningsService;
  readonly webhooks: WebhookEndpointService;
  readonly events: EventFeed;
  readonly manualEdits: ManualEditService;
  readonly consoleAccess: ConsoleAccessService;
  readonly consoleSignIn: ConsoleSignInService;
  readonly optionLists: OptionListService;
  readonly users: UserService;
}

/** One per request: who calls, for which tenant, and the request's own DataLoaders. */
export interface GraphqlContext {
  readonly principal: GraphqlPrincipal;
  /** Every resolver reads and writes this tenant only. */
  readonly tenantId: string;
  readonly services: GraphqlServices;
  readonly loaders: DirectoryLoaders;
  readonly log: Logger;
  readonly requestId: string;
}

/** Who the audit trail names for a change made in this request: the API key, or the token's subject. */
export function auditContextOf(context: GraphqlContext): AuditContext {
  const { credential } = context.principal;
  const actor =
    credential.kind === 'apiKey'
      ? { type: 'apiKey' as const, id: credential.apiKeyId }
      : credential.kind === 'consoleSession'
        ? { type: 'user' as const, id: credential.subject }
        : { type: 'user' as const, id: credential.subject ?? credential.issuer };
  return { actor, requestId: context.requestId };
}
