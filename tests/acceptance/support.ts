import { existsSync } from 'node:fs';
import path from 'node:path';

/** The public suites sit beside the project (`../shared/scim-suites`); they are read there, never copied in. */
export const SCIM_SUITES_ROOT = path.resolve(__dirname, '..', '..', '..', 'shared', 'scim-suites');

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Whether shared suite material exists; says so when it does not, so a skipped run is never silent. */
export function sharedSuitePresent(location: string): boolean {
  if (existsSync(location)) return true;
  console.log(`shared suites not found at ${location}, skipped`);
  return false;
}
