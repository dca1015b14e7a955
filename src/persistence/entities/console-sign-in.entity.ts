import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class ConsoleSignInRow {
  tenantId!: string;
  issuer!: string;
  clientId!: string;
  clientSecret?: string | null;
  displayName!: string;
  adminRole!: string;
  createdAt!: number;
  updatedAt!: number;
}

/**
 * The tenant's IdP as an OIDC client registration for signing in to the admin console (at most one per
 * tenant): authorization code with PKCE; who may administer is decided by the mapped role `admin_role`.
 */
export const ConsoleSignInEntity = new EntitySchema<ConsoleSignInRow>({
  class: ConsoleSignInRow,
  tableName: 'console_sign_in',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    issuer: { type: 'string', length: 512 },
    clientId: { type: 'string', length: 256 },
    clientSecret: { type: 'string', length: 512, nullable: true },
    displayName: { type: 'string', length: 100 },
    adminRole: { type: 'string', length: 200 },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
});
