import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { Database } from '../persistence/database';
import { ConsoleAccessRepository, type ConsoleSignIn } from '../persistence/repositories/console-access.repository';
import type { AuditService } from './audit.service';
import type { DirectoryService } from './directory.service';
import type { MappingService } from './mapping.service';

/** The appRoles value that makes a user a console admin when the tenant names none. */
export const DEFAULT_CONSOLE_ADMIN_ROLE = 'Admin';

export interface ConsoleSignInSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string | null;
  readonly displayName: string;
  readonly adminRole?: string | null;
}

const FIELD_LIMITS = { issuer: 512, clientId: 256, clientSecret: 512, displayName: 100, adminRole: 200 } as const;

/**
 * Signing in to the console with the tenant's own IdP: the client registration, and who counts as an
 * admin — an active user whose mapped appRoles hold the tenant's admin role. The hub's identity domain
 * decides access to the hub.
 */
export class ConsoleSignInService {
  private readonly access = new ConsoleAccessRepository();

  constructor(
    private readonly database: Database,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly mapping: MappingService,
    private readonly allowHttpIssuer: boolean,
  ) {}

  async settings(tenantId: string): Promise<ConsoleSignIn | undefined> {
    return this.database.read((tx) => this.access.findSignIn(tx, tenantId));
  }

  async configure(tenantId: string, input: ConsoleSignInSettings, context: AuditContext): Promise<ConsoleSignIn> {
    const signIn: ConsoleSignIn = {
      tenantId,
      issuer: input.issuer.trim().replace(/\/$/, ''),
      clientId: input.clientId.trim(),
      clientSecret: input.clientSecret?.trim() || null,
      displayName: input.displayName.trim(),
      adminRole: input.adminRole?.trim() || DEFAULT_CONSOLE_ADMIN_ROLE,
    };
    for (const [field, limit] of Object.entries(FIELD_LIMITS)) {
      const value = signIn[field as keyof typeof FIELD_LIMITS];
      if (field !== 'clientSecret' && (value === null || value === '')) throw new DomainError('INVALID_INPUT', `${field} must not be empty`);
      if (value !== null && value.length > limit) throw new DomainError('INVALID_INPUT', `${field} is at most ${limit} characters`);
    }
    let issuer: URL;
    try {
      issuer = new URL(signIn.issuer);
    } catch {
      throw new DomainError('INVALID_INPUT', 'issuer must be an https:// URL');
    }
    if (issuer.protocol !== 'https:' && !(this.allowHttpIssuer && issuer.protocol === 'http:')) throw new DomainError('INVALID_INPUT', 'issuer must be an https:// URL');
    await this.database.transaction(async (tx) => {
      await this.access.saveSignIn(tx, signIn, Date.now());
      await this.audit.record(tx, { ...context, tenantId, action: 'console.sign_in_configured', target: { type: 'tenant', id: tenantId }, after: { ...signIn, clientSecret: signIn.clientSecret === null ? null : '(set)' } });
    });
    return signIn;
  }

  async remove(tenantId: string, context: AuditContext): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const removed = (await this.access.deleteSignIn(tx, tenantId)) > 0;
      if (removed) await this.audit.record(tx, { ...context, tenantId, action: 'console.sign_in_removed', target: { type: 'tenant', id: tenantId } });
      return removed;
    });
  }

  /** Whether the user is active and holds the tenant's admin role among its mapped appRoles. */
  async isAdmin(tenantId: string, userId: string): Promise<boolean> {
    const [user] = await this.directory.usersByIds(tenantId, [userId]);
    if (!user || !user.active) return false;
    const adminRole = (await this.settings(tenantId))?.adminRole ?? DEFAULT_CONSOLE_ADMIN_ROLE;
    const values = await this.mapping.valuesOf(tenantId, [userId]);
    return values.some((value) => value.fieldKey === 'appRoles' && String(value.value) === adminRole);
  }
}
