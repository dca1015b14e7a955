/**
 * The audit trail's vocabulary: who changed what, and how. Pure: the service stamps ids and times and
 * writes rows in the caller's transaction.
 */
export type ActorType = 'connection' | 'apiKey' | 'user' | 'system' | 'operatorKey';

/** Who made a change: an IdP connection (SCIM), an API key or a user (GraphQL), or the hub itself. */
export interface Actor {
  readonly type: ActorType;
  readonly id: string;
}

/** The hub acting on its own (periodic checks, retention) or an operator at the CLI. */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'identity-hub' };

/** Who is asking and under which request id: passed by adapters to every service call that audits. */
export interface AuditContext {
  readonly actor: Actor;
  readonly requestId?: string | null;
}

/** The fields a change touched, with their values before and after it; `details` for what is not a field (counts). */
export interface AuditDiff {
  readonly before?: Readonly<Record<string, unknown>>;
  readonly after?: Readonly<Record<string, unknown>>;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditTarget {
  readonly type: string;
  readonly id: string | null;
}

export interface AuditEvent {
  readonly tenantId: string;
  readonly id: string;
  readonly at: number;
  readonly actor: Actor;
  readonly action: string;
  readonly target: AuditTarget;
  readonly diff: AuditDiff | null;
  readonly requestId: string | null;
}

type Fields = Readonly<Record<string, unknown>>;

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
}

/**
 * The diff of a change: only the fields whose values differ, each on both sides. A creation has only
 * `after`, a deletion only `before`. Values compare as JSON, so nested objects compare by content.
 */
export function diffFields(beforeObject: object | null, afterObject: object | null, details?: Fields): AuditDiff | null {
  const before = beforeObject as Fields | null;
  const after = afterObject as Fields | null;
  const diff: { before?: Record<string, unknown>; after?: Record<string, unknown>; details?: Fields } = {};
  if (before && after) {
    const changedBefore: Record<string, unknown> = {};
    const changedAfter: Record<string, unknown> = {};
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (sameValue(before[name], after[name])) continue;
      changedBefore[name] = before[name] ?? null;
      changedAfter[name] = after[name] ?? null;
    }
    if (Object.keys(changedAfter).length > 0) {
      diff.before = changedBefore;
      diff.after = changedAfter;
    }
  } else if (before) {
    diff.before = { ...before };
  } else if (after) {
    diff.after = { ...after };
  }
  if (details && Object.keys(details).length > 0) diff.details = details;
  return Object.keys(diff).length > 0 ? diff : null;
}
