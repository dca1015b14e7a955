import { entityTable } from './entity-table';
import { AuditEventEntity } from './entities/audit-event.entity';
import { DeprovisionedUserEntity } from './entities/deprovisioned-user.entity';
import { RecentRequestEntity } from './entities/recent-request.entity';
import { GroupEntity } from './entities/group.entity';
import { GroupMemberEntity } from './entities/group-member.entity';
import { OptionValueEntity } from './entities/option-value.entity';
import { OutboxEventEntity } from './entities/outbox-event.entity';
import { UserEntity } from './entities/user.entity';
import { UserEmailEntity } from './entities/user-email.entity';
import { UserValueEntity } from './entities/user-value.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';

/** The tables repositories write with column lists and row mappers, each described once by its entity. */
export const TABLES = {
  users: entityTable(UserEntity),
  userEmails: entityTable(UserEmailEntity),
  userValues: entityTable(UserValueEntity),
  optionValues: entityTable(OptionValueEntity),
  groups: entityTable(GroupEntity),
  groupMembers: entityTable(GroupMemberEntity),
  outboxEvents: entityTable(OutboxEventEntity),
  webhookDeliveries: entityTable(WebhookDeliveryEntity),
  auditEvents: entityTable(AuditEventEntity),
  deprovisionedUsers: entityTable(DeprovisionedUserEntity),
  recentRequests: entityTable(RecentRequestEntity),
};
