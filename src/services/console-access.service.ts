import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { generateSecret, hashSecret, isWellFormedSecret } from '../domain/tenants/secret-token';
import type { Tenant } from '../domain/tenants/tenant';
import type { Database, Tx } from '../persistence/database';
import { ConsoleAccessRepository, type ConsoleSession, type ConsoleSetupLink, type ConsoleSignInMethod } from '../persistence/repositories/console-access.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';

export interface ConsoleAccessSettings {
  /** CONSOLE_SETUP_LINK_HOURS: how long a new setup link can be used, unless its minter says otherwise. */
  readonly setupLinkHours: number;
  /** CONSOLE_SESSION_IDLE_MINUTES: a session unused this long has ended. */
  readonly sessionIdleMinutes: number;
  /** CONSOLE_SESSION_MAX_HOURS: a session ends this long after sign-in, used or not. */
  readonly sessionMaxHours: number;
}

/** Longest a setup link may be valid (limits.md). */
export const MAX_SETUP_LINK_HOURS = 24 * 30;
/** Setup links listed to admins, newest first. */
export const SETUP_LINKS_LISTED = 100;
/** A session's last use is written at most this often: a busy page does not turn every request into a write. */
const LAST_SEEN_INTERVAL_MS = 60_000;
const HOUR_MS = 60 * 60 * 1000;

export interface MintedSetupLink {
  readonly link: ConsoleSetupLink;
  /** Shown once: only its hash is stored. */
  readonly token: string;
}

export interface StartedSession {
  readonly session: ConsoleSession;
  /** The cookie's value: only its hash is stored. */
  readonly cookieToken: string;
}

export interface AuthenticatedSession {
  readonly session: ConsoleSession;
  readonly tenant: Tenant;
}

/** Whether a hub user may still administer the tenant (active, holds an admin role); decided by the identity domain. */
export type ConsoleAdminCheck = (tenantId: string, userId: string) => Promise<boolean>;

/**
 * Who may use the admin console: one-time setup links, and the sessions they (or a sign-in with the
 * tenant's IdP) open. A session ends at sign-out (every session of that admin), when its setup link is
 * revoked, when idle or too old, and when its user stops being an active admin (checked on every request).
 */
export class ConsoleAccessService {
  private readonly access = new ConsoleAccessRepository();
  private readonly tenants = new TenantRepository();

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    private readonly settings: ConsoleAccessSettings,
    private readonly isAdmin: ConsoleAdminCheck,
    /** PUBLIC_URL: makes setup links absolute; without it they are paths on this server. */
    private readonly publicUrl: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where a setup link opens the console: the token rides in the fragment, so it never reaches a server log. */
  setupLinkUrl(token: string, baseUrl = this.publicUrl): string {
    return `${baseUrl ?? ''}/console/setup#${token}`;
  }

  async mintSetupLink(tenantId: string, options: { readonly expiresInHours?: number | null }, context: AuditContext): Promise<MintedSetupLink> {
    const hours = options.expiresInHours ?? this.settings.setupLinkHours;
    if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_SETUP_LINK_HOURS) {
      throw new DomainError('INVALID_INPUT', `a setup link expires in more than 0 and at most ${MAX_SETUP_LINK_HOURS} hours`);
    }
    const now = this.now();
    const token = generateSecret('consoleSetup');
    const link: ConsoleSetupLink = {
      tenantId,
      id: randomUUID(),
      createdBy: `${context.actor.type}:${context.actor.id}`,
      createdAt: now,
      expiresAt: now + Math.round(hours * HOUR_MS),
      usedAt: null,
      revokedAt: null,
    };
    await this.database.transaction(async (tx) => {
      await this.access.insertSetupLink(tx, link, hashSecret(token));
      await this.audit.record(tx, { ...context, tenantId, action: 'console.setup_link_created', target: { type: 'consoleSetupLink', id: link.id }, after: { expiresAt: link.expiresAt } });
    });
    return { link, token };
  }

  async listSetupLinks(tenantId: string): Promise<ConsoleSetupLink[]> {
    return this.database.read((tx) => this.access.listSetupLinks(tx, tenantId, SETUP_LINKS_LISTED));
  }

  /** Revokes the link (used or not) and ends the sessions it opened. */
  async revokeSetupLink(tenantId: string, id: string, context: AuditContext): Promise<ConsoleSetupLink> {
    const now = this.now();
    return this.database.transaction(async (tx) => {
      const link = await this.access.findSetupLink(tx, tenantId, id);
      if (!link) throw new DomainError('NOT_FOUND', `no setup link ${id}`);
      if (link.revokedAt !== null) return link;
      await this.access.revokeSetupLink(tx, tenantId, id, now);
      const ended = await this.access.endSessions(tx, tenantId, { setupLinkId: id }, now);
      await this.audit.record(tx, { ...context, tenantId, action: 'console.setup_link_revoked', target: { type: 'consoleSetupLink', id }, details: { sessionsEnded: ended } });
      return { ...link, revokedAt: now };
    });
  }

  /** Exchanges a setup link for a session, once. Refuses a used, revoked, expired or unknown link with UNAUTHENTICATED. */
  async redeemSetupLink(token: string, requestId: string | null): Promise<StartedSession> {
    const now = this.now();
    const refused = (why: string) => new DomainError('UNAUTHENTICATED', `this setup link ${why}; ask an admin for a new one (npm run cli -- setup-link <tenant>)`);
    if (!isWellFormedSecret('consoleSetup', token)) throw refused('is not valid');
    return this.database.transaction(async (tx) => {
      const link = await this.access.findSetupLinkByHash(tx, hashSecret(token));
      if (!link) throw refused('is not valid');
      if (link.revokedAt !== null) throw refused('was revoked');
      if (link.usedAt !== null) throw refused('was already used');
      if (link.expiresAt <= now) throw refused('has expired');
      if (!(await this.access.claimSetupLink(tx, link, now))) throw refused('was already used');
      const started = await this.insertSession(tx, { tenantId: link.tenantId, method: 'setupLink', setupLinkId: link.id, userId: null, subject: `setup link ${link.id.slice(0, 8)}` }, now);
      await this.audit.record(tx, {
        actor: { type: 'user', id: started.session.subject },
        requestId,
        tenantId: link.tenantId,
        action: 'console.setup_link_used',
        target: { type: 'consoleSetupLink', id: link.id },
        details: { sessionId: started.session.id },
      });
      return started;
    });
  }

  /** A session for a hub user who signed in with the tenant's IdP and holds an admin role. */
  async startUserSession(tenantId: string, user: { readonly id: string; readonly userName: string }, requestId: string | null): Promise<StartedSession> {
    if (!(await this.isAdmin(tenantId, user.id))) throw new DomainError('FORBIDDEN', `${user.userName} is not an active admin of this tenant`);
    const now = this.now();
    return this.database.transaction(async (tx) => {
      const started = await this.insertSession(tx, { tenantId, method: 'oidc', setupLinkId: null, userId: user.id, subject: user.userName }, now);
      await this.audit.record(tx, { actor: { type: 'user', id: user.userName }, requestId, tenantId, action: 'console.signed_in', target: { type: 'user', id: user.id }, details: { method: 'oidc', sessionId: started.session.id } });
      return started;
    });
  }

  /** The live session of a cookie, or undefined (unknown, ended, idle, too old, or its user no longer an admin). */
  async authenticate(cookieToken: string): Promise<AuthenticatedSession | undefined> {
    if (!isWellFormedSecret('consoleSession', cookieToken)) return undefined;
    const now = this.now();
    const found = await this.database.read(async (tx) => {
      const session = await this.access.findSessionByHash(tx, hashSecret(cookieToken));
      if (!session || session.endedAt !== null || session.expiresAt <= now) return undefined;
      if (session.lastSeenAt + this.settings.sessionIdleMinutes * 60_000 <= now) return undefined;
      const tenant = await this.tenants.findTenantById(tx, session.tenantId);
      return tenant && { session, tenant };
    });
    if (!found) return undefined;
    if (found.session.userId !== null && !(await this.isAdmin(found.session.tenantId, found.session.userId))) return undefined;
    if (now - found.session.lastSeenAt >= LAST_SEEN_INTERVAL_MS) await this.database.transaction((tx) => this.access.touchSession(tx, found.session, now));
    return found;
  }

  /** Signs the admin out everywhere: every session of that user, or of that setup link. */
  async signOut(session: ConsoleSession, requestId: string | null): Promise<number> {
    const now = this.now();
    return this.database.transaction(async (tx) => {
      const which = session.userId !== null ? { userId: session.userId } : session.setupLinkId !== null ? { setupLinkId: session.setupLinkId } : { sessionId: session.id };
      const ended = await this.access.endSessions(tx, session.tenantId, which, now);
      await this.audit.record(tx, { actor: { type: 'user', id: session.subject }, requestId, tenantId: session.tenantId, action: 'console.signed_out', target: { type: 'consoleSession', id: session.id }, details: { sessionsEnded: ended } });
      return ended;
    });
  }

  private async insertSession(
    tx: Tx,
    who: { tenantId: string; method: ConsoleSignInMethod; setupLinkId: string | null; userId: string | null; subject: string },
    now: number,
  ): Promise<StartedSession> {
    const cookieToken = generateSecret('consoleSession');
    const session: ConsoleSession = {
      ...who,
      id: randomUUID(),
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.settings.sessionMaxHours * HOUR_MS,
      endedAt: null,
    };
    await this.access.insertSession(tx, session, hashSecret(cookieToken));
    return { session, cookieToken };
  }
}
