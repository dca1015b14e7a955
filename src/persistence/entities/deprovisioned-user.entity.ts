import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText, clientText } from './column-types';

export class DeprovisionedUserRow {
  tenantId!: string;
  id!: string;
  userName!: string;
  externalId?: string | null;
  raw!: Record<string, unknown>;
  /** The version the user had when it was deprovisioned; a restore continues from it. */
  version!: number;
  createdAt!: number;
  deprovisionedAt!: number;
  /** Who its resources went to (the default substitute then; null: orphaned), so a restore can take back what is still there. */
  substituteUserId?: string | null;
}

/**
 * Users the IdP deleted while the tenant keeps deleted users as deprovisioned (scimUserDelete). Out of
 * `users`, so SCIM reads, directory queries, counters and the userName uniqueness never see them.
 */
export const DeprovisionedUserEntity = new EntitySchema<DeprovisionedUserRow>({
  class: DeprovisionedUserRow,
  tableName: 'deprovisioned_users',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    userName: clientText(),
    externalId: optionalText(),
    raw: { type: 'json' },
    version: { type: 'integer' },
    createdAt: epochMillis(),
    deprovisionedAt: epochMillis(),
    substituteUserId: optionalText(36),
  },
  indexes: [{ name: 'deprovisioned_users_tenant_at_index', properties: ['tenantId', 'deprovisionedAt', 'id'] }],
});
