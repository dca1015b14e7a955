import type { ActorType, AuditDiff, AuditEvent } from '../../domain/audit';
import type { Tx } from '../database';
import type { AuditEventRow } from '../entities/audit-event.entity';
import { insertText } from '../sql-text';
import { TABLES } from '../tables';
import { applyKeyset, toKeysetPage, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';

export interface AuditCriteria {
  readonly actor?: { readonly type?: ActorType; readonly id: string };
  readonly target?: { readonly type?: string; readonly id: string };
  readonly action?: string;
  /** Inclusive, epoch milliseconds. */
  readonly from?: number;
  /** Exclusive, epoch milliseconds. */
  readonly to?: number;
}

const AUDIT = TABLES.auditEvents;
const PROPERTIES = ['tenantId', 'id', 'at', 'actorType', 'actorId', 'action', 'targetType', 'targetId', 'diff', 'requestId'] as const satisfies readonly (keyof AuditEventRow)[];
const COLUMNS = AUDIT.names(PROPERTIES);
/** Newest first; the (tenant, at), (tenant, actor, at) and (tenant, target, at) indexes serve it. */
const NEWEST_FIRST: KeysetOrder = { key: { sql: 'at', nullable: false, numeric: true }, id: 'id', descending: true };

function toAuditEvent(row: Required<Pick<AuditEventRow, (typeof PROPERTIES)[number]>>): AuditEvent {
  return {
    tenantId: row.tenantId,
    id: row.id,
    at: row.at,
    actor: { type: row.actorType as ActorType, id: row.actorId },
    action: row.action,
    target: { type: row.targetType, id: row.targetId },
    diff: row.diff as AuditDiff | null,
    requestId: row.requestId,
  };
}

/** The row of an audit event, as stored. */
function auditRow(event: AuditEvent): AuditEventRow {
  return {
    tenantId: event.tenantId,
    id: event.id,
    at: event.at,
    actorType: event.actor.type,
    actorId: event.actor.id,
    action: event.action,
    targetType: event.target.type,
    targetId: event.target.id,
    diff: event.diff as Record<string, unknown> | null,
    requestId: event.requestId,
  };
}

/** The audit trail: inserts and reads only; nothing updates or deletes a row. */
export class AuditRepository {
  /** Appends the row to the transaction's write log (written with its next statement or its COMMIT). */
  append(tx: Tx, event: AuditEvent): void {
    tx.write(insertText(AUDIT.name, COLUMNS, 1), AUDIT.values(auditRow(event), PROPERTIES));
  }

  async list(tx: Tx, tenantId: string, criteria: AuditCriteria, page: KeysetRequest): Promise<KeysetPage<AuditEvent>> {
    const query = tx.knex('audit_events').select(COLUMNS).where({ tenant_id: tenantId });
    if (criteria.actor) {
      query.where({ actor_id: criteria.actor.id });
      if (criteria.actor.type) query.where({ actor_type: criteria.actor.type });
    }
    if (criteria.target) {
      query.where({ target_id: criteria.target.id });
      if (criteria.target.type) query.where({ target_type: criteria.target.type });
    }
    if (criteria.action) query.where({ action: criteria.action });
    if (criteria.from !== undefined) query.where('at', '>=', criteria.from);
    if (criteria.to !== undefined) query.where('at', '<', criteria.to);
    const rows = await tx.all<Record<string, unknown>>(applyKeyset(tx, query, NEWEST_FIRST, page));
    const read = AUDIT.reader(tx.dialect, PROPERTIES);
    return toKeysetPage(rows, page.limit, NEWEST_FIRST, (row) => toAuditEvent(read(row)));
  }
}
