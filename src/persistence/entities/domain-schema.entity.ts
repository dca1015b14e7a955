import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class DomainSchemaRow {
  tenantId!: string;
  version!: number;
  definition!: Record<string, unknown>;
  state!: string;
  author!: string;
  comment?: string | null;
  createdAt!: number;
}

/** Versions of a tenant's domain schema (fields and option-list policies); immutable once written. */
export const DomainSchemaEntity = new EntitySchema<DomainSchemaRow>({
  class: DomainSchemaRow,
  tableName: 'domain_schemas',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    version: { type: 'integer', primary: true },
    definition: { type: 'json' },
    state: { type: 'string', length: 20 },
    author: { type: 'string', length: 200 },
    comment: optionalText(2000),
    createdAt: epochMillis(),
  },
});
