import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText, clientText } from './column-types';

export class GroupRow {
  tenantId!: string;
  id!: string;
  displayName!: string;
  displayNameNorm!: string;
  /** UTS #39 skeleton of the folded displayName: look-alikes share it (admin warning GROUP_NAME_LOOKALIKE). */
  displayNameSkeleton?: string | null;
  externalId?: string | null;
  managedBy!: string;
  raw!: Record<string, unknown>;
  version!: number;
  createdAt!: number;
  updatedAt!: number;
}

export const GroupEntity = new EntitySchema<GroupRow>({
  class: GroupRow,
  tableName: 'groups',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    displayName: clientText(),
    displayNameNorm: clientText(),
    displayNameSkeleton: optionalText(),
    externalId: optionalText(),
    // IDP: created over SCIM; MANUAL: created by an admin (GraphQL).
    managedBy: { type: 'string', length: 10, default: 'IDP' },
    raw: { type: 'json' },
    version: { type: 'integer' },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
  uniques: [{ name: 'groups_tenant_display_name_unique', properties: ['tenantId', 'displayNameNorm'] }],
  indexes: [
    { name: 'groups_tenant_external_id_index', properties: ['tenantId', 'externalId'] },
    { name: 'groups_tenant_display_name_skeleton_index', properties: ['tenantId', 'displayNameSkeleton'] },
    { name: 'groups_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
  ],
});
