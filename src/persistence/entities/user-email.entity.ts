import { EntitySchema } from '@mikro-orm/core';
import { optionalText, clientText } from './column-types';

export class UserEmailRow {
  tenantId!: string;
  userId!: string;
  position!: number;
  value!: string;
  valueNorm!: string;
  type?: string | null;
  isPrimary!: boolean;
}

export const UserEmailEntity = new EntitySchema<UserEmailRow>({
  class: UserEmailRow,
  tableName: 'user_emails',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    userId: { type: 'string', length: 36, primary: true },
    position: { type: 'integer', primary: true },
    value: clientText(),
    valueNorm: clientText(),
    type: optionalText(64),
    isPrimary: { type: 'boolean' },
  },
  indexes: [{ name: 'user_emails_tenant_value_index', properties: ['tenantId', 'valueNorm'] }],
});
