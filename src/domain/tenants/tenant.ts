export interface TenantSettings {
  /** RFC 7644 allows 200 with the resource or 204 for PATCH; Entra's test collection wants 204 on Users. */
  readonly userPatchStatus: 200 | 204;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = { userPatchStatus: 200 };

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

export function readTenantSettings(stored: unknown): TenantSettings {
  const settings = (stored ?? {}) as Partial<TenantSettings>;
  return { userPatchStatus: settings.userPatchStatus === 204 ? 204 : DEFAULT_TENANT_SETTINGS.userPatchStatus };
}
