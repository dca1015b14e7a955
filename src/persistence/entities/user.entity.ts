import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText, clientText } from './column-types';

export class UserRow {
  tenantId!: string;
  id!: string;
  userName!: string;
  userNameNorm!: string;
  /** UTS #39 skeleton of the folded userName: look-alikes share it (admin warning USER_NAME_LOOKALIKE). */
  userNameSkeleton?: string | null;
  externalId?: string | null;
  active!: boolean;
  displayName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  title?: string | null;
  userType?: string | null;
  department?: string | null;
  division?: string | null;
  organization?: string | null;
  costCenter?: string | null;
  employeeNumber?: string | null;
  managerId?: string | null;
  raw!: Record<string, unknown>;
  version!: number;
  createdAt!: number;
  updatedAt!: number;
}

export const UserEntity = new EntitySchema<UserRow>({
  class: UserRow,
  tableName: 'users',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    userName: clientText(),
    userNameNorm: clientText(),
    userNameSkeleton: optionalText(),
    externalId: optionalText(),
    active: { type: 'boolean' },
    displayName: optionalText(),
    givenName: optionalText(),
    familyName: optionalText(),
    title: optionalText(),
    userType: optionalText(),
    department: optionalText(),
    division: optionalText(),
    organization: optionalText(),
    costCenter: optionalText(),
    employeeNumber: optionalText(),
    managerId: optionalText(36),
    raw: { type: 'json' },
    version: { type: 'integer' },
    createdAt: epochMillis(),
    updatedAt: epochMillis(),
  },
  uniques: [{ name: 'users_tenant_user_name_unique', properties: ['tenantId', 'userNameNorm'] }],
  indexes: [
    { name: 'users_tenant_external_id_index', properties: ['tenantId', 'externalId'] },
    { name: 'users_tenant_user_name_skeleton_index', properties: ['tenantId', 'userNameSkeleton'] },
    { name: 'users_tenant_created_index', properties: ['tenantId', 'createdAt', 'id'] },
    { name: 'users_tenant_updated_index', properties: ['tenantId', 'updatedAt'] },
    { name: 'users_tenant_manager_index', properties: ['tenantId', 'managerId'] },
    { name: 'users_tenant_department_index', properties: ['tenantId', 'department'] },
  ],
});
