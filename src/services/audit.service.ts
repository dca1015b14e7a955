import { diffFields, type AuditContext, type AuditEvent, type AuditTarget } from '../domain/audit';
import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database, Tx } from '../persistence/database';
import { AuditRepository, type AuditCriteria } from '../persistence/repositories/audit.repository';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';

/** One change to record. `before`/`after` hold the changed object's fields; only those that differ are kept. */
export interface AuditEntry extends AuditContext {
  readonly tenantId: string;
  readonly action: string;
  readonly target: AuditTarget;
  readonly before?: object | null;
  readonly after?: object | null;
  /** What is not a field of the target: counts, reasons. Never secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export const AUDIT_PAGE_MAX = 500;

/**
 * The append-only audit trail. `record` writes in the caller's transaction, so a change and its audit
 * row commit together or not at all; nothing here updates or deletes a row.
 */
export class AuditService {
  private readonly audit = new AuditRepository();

  constructor(private readonly database: Database) {}

  /** Appends the row to the transaction's write log: it commits with the change, or not at all. */
  async record(tx: Tx, entry: AuditEntry): Promise<AuditEvent> {
    const { id, at } = nextTimeOrderedId();
    const event: AuditEvent = {
      tenantId: entry.tenantId,
      id,
      at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      diff: diffFields(entry.before ?? null, entry.after ?? null, entry.details),
      requestId: entry.requestId ?? null,
    };
    this.audit.append(tx, event);
    return event;
  }

  /** Newest first, filtered by actor, target, action and time range [from, to). */
  async list(tenantId: string, criteria: AuditCriteria, page: KeysetRequest): Promise<KeysetPage<AuditEvent>> {
    const limit = Math.max(1, Math.min(page.limit, AUDIT_PAGE_MAX));
    return this.database.read((tx) => this.audit.list(tx, tenantId, criteria, { ...page, limit }));
  }
}
