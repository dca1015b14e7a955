import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class ConnectionRow {
  tenantId!: string;
  id!: string;
  name!: string;
  dialect!: string;
  tokenHash?: string | null;
  tokenExpiresAt?: number | null;
  tokenCreatedAt?: number | null;
  tokenLastUsedAt?: number | null;
  previousTokenHash?: string | null;
  previousTokenExpiresAt?: number | null;
  activeMappingVersion?: number | null;
  oauthClientId?: string | null;
  oauthSecretHash?: string | null;
  oauthSigningKey?: string | null;
  oauthSecretCreatedAt?: number | null;
  oauthTokenLifetimeMinutes?: number | null;
  createdAt!: number;
}

export const ConnectionEntity = new EntitySchema<ConnectionRow>({
  class: ConnectionRow,
  tableName: 'connections',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    name: { type: 'string', length: 200 },
    dialect: { type: 'string', length: 20 },
    tokenHash: { type: 'string', length: 64, nullable: true, index: 'connections_token_hash_index' },
    tokenExpiresAt: { ...epochMillis(), nullable: true },
    tokenCreatedAt: { ...epochMillis(), nullable: true },
    tokenLastUsedAt: { ...epochMillis(), nullable: true },
    // A rotated-out token keeps working until this time when the tenant chose a grace period.
    previousTokenHash: { type: 'string', length: 64, nullable: true, index: 'connections_previous_token_hash_index' },
    previousTokenExpiresAt: { ...epochMillis(), nullable: true },
    activeMappingVersion: { type: 'integer', nullable: true },
    // OAuth 2.0 client credentials (RFC 6749 section 4.4) beside the static token: the client id is public,
    // the secret is stored hashed; the signing key (HS256) is replaced on rotation, so older access tokens fail.
    oauthClientId: { type: 'string', length: 64, nullable: true, index: 'connections_oauth_client_id_index' },
    oauthSecretHash: { type: 'string', length: 64, nullable: true },
    oauthSigningKey: { type: 'string', length: 64, nullable: true },
    oauthSecretCreatedAt: { ...epochMillis(), nullable: true },
    oauthTokenLifetimeMinutes: { type: 'integer', nullable: true },
    createdAt: epochMillis(),
  },
});
