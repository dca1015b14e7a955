import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class MappingJobRow {
  tenantId!: string;
  id!: string;
  connectionId!: string;
  kind!: string;
  mappingVersion!: number;
  state!: string;
  author!: string;
  total!: number;
  processed!: number;
  failed!: number;
  checkpoint?: string | null;
  result?: Record<string, unknown> | null;
  error?: string | null;
  leaseOwner?: string | null;
  leaseUntil?: number | null;
  attempts!: number;
  createdAt!: number;
  startedAt?: number | null;
  finishedAt?: number | null;
  updatedAt!: number;
}

/**
 * Mapping jobs (impact diff, re-apply) shared by every node: a node claims a job with a lease, renews it
 * with each batch and stores the batch's checkpoint (last user id) in the same transaction; a job whose
 * lease ran out (its node died) is claimed again and resumes from the checkpoint.
 */
export const MappingJobEntity = new EntitySchema<MappingJobRow>({
  class: MappingJobRow,
  tableName: 'mapping_jobs',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    id: { type: 'string', length: 36, primary: true },
    connectionId: { type: 'string', length: 36 },
    kind: { type: 'string', length: 20 },
    mappingVersion: { type: 'integer' },
    state: { type: 'string', length: 20 },
    author: { type: 'string', length: 200 },
    total: { type: 'integer' },
    processed: { type: 'integer' },
    failed: { type: 'integer' },
    checkpoint: optionalText(36),
    result: { type: 'json', nullable: true },
    error: optionalText(2000),
    leaseOwner: optionalText(100),
    leaseUntil: { ...epochMillis(), nullable: true },
    attempts: { type: 'integer' },
    createdAt: epochMillis(),
    startedAt: { ...epochMillis(), nullable: true },
    finishedAt: { ...epochMillis(), nullable: true },
    updatedAt: epochMillis(),
  },
  indexes: [
    // Claims look across tenants for queued jobs and expired leases.
    { name: 'mapping_jobs_state_lease_index', properties: ['state', 'leaseUntil'] },
    { name: 'mapping_jobs_tenant_connection_created_index', properties: ['tenantId', 'connectionId', 'createdAt'] },
  ],
});
