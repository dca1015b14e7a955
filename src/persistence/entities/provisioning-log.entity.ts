import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class ProvisioningLogRow {
  tenantId!: string;
  id!: string;
  at!: number;
  connectionId?: string | null;
  method!: string;
  path!: string;
  status!: number;
  durationMs!: number;
  errorDetail?: string | null;
  scimType?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  body?: Record<string, unknown> | null;
  requestId!: string;
}

/** Every SCIM request of a tenant: what an IdP admin debugs from. */
export const ProvisioningLogEntity = new EntitySchema<ProvisioningLogRow>({
  class: ProvisioningLogRow,
  tableName: 'provisioning_log',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    at: epochMillis(),
    connectionId: optionalText(36),
    method: { type: 'string', length: 10 },
    path: { type: 'string', length: 2048 },
    status: { type: 'integer' },
    durationMs: { type: 'integer' },
    errorDetail: optionalText(2000),
    scimType: optionalText(50),
    resourceType: optionalText(20),
    resourceId: optionalText(36),
    body: { type: 'json', nullable: true },
    requestId: { type: 'string', length: 100 },
  },
  indexes: [
    { name: 'provisioning_log_tenant_at_index', properties: ['tenantId', 'at'] },
    { name: 'provisioning_log_tenant_resource_index', properties: ['tenantId', 'resourceId', 'at'] },
    { name: 'provisioning_log_tenant_status_index', properties: ['tenantId', 'status', 'at'] },
  ],
});
