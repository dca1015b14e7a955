import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class ApiKeyRow {
  tenantId!: string;
  id!: string;
  name!: string;
  keyHash!: string;
  scopes!: string;
  createdAt!: number;
  revokedAt?: number | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  class: ApiKeyRow,
  tableName: 'api_keys',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 200 },
    keyHash: { type: 'string', length: 64, index: 'api_keys_key_hash_index' },
    scopes: { type: 'string', length: 200 },
    createdAt: epochMillis(),
    revokedAt: { ...epochMillis(), nullable: true },
  },
});
