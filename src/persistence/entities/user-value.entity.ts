import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class UserValueRow {
  tenantId!: string;
  userId!: string;
  fieldKey!: string;
  position!: number;
  value!: unknown;
  valueText?: string | null;
  ruleId?: string | null;
  mappingVersion?: number | null;
  sourcePath?: string | null;
  rawValue?: unknown;
  updatedAt!: number;
}

/**
 * Mapped domain values of a user, one row per value (multi-valued fields have several), each with
 * its provenance. `value_text` is the folded scalar that filters and lookups use.
 */
export const UserValueEntity = new EntitySchema<UserValueRow>({
  class: UserValueRow,
  tableName: 'user_values',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    userId: { type: 'string', length: 36, primary: true },
    fieldKey: { type: 'string', length: 100, primary: true },
    position: { type: 'integer', primary: true },
    value: { type: 'json' },
    valueText: optionalText(1024),
    ruleId: optionalText(100),
    mappingVersion: { type: 'integer', nullable: true },
    sourcePath: optionalText(),
    rawValue: { type: 'json', nullable: true },
    updatedAt: epochMillis(),
  },
  indexes: [
    { name: 'user_values_tenant_field_value_index', properties: ['tenantId', 'fieldKey', 'valueText'] },
    { name: 'user_values_tenant_mapping_version_index', properties: ['tenantId', 'mappingVersion'] },
  ],
});
