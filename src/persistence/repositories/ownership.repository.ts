import type { Tx } from '../database';
import { toBoolean, toNumber } from '../column-values';
import { applyKeyset, type KeysetOrder, type KeysetPage, type KeysetRequest } from './keyset';

/** Who owns one resource of an app. `ownerUserId` is null while the resource is orphaned. */
export interface Ownership {
  readonly tenantId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly ownerUserId: string | null;
  readonly registeredBy: string;
  readonly orphanedAt: number | null;
  /** The owner it was transferred or orphaned from. */
  readonly previousOwnerUserId: string | null;
  readonly updatedAt: number;
}

interface OwnershipColumns extends Record<string, unknown> {
  tenant_id: string;
  resource_type: string;
  resource_id: string;
  owner_user_id: string | null;
  registered_by: string;
  orphaned_at: number | string | null;
  previous_owner_user_id: string | null;
  updated_at: number | string;
}

const COLUMNS = ['tenant_id', 'resource_type', 'resource_id', 'owner_user_id', 'registered_by', 'orphaned_at', 'previous_owner_user_id', 'updated_at'];
/** By resource type, then id: the cursor position is (resourceType, resourceId). */
const BY_RESOURCE: KeysetOrder = { key: { sql: 'resource_type', nullable: false, numeric: false }, id: 'resource_id', descending: false };

function toOwnership(row: OwnershipColumns): Ownership {
  return {
    tenantId: row.tenant_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    ownerUserId: row.owner_user_id,
    registeredBy: row.registered_by,
    orphanedAt: row.orphaned_at === null ? null : toNumber(row.orphaned_at),
    previousOwnerUserId: row.previous_owner_user_id,
    updatedAt: toNumber(row.updated_at),
  };
}

/** Ownership of app resources by users, and the bulk moves deprovisioning makes. */
export class OwnershipRepository {
  async upsert(tx: Tx, ownership: Ownership): Promise<void> {
    const changed = {
      owner_user_id: ownership.ownerUserId,
      registered_by: ownership.registeredBy,
      orphaned_at: ownership.orphanedAt,
      previous_owner_user_id: ownership.previousOwnerUserId,
      updated_at: ownership.updatedAt,
    };
    await tx.run(
      tx
        .knex('ownerships')
        .insert({ tenant_id: ownership.tenantId, resource_type: ownership.resourceType, resource_id: ownership.resourceId, ...changed })
        .onConflict(['tenant_id', 'resource_type', 'resource_id'])
        .merge(changed),
    );
  }

  async find(tx: Tx, tenantId: string, resourceType: string, resourceId: string): Promise<Ownership | undefined> {
    const row = await tx.first<OwnershipColumns>(tx.knex('ownerships').select(COLUMNS).where({ tenant_id: tenantId, resource_type: resourceType, resource_id: resourceId }));
    return row && toOwnership(row);
  }

  async delete(tx: Tx, tenantId: string, resourceType: string, resourceId: string): Promise<boolean> {
    return (await tx.run(tx.knex('ownerships').where({ tenant_id: tenantId, resource_type: resourceType, resource_id: resourceId }).delete())) > 0;
  }

  /** Resources per type that `ownerUserId` owns (null: orphaned resources). */
  async countByResourceType(tx: Tx, tenantId: string, ownerUserId: string | null): Promise<Record<string, number>> {
    const rows = await tx.all<{ resource_type: string; total: number | string }>(
      this.ownedBy(tx, tenantId, ownerUserId).select('resource_type').count({ total: '*' }).groupBy('resource_type').orderBy('resource_type'),
    );
    return Object.fromEntries(rows.map((row) => [row.resource_type, toNumber(row.total)]));
  }

  /** One statement, whatever the number of resources. */
  async transferAll(tx: Tx, tenantId: string, fromUserId: string | null, toUserId: string, now: number): Promise<number> {
    const previous = fromUserId === null ? {} : { previous_owner_user_id: fromUserId };
    return tx.run(this.ownedBy(tx, tenantId, fromUserId).update({ owner_user_id: toUserId, ...previous, orphaned_at: null, updated_at: now }));
  }

  async orphanAll(tx: Tx, tenantId: string, fromUserId: string, now: number): Promise<number> {
    return tx.run(this.ownedBy(tx, tenantId, fromUserId).update({ owner_user_id: null, previous_owner_user_id: fromUserId, orphaned_at: now, updated_at: now }));
  }

  /**
   * Gives `userId` back what was moved away from it and is still where it went (`heldBy`, null: orphaned);
   * resources re-registered or reassigned since stay where they are. One statement.
   */
  async returnAll(tx: Tx, tenantId: string, userId: string, heldBy: string | null, now: number): Promise<number> {
    return tx.run(
      this.ownedBy(tx, tenantId, heldBy).where({ previous_owner_user_id: userId }).update({ owner_user_id: userId, previous_owner_user_id: heldBy, orphaned_at: null, updated_at: now }),
    );
  }

  async listOwnedBy(tx: Tx, tenantId: string, ownerUserId: string | null, page: KeysetRequest): Promise<KeysetPage<Ownership>> {
    const rows = await tx.all<OwnershipColumns>(applyKeyset(tx, this.ownedBy(tx, tenantId, ownerUserId).select(COLUMNS), BY_RESOURCE, page));
    const items = rows.slice(0, page.limit).map((row) => {
      const node = toOwnership(row);
      return { node, position: { key: node.resourceType, id: node.resourceId } };
    });
    return { items, hasMore: rows.length > page.limit };
  }

  /**
   * Whether the user exists in the tenant and is active. With `share` (inside a transaction), the row is
   * share-locked on PostgreSQL until the transaction ends, so a concurrent deprovisioning of that user
   * waits for it (or it sees the user gone) instead of leaving resources with an owner who no longer exists.
   */
  async findUser(tx: Tx, tenantId: string, userId: string, options: { share?: boolean } = {}): Promise<{ active: boolean } | undefined> {
    const query = tx.knex('users').select('active').where({ tenant_id: tenantId, id: userId });
    const row = await tx.first<{ active: unknown }>(options.share && tx.dialect === 'postgresql' ? query.forShare() : query);
    return row && { active: toBoolean(row.active) };
  }

  private ownedBy(tx: Tx, tenantId: string, ownerUserId: string | null) {
    const query = tx.knex('ownerships').where({ tenant_id: tenantId });
    return ownerUserId === null ? query.whereNull('owner_user_id') : query.where({ owner_user_id: ownerUserId });
  }
}
