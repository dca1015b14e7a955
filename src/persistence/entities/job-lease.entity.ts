import { EntitySchema } from '@mikro-orm/core';
import { epochMillis } from './column-types';

export class JobLeaseRow {
  tenantId!: string;
  job!: string;
  owner!: string;
  leaseUntil!: number;
}

/**
 * Which process runs a periodic job, across every process and node of the hub: a process runs the job
 * only while it holds the lease, taken for one interval. `tenant_id` names the tenant the job works for,
 * or `*` for a job over every tenant (the retention sweep, the token expiry check).
 */
export const JobLeaseEntity = new EntitySchema<JobLeaseRow>({
  class: JobLeaseRow,
  tableName: 'job_leases',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    job: { type: 'string', length: 64, primary: true },
    owner: { type: 'string', length: 100 },
    leaseUntil: epochMillis(),
  },
});
