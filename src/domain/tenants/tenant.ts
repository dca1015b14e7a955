import { DomainError } from '../errors';

/** The default substitute the IdP itself deprovisioned: kept until an admin chooses another, as a warning. */
export interface DeprovisionedSubstitute {
  readonly userId: string;
  readonly at: number;
  readonly reason: 'deleted' | 'deactivated';
}

/** What a SCIM DELETE of a user does: remove it for good, or keep it as deprovisioned (restorable by an admin). */
export type ScimUserDelete = 'remove' | 'deprovision';

export interface TenantSettings {
  /** RFC 7644 allows 200 with the resource or 204 for PATCH; Entra's test collection wants 204 on Users. */
  readonly userPatchStatus: 200 | 204;
  /** When on, groups and memberships change only over SCIM; manual (GraphQL) edits get GROUPS_MANAGED_BY_IDP. */
  readonly restrictGroupsToIdp: boolean;
  /** The user who inherits what a deprovisioned user owned; null leaves such resources orphaned. */
  readonly defaultSubstituteUserId: string | null;
  readonly deprovisionedSubstitute: DeprovisionedSubstitute | null;
  /** Transfer ownership on deactivation (active=false) too, not only on DELETE. */
  readonly transferOnDeactivate: boolean;
  /** How long a rotated-out SCIM token keeps working; 0 expires it at once. */
  readonly tokenGraceSeconds: number;
  /** Opt-in: keep the (redacted) request body in the provisioning log. */
  readonly provisioningLogBodies: boolean;
  /** Bodies older than this are removed from the provisioning log (the entries stay). */
  readonly provisioningLogBodyRetentionDays: number;
  /** What the IdP's DELETE of a user does (docs/admin.md, "Deprovisioning"). */
  readonly scimUserDelete: ScimUserDelete;
  /** When false, a SCIM PUT or PATCH that changes a user's userName is refused (400 mutability). */
  readonly idpMayChangeUserName: boolean;
  /** Keep the connection's last user writes (bodies, secrets redacted) for mapping previews; off deletes them at the next sweep. */
  readonly keepRecentRequests: boolean;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  userPatchStatus: 200,
  restrictGroupsToIdp: false,
  defaultSubstituteUserId: null,
  deprovisionedSubstitute: null,
  transferOnDeactivate: false,
  tokenGraceSeconds: 0,
  provisioningLogBodies: false,
  provisioningLogBodyRetentionDays: 7,
  scimUserDelete: 'remove',
  idpMayChangeUserName: true,
  keepRecentRequests: true,
};

const CHANGEABLE_SETTINGS = ['userPatchStatus', 'restrictGroupsToIdp', 'transferOnDeactivate', 'tokenGraceSeconds', 'provisioningLogBodies', 'provisioningLogBodyRetentionDays', 'scimUserDelete', 'idpMayChangeUserName', 'keepRecentRequests'] as const;

/** The settings an admin changes directly; the default substitute goes through the ownership service, which checks the user. */
export type TenantSettingsChange = Partial<Pick<TenantSettings, (typeof CHANGEABLE_SETTINGS)[number]>>;

export const MAX_TOKEN_GRACE_SECONDS = 7 * 24 * 60 * 60;
export const MAX_LOG_BODY_RETENTION_DAYS = 90;

export interface Tenant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly settings: TenantSettings;
  readonly createdAt: number;
}

export type Dialect = 'entra' | 'okta' | 'onelogin' | 'generic';

export interface Connection {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly dialect: Dialect;
}

export const TENANT_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function isWholeNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function readDeprovisionedSubstitute(value: unknown): DeprovisionedSubstitute | null {
  const stored = value as Partial<DeprovisionedSubstitute> | null | undefined;
  if (!stored || typeof stored.userId !== 'string' || typeof stored.at !== 'number') return null;
  return { userId: stored.userId, at: stored.at, reason: stored.reason === 'deactivated' ? 'deactivated' : 'deleted' };
}

/** Settings as stored (any older shape): unknown or malformed values fall back to their defaults. */
export function readTenantSettings(stored: unknown): TenantSettings {
  const settings = (stored ?? {}) as Partial<Record<keyof TenantSettings, unknown>>;
  const defaults = DEFAULT_TENANT_SETTINGS;
  return {
    userPatchStatus: settings.userPatchStatus === 204 ? 204 : defaults.userPatchStatus,
    restrictGroupsToIdp: settings.restrictGroupsToIdp === true,
    defaultSubstituteUserId: typeof settings.defaultSubstituteUserId === 'string' ? settings.defaultSubstituteUserId : null,
    deprovisionedSubstitute: readDeprovisionedSubstitute(settings.deprovisionedSubstitute),
    transferOnDeactivate: settings.transferOnDeactivate === true,
    tokenGraceSeconds: isWholeNumberIn(settings.tokenGraceSeconds, 0, MAX_TOKEN_GRACE_SECONDS) ? settings.tokenGraceSeconds : defaults.tokenGraceSeconds,
    provisioningLogBodies: settings.provisioningLogBodies === true,
    provisioningLogBodyRetentionDays: isWholeNumberIn(settings.provisioningLogBodyRetentionDays, 1, MAX_LOG_BODY_RETENTION_DAYS)
      ? settings.provisioningLogBodyRetentionDays
      : defaults.provisioningLogBodyRetentionDays,
    scimUserDelete: settings.scimUserDelete === 'deprovision' ? 'deprovision' : defaults.scimUserDelete,
    idpMayChangeUserName: settings.idpMayChangeUserName !== false,
    keepRecentRequests: settings.keepRecentRequests !== false,
  };
}

/**
 * The settings of `change` an admin may change directly (other keys are dropped), refused with every
 * problem named instead of being stored as a value that reads back as the default.
 */
export function checkSettingsChange(change: TenantSettingsChange): TenantSettingsChange {
  const problems: string[] = [];
  if (change.userPatchStatus !== undefined && change.userPatchStatus !== 200 && change.userPatchStatus !== 204) problems.push('userPatchStatus must be 200 or 204');
  if (change.scimUserDelete !== undefined && change.scimUserDelete !== 'remove' && change.scimUserDelete !== 'deprovision') problems.push('scimUserDelete must be remove or deprovision');
  for (const name of ['restrictGroupsToIdp', 'transferOnDeactivate', 'provisioningLogBodies', 'idpMayChangeUserName', 'keepRecentRequests'] as const) {
    if (change[name] !== undefined && typeof change[name] !== 'boolean') problems.push(`${name} must be true or false`);
  }
  if (change.tokenGraceSeconds !== undefined && !isWholeNumberIn(change.tokenGraceSeconds, 0, MAX_TOKEN_GRACE_SECONDS)) {
    problems.push(`tokenGraceSeconds must be a whole number from 0 to ${MAX_TOKEN_GRACE_SECONDS} (7 days)`);
  }
  if (change.provisioningLogBodyRetentionDays !== undefined && !isWholeNumberIn(change.provisioningLogBodyRetentionDays, 1, MAX_LOG_BODY_RETENTION_DAYS)) {
    problems.push(`provisioningLogBodyRetentionDays must be a whole number from 1 to ${MAX_LOG_BODY_RETENTION_DAYS}`);
  }
  if (problems.length > 0) throw new DomainError('INVALID_INPUT', problems.join('; '));
  return Object.fromEntries(CHANGEABLE_SETTINGS.filter((name) => change[name] !== undefined).map((name) => [name, change[name]])) as TenantSettingsChange;
}

/**
 * The guard of every manual (GraphQL/admin) change to groups and memberships. SCIM changes never call
 * it: the IdP is always allowed. When manual edits are allowed they are marked source=manual, and the
 * IdP's next push wins over them (docs/decisions.md, "Admin lifecycle").
 */
export function assertManualGroupEditAllowed(tenant: Pick<Tenant, 'settings'>): void {
  if (tenant.settings.restrictGroupsToIdp) {
    throw new DomainError('GROUPS_MANAGED_BY_IDP', "this tenant's groups and memberships are managed by its identity provider; change them there");
  }
}
