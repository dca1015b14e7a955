import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class RecentRequestRow {
  tenantId!: string;
  connectionId!: string;
  id!: string;
  at!: number;
  method!: string;
  userId!: string;
  status!: number;
  /** The request body, secrets redacted. */
  body!: Record<string, unknown>;
  /** The user as stored before the request (PUT and PATCH), secrets redacted; what a replay starts from. */
  before?: Record<string, unknown> | null;
}

/**
 * The last user writes of each connection with their bodies, kept briefly for mapping previews
 * (PREVIEW_REQUESTS_KEPT per connection, PREVIEW_REQUESTS_RETENTION_HOURS). Unlike the provisioning
 * log, personal values stay (a preview maps them); secrets do not.
 */
export const RecentRequestEntity = new EntitySchema<RecentRequestRow>({
  class: RecentRequestRow,
  tableName: 'recent_requests',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    connectionId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    at: epochMillis(),
    method: { type: 'string', length: 10 },
    userId: { type: 'string', length: 36 },
    status: { type: 'integer' },
    body: { type: 'json' },
    before: { type: 'json', nullable: true },
  },
  indexes: [{ name: 'recent_requests_tenant_at_index', properties: ['tenantId', 'at'] }],
});
