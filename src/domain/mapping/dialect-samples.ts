/**
 * Built-in sample requests per IdP dialect, for dry runs before any real traffic: what Entra ID, Okta
 * and OneLogin send when they create a user and then change it, with their known PATCH shapes
 * (Entra's capitalised ops and path-less value objects, Okta's replace of `active`, OneLogin's role in
 * `title`). Pure data; the SCIM adapter turns each sequence into the stored resource after each request.
 */
import type { Dialect } from '../tenants/tenant';
import { ENTERPRISE_USER_URN } from './source-path';

export type UserWriteMethod = 'POST' | 'PUT' | 'PATCH';

/** One SCIM write of a user as the IdP sends it. */
export interface UserWriteRequest {
  readonly method: UserWriteMethod;
  readonly body: unknown;
}

/** Requests about one user, in the order the IdP sent them. */
export interface UserRequestSequence {
  readonly label: string;
  readonly requests: readonly UserWriteRequest[];
  /** What the caller should know about the sequence (e.g. values were redacted, the create was not kept). */
  readonly notes?: readonly string[];
  /** The stored user the first request applied to; none: it starts from an empty user (a create). */
  readonly initial?: Record<string, unknown>;
}

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function patch(operations: readonly Record<string, unknown>[]): UserWriteRequest {
  return { method: 'PATCH', body: { schemas: [PATCH_OP], Operations: operations } };
}

/**
 * The samples of a dialect. The tenant's own extension (`customSchemaUrn`) carries Business Unit and
 * Region in each; Entra leaves its URN out of `schemas`, as Entra does.
 */
export function dialectSampleRequests(dialect: Dialect, customSchemaUrn: string): UserRequestSequence[] {
  const custom = { [customSchemaUrn]: { businessUnit: 'Retail', region: 'EMEA' } };
  switch (dialect) {
    case 'entra':
      return [
        {
          label: 'entra: create, then change department and role (capitalised ops, path-less value)',
          requests: [
            {
              method: 'POST',
              body: {
                schemas: [CORE_USER, ENTERPRISE_USER_URN],
                externalId: '8c3a9b2e-5d41-4c8e-9f0a-1b2c3d4e5f60',
                userName: 'adele.vance@contoso.com',
                active: true,
                displayName: 'Adele Vance',
                title: 'Retail Manager',
                userType: 'Member',
                emails: [{ primary: true, type: 'work', value: 'adele.vance@contoso.com' }],
                name: { givenName: 'Adele', familyName: 'Vance', formatted: 'Adele Vance' },
                [ENTERPRISE_USER_URN]: { department: 'Retail', employeeNumber: '1042', manager: { value: 'b7e1c2d3-0000-4000-8000-000000000001' } },
                ...custom,
              },
            },
            patch([
              { op: 'Replace', path: `${ENTERPRISE_USER_URN}:department`, value: 'Sales' },
              { op: 'Replace', path: 'userType', value: 'admin' },
            ]),
            patch([{ op: 'Add', value: { title: 'Sales Lead', 'name.givenName': 'Adele' } }]),
          ],
        },
        {
          label: 'entra: guest user without an enterprise extension',
          requests: [
            {
              method: 'POST',
              body: { schemas: [CORE_USER], externalId: 'guest-0001', userName: 'guest_fabrikam.com#EXT#@contoso.onmicrosoft.com', active: true, userType: 'Guest', emails: [{ primary: true, type: 'work', value: 'guest@fabrikam.com' }] },
            },
          ],
        },
      ];
    case 'okta':
      return [
        {
          label: 'okta: create, change the role, then deactivate',
          requests: [
            {
              method: 'POST',
              body: {
                schemas: [CORE_USER, ENTERPRISE_USER_URN, customSchemaUrn],
                userName: 'isaac.brooks@example.com',
                name: { givenName: 'Isaac', familyName: 'Brooks' },
                emails: [{ primary: true, value: 'isaac.brooks@example.com', type: 'work' }],
                displayName: 'Isaac Brooks',
                userType: 'user',
                active: true,
                [ENTERPRISE_USER_URN]: { department: 'Engineering', costCenter: '4100' },
                ...custom,
              },
            },
            patch([{ op: 'replace', value: { userType: 'manager' } }]),
            patch([{ op: 'replace', value: { active: false } }]),
          ],
        },
      ];
    case 'onelogin':
      return [
        {
          label: 'onelogin: role in title, then a new title',
          requests: [
            {
              method: 'POST',
              body: {
                schemas: [CORE_USER, ENTERPRISE_USER_URN, customSchemaUrn],
                userName: 'megan.bowen@example.com',
                name: { givenName: 'Megan', familyName: 'Bowen' },
                emails: [{ primary: true, value: 'megan.bowen@example.com' }],
                title: 'Admin',
                active: true,
                [ENTERPRISE_USER_URN]: { department: 'Marketing' },
                ...custom,
              },
            },
            { method: 'PUT', body: { schemas: [CORE_USER], userName: 'megan.bowen@example.com', name: { givenName: 'Megan', familyName: 'Bowen' }, title: 'viewer', active: true } },
          ],
        },
      ];
    case 'generic':
      return [
        {
          label: 'generic: create with userType, then clear it',
          requests: [
            { method: 'POST', body: { schemas: [CORE_USER, customSchemaUrn], userName: 'sample.user@example.com', userType: 'user', active: true, emails: [{ primary: true, value: 'sample.user@example.com' }], ...custom } },
            patch([{ op: 'remove', path: 'userType' }]),
          ],
        },
      ];
  }
}

