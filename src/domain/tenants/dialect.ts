import { DomainError } from '../errors';
import type { Dialect, TenantSettings } from './tenant';

export const DIALECTS: readonly Dialect[] = ['entra', 'okta', 'onelogin', 'generic'];

/** A dialect named by an admin or the CLI; anything else is refused with the list. */
export function parseDialect(value: string): Dialect {
  const dialect = value.trim().toLowerCase();
  if (!(DIALECTS as readonly string[]).includes(dialect)) throw new DomainError('INVALID_INPUT', `unknown dialect "${value}": choose one of ${DIALECTS.join(', ')}`);
  return dialect as Dialect;
}

/**
 * The tenant settings a dialect brings when it is chosen (on creation or by setScimConnectionDialect);
 * an admin may change them afterwards. Okta never sends DELETE for users: deprovisioning is
 * `active: false`, so there a deactivation hands the user's resources to the default substitute.
 */
export function dialectSettingDefaults(dialect: Dialect): Partial<Pick<TenantSettings, 'transferOnDeactivate'>> {
  return dialect === 'okta' ? { transferOnDeactivate: true } : {};
}

/**
 * Whether a manager reference that names no user id is looked up by externalId: OneLogin templates send
 * the manager's OneLogin id (`external_manager_id`), which the hub holds as that user's externalId.
 */
export function resolvesManagerByExternalId(dialect: Dialect): boolean {
  return dialect === 'onelogin';
}
