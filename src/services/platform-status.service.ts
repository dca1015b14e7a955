import type { Database } from '../persistence/database';
import { PlatformStatusRepository, type DeliveryBacklog, type MappingJobCounts } from '../persistence/repositories/platform-status.repository';

/** What the hub is working through, across tenants: read when metrics are scraped. */
export class PlatformStatusService {
  private readonly status = new PlatformStatusRepository();

  constructor(private readonly database: Database) {}

  async deliveryBacklog(): Promise<DeliveryBacklog> {
    return this.database.read((tx) => this.status.deliveryBacklog(tx));
  }

  async mappingJobs(): Promise<MappingJobCounts> {
    return this.database.read((tx) => this.status.mappingJobs(tx));
  }

  /** Connections of the database pool: in use, idle, and requests waiting for one. */
  poolConnections(): { used: number; free: number; pending: number } {
    return this.database.poolUse();
  }
}
