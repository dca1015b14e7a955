import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class OwnershipRow {
  tenantId!: string;
  resourceType!: string;
  resourceId!: string;
  ownerUserId?: string | null;
  registeredBy!: string;
  orphanedAt?: number | null;
  previousOwnerUserId?: string | null;
  updatedAt!: number;
}

/** Who owns which app resource, so a deprovisioned user's resources pass to the default substitute. */
export const OwnershipEntity = new EntitySchema<OwnershipRow>({
  class: OwnershipRow,
  tableName: 'ownerships',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    resourceType: { type: 'string', length: 100, primary: true },
    resourceId: { type: 'string', length: 200, primary: true },
    ownerUserId: optionalText(36),
    registeredBy: { type: 'string', length: 200 },
    orphanedAt: { ...epochMillis(), nullable: true },
    previousOwnerUserId: optionalText(36),
    updatedAt: epochMillis(),
  },
  indexes: [{ name: 'ownerships_tenant_owner_index', properties: ['tenantId', 'ownerUserId'] }],
});
