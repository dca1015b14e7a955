import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class ConsoleSetupLinkRow {
  tenantId!: string;
  id!: string;
  tokenHash!: string;
  createdBy!: string;
  createdAt!: number;
  expiresAt!: number;
  usedAt?: number | null;
  revokedAt?: number | null;
}

/** One-time links that open the admin console for one tenant (only the token's hash is kept). */
export const ConsoleSetupLinkEntity = new EntitySchema<ConsoleSetupLinkRow>({
  class: ConsoleSetupLinkRow,
  tableName: 'console_setup_links',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    tokenHash: { type: 'string', length: 64, index: 'console_setup_links_token_hash_index' },
    createdBy: { type: 'string', length: 300 },
    createdAt: epochMillis(),
    expiresAt: epochMillis(),
    usedAt: { ...epochMillis(), nullable: true },
    revokedAt: { ...epochMillis(), nullable: true },
  },
});
