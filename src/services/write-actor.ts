import { DomainError } from '../domain/errors';
import type { Actor } from '../domain/audit';
import type { Connection, Tenant } from '../domain/tenants/tenant';

/** Who is writing: the tenant and IdP connection of the SCIM token, and the request for the logs. */
export interface WriteActor {
  readonly tenant: Tenant;
  readonly connection: Connection;
  readonly requestId?: string;
  /** Who the audit trail names when it is not the connection: the admin behind a manual edit. */
  readonly auditActor?: Actor;
}

export interface WriteConditions {
  /** The version the client last saw (If-Match); the change is refused when the stored one differs. */
  readonly ifMatch?: number;
}

export function checkVersion(current: { version: number }, conditions: WriteConditions): void {
  if (conditions.ifMatch !== undefined && conditions.ifMatch !== current.version) {
    throw new DomainError('PRECONDITION_FAILED', `the resource has changed: its version is ${current.version}, not ${conditions.ifMatch}`);
  }
}

/** Whom option values a write adds are credited to: its connection and request. */
export function mappingActor(actor: WriteActor): { readonly connectionId: string; readonly requestId?: string } {
  return { connectionId: actor.connection.id, requestId: actor.requestId };
}
