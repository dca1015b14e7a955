import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class TenantRow {
  id!: string;
  slug!: string;
  name!: string;
  settings!: Record<string, unknown>;
  createdAt!: number;
  suspendedAt?: number | null;
  suspendedReason?: string | null;
}

export const TenantEntity = new EntitySchema<TenantRow>({
  class: TenantRow,
  tableName: 'tenants',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    slug: { type: 'string', length: 63, unique: 'tenants_slug_unique' },
    name: { type: 'string', length: 200 },
    settings: { type: 'json' },
    createdAt: epochMillis(),
    suspendedAt: { ...epochMillis(), nullable: true },
    suspendedReason: { type: 'string', length: 500, nullable: true },
  },
});
