import type { ActorType, AuditDiff, AuditEvent } from '../../domain/audit';
import type { Tx } from '../database';
import { parseJsonColumn, toNumber } from '../column-values';
import { insertText } from '../sql-text';
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

interface AuditColumns extends Record<string, unknown> {
  tenant_id: string;
  id: string;
  at: number | string;
  actor_type: string;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string | null;
  diff: unknown;
  request_id: string | null;
}

const COLUMNS = ['tenant_id', 'id', 'at', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'diff', 'request_id'];
/** Newest first; the (tenant, at), (tenant, actor, at) and (tenant, target, at) indexes serve it. */
const NEWEST_FIRST: KeysetOrder = { key: { sql: 'at', nullable: false, numeric: true }, id: 'id', descending: true };

function toAuditEvent(row: AuditColumns): AuditEvent {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    at: toNumber(row.at),
    actor: { type: row.actor_type as ActorType, id: row.actor_id },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    diff: row.diff === null || row.diff === undefined ? null : parseJsonColumn<AuditDiff>(row.diff),
    requestId: row.request_id,
  };
}

/** The audit trail: inserts and reads only; nothing updates or deletes a row. */
export class AuditRepository {
  async insert(tx: Tx, event: AuditEvent): Promise<void> {
    await tx.run(insertText('audit_events', COLUMNS, 1), [
      event.tenantId,
      event.id,
      event.at,
      event.actor.type,
      event.actor.id,
      event.action,
      event.target.type,
      event.target.id,
      event.diff === null ? null : JSON.stringify(event.diff),
      event.requestId,
    ]);
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
    const rows = await tx.all<AuditColumns>(applyKeyset(tx, query, NEWEST_FIRST, page));
    return toKeysetPage(rows, page.limit, NEWEST_FIRST, toAuditEvent);
  }
}
