import type { Tx } from '../database';

/** Leases of periodic jobs (`job_leases`): which process runs a job, until when. */
export class JobLeaseRepository {
  /**
   * Takes the lease of `job` for `owner` until `until` when nobody holds it (none yet, or it ran out at
   * `now`) or `owner` already does; one statement, so two processes asking at once cannot both get it.
   */
  async claim(tx: Tx, tenantId: string, job: string, owner: string, now: number, until: number): Promise<boolean> {
    const changed = await tx.run(
      `INSERT INTO job_leases (tenant_id, job, owner, lease_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant_id, job) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
       WHERE job_leases.lease_until <= ? OR job_leases.owner = excluded.owner`,
      [tenantId, job, owner, until, now],
    );
    return changed > 0;
  }
}
