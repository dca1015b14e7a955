import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class OptionValueRow {
  tenantId!: string;
  listKey!: string;
  valueNorm!: string;
  value!: string;
  aliases?: string[] | null;
  reviewStatus!: string;
  addedBy!: string;
  addedAt!: number;
  sourceRequestId?: string | null;
  sourceRuleId?: string | null;
}

/** The values of a tenant's option lists; values added automatically wait for an admin's review. */
export const OptionValueEntity = new EntitySchema<OptionValueRow>({
  class: OptionValueRow,
  tableName: 'option_values',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    listKey: { type: 'string', length: 100, primary: true },
    valueNorm: { type: 'string', length: 512, primary: true },
    value: { type: 'string', length: 512 },
    aliases: { type: 'json', nullable: true },
    reviewStatus: { type: 'string', length: 20 },
    addedBy: { type: 'string', length: 200 },
    addedAt: epochMillis(),
    sourceRequestId: optionalText(100),
    sourceRuleId: optionalText(100),
  },
});
