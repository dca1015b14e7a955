import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { StoredUser } from '../domain/identity/user';
import type { ResolvedFilter } from '../domain/filter/filter-field';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository, type MemberGroup } from '../persistence/repositories/group.repository';
import type { Page, PageRequest } from '../persistence/repositories/resource-rows';
import { UserRepository, type UserSort, type UserWrite } from '../persistence/repositories/user.repository';
import { MappingRepository } from '../persistence/repositories/mapping.repository';
import { DeprovisionedUserRepository, type DeprovisionedUser } from '../persistence/repositories/deprovisioned-user.repository';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import type { MappingRuntime, MappingService } from './mapping.service';
import type { ChangeRecorder } from './change-recorder';
import type { UserIndexFields } from '../domain/identity/user';
import { checkVersion, mappingActor, type WriteActor, type WriteConditions } from './write-actor';
import { LOOKALIKE_SKELETONS_READ, lookalikeSets } from '../domain/identity/confusable-skeleton';
/** Reports adopted by one write of their manager: the rest resolve at their own next write or a re-apply. */
const MAX_ADOPTED_REPORTS = 1_000;

function conflictOnUserName(userName: string) {
  return (error: unknown): never => {
    if (error instanceof DomainError && error.code === 'CONFLICT') {
      throw new DomainError('CONFLICT', `userName "${userName}" is already taken in this tenant`);
    }
    throw error;
  };
}

/** The IdP may change a userName only when the tenant allows it; an admin's edits never touch it. */
function checkUserNameChange(actor: WriteActor, current: StoredUser, write: UserWrite): void {
  if (actor.auditActor === undefined && !actor.tenant.settings.idpMayChangeUserName && write.fields.userName !== current.userName) {
    throw new DomainError('MUTABILITY', `this tenant does not let the identity provider change a userName ("${current.userName}" stays; setting idpMayChangeUserName)`);
  }
}

/** A user as a change left it; its groups when the caller asked for them. */
export interface ModifiedUser extends StoredUser {
  readonly groups?: readonly MemberGroup[];
}

export class UserService {
  private readonly users = new UserRepository();
  private readonly deprovisioned = new DeprovisionedUserRepository();
  private readonly groups = new GroupRepository();
  private readonly values = new MappingRepository();

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly changes: ChangeRecorder,
    /** The indexed fields of a stored raw resource (the SCIM adapter's reading), for audit diffs. */
    private readonly fieldsOf: (raw: Record<string, unknown>) => UserIndexFields,
  ) {}

  /** Stores the raw resource and its indexed fields, then maps it to domain values in the same transaction. */
  async create(actor: WriteActor, write: UserWrite): Promise<StoredUser> {
    return this.database
      .transaction(async (tx) => {
        const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
        const user = await this.users.insert(tx, actor.tenant.id, randomUUID(), write, Date.now());
        await this.mapping.mapAndStore(tx, runtime, [{ id: user.id, raw: write.raw, isCreate: true }], { actor: mappingActor(actor), onFailure: 'throw' });
        await this.adoptReports(tx, actor, runtime, user.id, null, write.fields);
        await this.changes.userCreated(tx, actor, user, write.fields);
        return user;
      })
      .catch(conflictOnUserName(write.fields.userName));
  }

  /**
   * Users whose userNames look alike (UTS #39 skeleton, one of them beyond plain ASCII): accepted, since
   * real names in other scripts share skeletons with Latin ones, but listed for the admin. At most
   * LOOKALIKE_SETS_LISTED sets, each the users sharing one skeleton.
   */
  async lookalikeUserNames(tenantId: string): Promise<{ id: string; userName: string }[][]> {
    const sets = await this.database.read((tx) => this.users.sharingSkeletons(tx, tenantId, LOOKALIKE_SKELETONS_READ));
    return lookalikeSets(sets, (user) => user.userName);
  }

  async get(tenantId: string, id: string): Promise<StoredUser> {
    const user = await this.database.read((tx) => this.users.findById(tx, tenantId, id));
    if (!user) throw new DomainError('NOT_FOUND', `User ${id} not found`);
    return user;
  }

  async list(tenantId: string, filter: ResolvedFilter | undefined, sort: UserSort | undefined, page: PageRequest): Promise<Page<StoredUser>> {
    return this.database.read((tx) => this.users.list(tx, tenantId, filter, sort, page));
  }

  /**
   * Loads the user under a lock, derives the new state with `change` (pure: PUT or PATCH applied to
   * the stored resource) and writes it, all in one transaction: a failing change writes nothing.
   */
  async modify(actor: WriteActor, id: string, change: (current: StoredUser) => UserWrite, conditions: WriteConditions = {}, options: { readGroups?: boolean } = {}): Promise<ModifiedUser> {
    let userName = '';
    let groups: Promise<MemberGroup[]> | undefined;
    const updated = await this.database
      .transaction(async (tx) => {
        const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
        // The locked read and the mapping's reads of the same user go together (one round trip on PostgreSQL); the lock is taken first, so those reads see what the last writer committed.
        const found = this.users.findById(tx, actor.tenant.id, id, { forUpdate: true });
        const inputs = this.mapping.readMappingInputs(tx, runtime, [id]);
        // Awaited by the mapping below; a request that fails before it gets there leaves the read unawaited.
        inputs.catch(() => undefined);
        const current = await found;
        if (!current) throw new DomainError('NOT_FOUND', `User ${id} not found`);
        checkVersion(current, conditions);
        const write = change(current);
        userName = write.fields.userName;
        checkUserNameChange(actor, current, write);
        const before = this.fieldsOf(current.raw);
        const updated = await this.users.update(tx, current, before, write, Date.now());
        const outcome = await this.mapping.mapAndStore(tx, runtime, [{ id, raw: write.raw, isCreate: false }], { actor: mappingActor(actor), onFailure: 'throw', inputs });
        await this.adoptReports(tx, actor, runtime, id, before, write.fields);
        await this.changes.userChanged(tx, actor, current, before, updated, write.fields, outcome.changed.get(id));
        // Read behind the writes (the mapping may have granted or taken rule memberships), with the COMMIT: it is awaited once the unit is done.
        groups = options.readGroups ? this.groups.groupsOfMember(tx, actor.tenant.id, id, { withLog: true }) : undefined;
        groups?.catch(() => undefined);
        return updated;
      })
      .catch((error: unknown) => conflictOnUserName(userName)(error));
    return groups ? { ...updated, groups: await groups } : updated;
  }

  /**
   * The IdP's DELETE: removes the user for good, or (the tenant's scimUserDelete policy) keeps it as
   * deprovisioned. Either way it leaves every read, its memberships go and its userName becomes free.
   */
  async delete(actor: WriteActor, id: string, conditions: WriteConditions = {}): Promise<void> {
    const tenantId = actor.tenant.id;
    await this.database.transaction(async (tx) => {
      const current = await this.users.findById(tx, tenantId, id, { forUpdate: true });
      if (!current) throw new DomainError('NOT_FOUND', `User ${id} not found`);
      checkVersion(current, conditions);
      const fields = this.fieldsOf(current.raw);
      if (actor.tenant.settings.scimUserDelete === 'deprovision') {
        const transfer = await this.changes.userDeprovisioned(tx, actor, current, fields);
        await this.deprovisioned.insert(tx, {
          tenantId,
          id,
          userName: current.userName,
          externalId: fields.externalId,
          raw: current.raw,
          // Deprovisioning is a change: the kept row carries the version its event announced.
          version: current.version + 1,
          createdAt: current.createdAt,
          deprovisionedAt: Date.now(),
          substituteUserId: transfer?.toUserId ?? null,
        });
      } else {
        await this.changes.userDeleted(tx, actor, current, fields);
      }
      await this.groups.removeMemberships(tx, tenantId, id);
      await this.values.deleteUserValues(tx, tenantId, id);
      await this.users.delete(tx, tenantId, id);
    });
  }

  async listDeprovisioned(tenantId: string, page: KeysetRequest): Promise<KeysetPage<DeprovisionedUser>> {
    return this.database.read((tx) => this.deprovisioned.list(tx, tenantId, page));
  }

  /**
   * Puts a deprovisioned user back (admin): same id, creation time and history, its stored SCIM resource
   * mapped again, what it owned and its substitute still holds returned. CONFLICT when another user
   * has taken its userName meanwhile. Memberships are not restored: the IdP pushes them again.
   */
  async restore(actor: WriteActor, id: string): Promise<StoredUser> {
    const tenantId = actor.tenant.id;
    let userName = '';
    return this.database
      .transaction(async (tx) => {
        const kept = await this.deprovisioned.find(tx, tenantId, id, { forUpdate: true });
        if (!kept) throw new DomainError('NOT_FOUND', `no deprovisioned user ${id}`);
        userName = kept.userName;
        const fields = this.fieldsOf(kept.raw);
        const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
        const user = await this.users.reinsert(tx, tenantId, id, { raw: kept.raw, fields }, kept, Date.now());
        await this.mapping.mapAndStore(tx, runtime, [{ id, raw: kept.raw, isCreate: true }], { actor: mappingActor(actor), onFailure: 'throw' });
        await this.adoptReports(tx, actor, runtime, id, null, fields);
        await this.deprovisioned.delete(tx, tenantId, id);
        await this.changes.userRestored(tx, actor, user, fields, kept.substituteUserId);
        return user;
      })
      .catch((error: unknown) => conflictOnUserName(userName)(error));
  }

  /** Removes a deprovisioned user for good (admin), announced as user.deleted. */
  async purge(actor: WriteActor, id: string): Promise<void> {
    await this.database.transaction(async (tx) => {
      const kept = await this.deprovisioned.find(tx, actor.tenant.id, id, { forUpdate: true });
      if (!kept) throw new DomainError('NOT_FOUND', `no deprovisioned user ${id}`);
      await this.deprovisioned.delete(tx, actor.tenant.id, id);
      await this.changes.deprovisionedUserPurged(tx, actor, kept);
    });
  }

  /** The dialect's manager references by externalId (OneLogin), resolved both ways when they change. */
  /**
   * A user that gained an externalId its reports already name (they came first) becomes their manager:
   * the reports are mapped again, which resolves the reference now (MappingService resolves managers).
   */
  private async adoptReports(tx: Tx, actor: WriteActor, runtime: MappingRuntime, userId: string, before: UserIndexFields | null, after: UserIndexFields): Promise<void> {
    if (!runtime.managerByExternalId || after.externalId === null || after.externalId === before?.externalId) return;
    const reportIds = (await this.values.usersWithValueText(tx, actor.tenant.id, 'manager', after.externalId, MAX_ADOPTED_REPORTS)).filter((id) => id !== userId);
    const reports = (await Promise.all(reportIds.map((id) => this.users.findById(tx, actor.tenant.id, id)))).filter((report) => report !== undefined);
    if (reports.length === 0) return;
    await this.mapping.mapAndStore(tx, runtime, reports.map((report) => ({ id: report.id, raw: report.raw, isCreate: false })), { actor: mappingActor(actor), onFailure: 'skip', announce: 'scim' });
  }

  async groupsOf(tenantId: string, userId: string): Promise<MemberGroup[]> {
    return this.database.read((tx) => this.groups.groupsOfMember(tx, tenantId, userId));
  }
}

