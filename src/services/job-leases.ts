import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../persistence/database';
import { JobLeaseRepository } from '../persistence/repositories/job-lease.repository';

/** The `tenant_id` of a job over every tenant. */
export const ALL_TENANTS = '*';

/**
 * Periodic jobs that must run once per interval across every process and node of the hub (retention
 * sweeps, the token expiry check) take a lease in the database first: the process that gets it runs
 * the job, the others skip that round. A lease runs out by itself, so a process that died frees it.
 */
export class JobLeases {
  /** This process, as the leases name it. */
  readonly owner = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly leases = new JobLeaseRepository();

  constructor(private readonly database: Database) {}

  /** Whether this process holds the lease of `job` (for `tenantId`) for the next `forMs` now. */
  async claim(job: string, forMs: number, tenantId: string = ALL_TENANTS, now: number = Date.now()): Promise<boolean> {
    return this.database.transaction((tx) => this.leases.claim(tx, tenantId, job, this.owner, now, now + forMs));
  }
}
