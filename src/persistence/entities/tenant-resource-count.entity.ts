import { BigIntType, EntitySchema } from '@mikro-orm/core';

export class TenantResourceCountRow {
  tenantId!: string;
  resourceType!: string;
  shard!: number;
  total!: number;
  version!: number;
}

/**
 * How many users and groups each tenant holds, and a change counter bumped by every insert or delete
 * of them (and any change of their list position). Kept exact by triggers defined in the migrations, so
 * no write path can forget them: an unfiltered list's totalResults is the sum of a few rows, not a COUNT
 * over the tenant, and the summed version tells a process whether its cached page anchors still hold.
 * On PostgreSQL each session writes its own shard (backend pid mod 8), so concurrent creates in one
 * tenant do not queue on one row lock; SQLite has one writer and one shard.
 */
export const TenantResourceCountEntity = new EntitySchema<TenantResourceCountRow>({
  class: TenantResourceCountRow,
  tableName: 'tenant_resource_counts',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    // 'users' or 'groups': the table counted.
    resourceType: { type: 'string', length: 10, primary: true },
    shard: { type: 'integer', primary: true },
    total: { type: new BigIntType('number') },
    version: { type: new BigIntType('number') },
  },
});
