import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class GroupMemberRow {
  tenantId!: string;
  groupId!: string;
  memberId!: string;
  memberType!: string;
  display?: string | null;
  source!: string;
  createdAt!: number;
}

/** One row per membership: a member change touches one row, never the whole group. */
export const GroupMemberEntity = new EntitySchema<GroupMemberRow>({
  class: GroupMemberRow,
  tableName: 'group_members',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    groupId: { type: 'string', length: 36, primary: true },
    memberId: { type: 'string', length: 36, primary: true },
    memberType: { type: 'string', length: 10 },
    display: optionalText(),
    // idp: pushed over SCIM; manual: an admin's edit; rule: granted by a mapping assignment rule.
    source: { type: 'string', length: 10, default: 'idp' },
    createdAt: epochMillis(),
  },
  // Covering for "the groups of these members": SQLite without statistics takes `tenant_id = ?` for selective
  // and prefers any covering index, so a non-covering one lost to a scan of the tenant's every membership.
  indexes: [
    { name: 'group_members_tenant_member_group_index', properties: ['tenantId', 'memberId', 'groupId'] },
    // Partial: the few manual and rule memberships are listed (restriction to the IdP) without scanning the IdP's.
    {
      name: 'group_members_tenant_source_index',
      expression: "create index group_members_tenant_source_index on group_members (tenant_id, source, group_id, member_id) where source <> 'idp'",
    },
  ],
});
