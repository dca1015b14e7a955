import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class ConsoleSessionRow {
  tenantId!: string;
  id!: string;
  tokenHash!: string;
  csrfToken!: string;
  /** How the admin signed in: setupLink or oidc. */
  method!: string;
  setupLinkId?: string | null;
  /** The hub user who signed in with the tenant's IdP; null for a setup link. */
  userId?: string | null;
  /** Who the audit trail names: the user's userName, or the setup link. */
  subject!: string;
  createdAt!: number;
  lastSeenAt!: number;
  expiresAt!: number;
  endedAt?: number | null;
}

/** Signed-in console sessions; the cookie holds a secret whose hash is `token_hash`. */
export const ConsoleSessionEntity = new EntitySchema<ConsoleSessionRow>({
  class: ConsoleSessionRow,
  tableName: 'console_sessions',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    tokenHash: { type: 'string', length: 64, index: 'console_sessions_token_hash_index' },
    csrfToken: { type: 'string', length: 64 },
    method: { type: 'string', length: 20 },
    setupLinkId: { type: 'string', length: 36, nullable: true },
    userId: { type: 'string', length: 36, nullable: true },
    subject: { type: 'string', length: 300 },
    createdAt: epochMillis(),
    lastSeenAt: epochMillis(),
    expiresAt: epochMillis(),
    endedAt: { ...epochMillis(), nullable: true },
  },
  indexes: [
    { name: 'console_sessions_user_index', properties: ['tenantId', 'userId'] },
    { name: 'console_sessions_setup_link_index', properties: ['tenantId', 'setupLinkId'] },
  ],
});
