import type { Tx } from '../database';
import { toNumber } from '../column-values';

export interface ConsoleSetupLink {
  readonly tenantId: string;
  readonly id: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
}

export type ConsoleSignInMethod = 'setupLink' | 'oidc';

/** The tenant's IdP registered as an OIDC client for console sign-in. */
export interface ConsoleSignIn {
  readonly tenantId: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  /** What the sign-in button says: "Sign in with <displayName>". */
  readonly displayName: string;
  /** The mapped appRoles value that makes a user an admin of the console. */
  readonly adminRole: string;
}

interface SignInColumns {
  tenant_id: string;
  issuer: string;
  client_id: string;
  client_secret: string | null;
  display_name: string;
  admin_role: string;
}

export interface ConsoleSession {
  readonly tenantId: string;
  readonly id: string;
  readonly csrfToken: string;
  readonly method: ConsoleSignInMethod;
  readonly setupLinkId: string | null;
  readonly userId: string | null;
  readonly subject: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly endedAt: number | null;
}

interface SetupLinkColumns {
  tenant_id: string;
  id: string;
  created_by: string;
  created_at: unknown;
  expires_at: unknown;
  used_at: unknown;
  revoked_at: unknown;
}

interface SessionColumns {
  tenant_id: string;
  id: string;
  csrf_token: string;
  method: string;
  setup_link_id: string | null;
  user_id: string | null;
  subject: string;
  created_at: unknown;
  last_seen_at: unknown;
  expires_at: unknown;
  ended_at: unknown;
}

const LINK_COLUMNS = ['tenant_id', 'id', 'created_by', 'created_at', 'expires_at', 'used_at', 'revoked_at'];
const SESSION_COLUMNS = ['tenant_id', 'id', 'csrf_token', 'method', 'setup_link_id', 'user_id', 'subject', 'created_at', 'last_seen_at', 'expires_at', 'ended_at'];

function optionalMillis(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

function toSetupLink(row: SetupLinkColumns): ConsoleSetupLink {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    createdBy: row.created_by,
    createdAt: toNumber(row.created_at),
    expiresAt: toNumber(row.expires_at),
    usedAt: optionalMillis(row.used_at),
    revokedAt: optionalMillis(row.revoked_at),
  };
}

function toSession(row: SessionColumns): ConsoleSession {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    csrfToken: row.csrf_token,
    method: row.method as ConsoleSignInMethod,
    setupLinkId: row.setup_link_id,
    userId: row.user_id,
    subject: row.subject,
    createdAt: toNumber(row.created_at),
    lastSeenAt: toNumber(row.last_seen_at),
    expiresAt: toNumber(row.expires_at),
    endedAt: optionalMillis(row.ended_at),
  };
}

/** Console setup links, sessions and the tenants' IdP sign-in registrations. */
export class ConsoleAccessRepository {
  async findSignIn(tx: Tx, tenantId: string): Promise<ConsoleSignIn | undefined> {
    const row = await tx.first<SignInColumns>(tx.knex('console_sign_in').select('tenant_id', 'issuer', 'client_id', 'client_secret', 'display_name', 'admin_role').where({ tenant_id: tenantId }));
    return (
      row && { tenantId: row.tenant_id, issuer: row.issuer, clientId: row.client_id, clientSecret: row.client_secret, displayName: row.display_name, adminRole: row.admin_role }
    );
  }

  async saveSignIn(tx: Tx, signIn: ConsoleSignIn, now: number): Promise<void> {
    const columns = { issuer: signIn.issuer, client_id: signIn.clientId, client_secret: signIn.clientSecret, display_name: signIn.displayName, admin_role: signIn.adminRole, updated_at: now };
    const changed = await tx.run(tx.knex('console_sign_in').update(columns).where({ tenant_id: signIn.tenantId }));
    if (changed === 0) await tx.run(tx.knex('console_sign_in').insert({ tenant_id: signIn.tenantId, ...columns, created_at: now }));
  }

  async deleteSignIn(tx: Tx, tenantId: string): Promise<number> {
    return tx.run(tx.knex('console_sign_in').where({ tenant_id: tenantId }).delete());
  }

  async insertSetupLink(tx: Tx, link: ConsoleSetupLink, tokenHash: string): Promise<void> {
    await tx.run(
      tx.knex('console_setup_links').insert({
        tenant_id: link.tenantId,
        id: link.id,
        token_hash: tokenHash,
        created_by: link.createdBy,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
      }),
    );
  }

  async findSetupLinkByHash(tx: Tx, tokenHash: string): Promise<ConsoleSetupLink | undefined> {
    const row = await tx.first<SetupLinkColumns>(tx.knex('console_setup_links').select(LINK_COLUMNS).where({ token_hash: tokenHash }));
    return row && toSetupLink(row);
  }

  async findSetupLink(tx: Tx, tenantId: string, id: string): Promise<ConsoleSetupLink | undefined> {
    const row = await tx.first<SetupLinkColumns>(tx.knex('console_setup_links').select(LINK_COLUMNS).where({ tenant_id: tenantId, id }));
    return row && toSetupLink(row);
  }

  /** Newest first, at most `limit`. */
  async listSetupLinks(tx: Tx, tenantId: string, limit: number): Promise<ConsoleSetupLink[]> {
    const rows = await tx.all<SetupLinkColumns>(tx.knex('console_setup_links').select(LINK_COLUMNS).where({ tenant_id: tenantId }).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit));
    return rows.map(toSetupLink);
  }

  /** Marks the link used if it is still usable at `now`; false when another request used it first, or it expired or was revoked. */
  async claimSetupLink(tx: Tx, link: ConsoleSetupLink, now: number): Promise<boolean> {
    const changed = await tx.run(
      tx
        .knex('console_setup_links')
        .update({ used_at: now })
        .where({ tenant_id: link.tenantId, id: link.id })
        .whereNull('used_at')
        .whereNull('revoked_at')
        .where('expires_at', '>', now),
    );
    return changed === 1;
  }

  async revokeSetupLink(tx: Tx, tenantId: string, id: string, now: number): Promise<void> {
    await tx.run(tx.knex('console_setup_links').update({ revoked_at: now }).where({ tenant_id: tenantId, id }).whereNull('revoked_at'));
  }

  async insertSession(tx: Tx, session: ConsoleSession, tokenHash: string): Promise<void> {
    await tx.run(
      tx.knex('console_sessions').insert({
        tenant_id: session.tenantId,
        id: session.id,
        token_hash: tokenHash,
        csrf_token: session.csrfToken,
        method: session.method,
        setup_link_id: session.setupLinkId,
        user_id: session.userId,
        subject: session.subject,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
      }),
    );
  }

  async findSessionByHash(tx: Tx, tokenHash: string): Promise<ConsoleSession | undefined> {
    const row = await tx.first<SessionColumns>(tx.knex('console_sessions').select(SESSION_COLUMNS).where({ token_hash: tokenHash }));
    return row && toSession(row);
  }

  async touchSession(tx: Tx, session: ConsoleSession, now: number): Promise<void> {
    await tx.run(tx.knex('console_sessions').update({ last_seen_at: now }).where({ tenant_id: session.tenantId, id: session.id }));
  }

  /** Ends the open sessions that match: one user's, one setup link's, or one session. Returns how many. */
  async endSessions(tx: Tx, tenantId: string, which: { readonly userId: string } | { readonly setupLinkId: string } | { readonly sessionId: string }, now: number): Promise<number> {
    const where =
      'userId' in which ? { tenant_id: tenantId, user_id: which.userId } : 'setupLinkId' in which ? { tenant_id: tenantId, setup_link_id: which.setupLinkId } : { tenant_id: tenantId, id: which.sessionId };
    return tx.run(tx.knex('console_sessions').update({ ended_at: now }).where(where).whereNull('ended_at'));
  }
}
