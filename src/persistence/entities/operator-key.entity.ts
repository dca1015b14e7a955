import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class OperatorKeyRow {
  id!: string;
  name!: string;
  keyHash!: string;
  createdAt!: number;
  lastUsedAt?: number | null;
  revokedAt?: number | null;
}

/**
 * Keys of the operator (the company running the hub, above every tenant) for /operator/graphql. Like
 * `tenants`, a platform table without tenant_id: an operator key belongs to no tenant.
 */
export const OperatorKeyEntity = new EntitySchema<OperatorKeyRow>({
  class: OperatorKeyRow,
  tableName: 'operator_keys',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 200 },
    keyHash: { type: 'string', length: 64, index: 'operator_keys_key_hash_index' },
    createdAt: epochMillis(),
    lastUsedAt: { ...epochMillis(), nullable: true },
    revokedAt: { ...epochMillis(), nullable: true },
  },
});
