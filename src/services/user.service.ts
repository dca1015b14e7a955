import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { StoredUser } from '../domain/identity/user';
import type { ResolvedFilter } from '../domain/filter/filter-field';
import type { Database } from '../persistence/database';
import { GroupRepository } from '../persistence/repositories/group.repository';
import type { Page, PageRequest } from '../persistence/repositories/resource-rows';
import { UserRepository, type UserSort, type UserWrite } from '../persistence/repositories/user.repository';
import { MappingRepository } from '../persistence/repositories/mapping.repository';
import type { MappingService } from './mapping.service';
import type { ChangeRecorder } from './change-recorder';
import type { UserIndexFields } from '../domain/identity/user';
import { checkVersion, mappingActor, type WriteActor, type WriteConditions } from './write-actor';
import { looksAlike } from '../domain/identity/confusable-skeleton';
import { foldText } from '../domain/text';

/** Sets of look-alike userNames listed as admin warnings, and the skeleton groups read to find them (ASCII-only ones are passed over). */
const LOOKALIKE_GROUPS_LISTED = 50;
const LOOKALIKE_GROUPS_READ = 500;

/** Two stored userNames with one folded form: only users stored before the fold dropped invisible characters (the migration kept both). */
function invisiblyDuplicated(first: string, second: string): boolean {
  return foldText(first) === foldText(second);
}

function conflictOnUserName(userName: string) {
  return (error: unknown): never => {
    if (error instanceof DomainError && error.code === 'CONFLICT') {
      throw new DomainError('CONFLICT', `userName "${userName}" is already taken in this tenant`);
    }
    throw error;
  };
}

export class UserService {
  private readonly users = new UserRepository();
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
        await this.changes.userCreated(tx, actor, user, write.fields);
        return user;
      })
      .catch(conflictOnUserName(write.fields.userName));
  }

  /**
   * Users whose userNames look alike (UTS #39 skeleton, one of them beyond plain ASCII): accepted, since
   * real names in other scripts share skeletons with Latin ones, but listed for the admin. At most
   * LOOKALIKE_GROUPS_LISTED sets, each the users sharing one skeleton.
   */
  async lookalikeUserNames(tenantId: string): Promise<{ id: string; userName: string }[][]> {
    const groups = await this.database.read((tx) => this.users.sharingSkeletons(tx, tenantId, LOOKALIKE_GROUPS_READ));
    return groups
      .filter((users) => users.some((user, index) => users.slice(index + 1).some((other) => looksAlike(user.userName, other.userName) || invisiblyDuplicated(user.userName, other.userName))))
      .slice(0, LOOKALIKE_GROUPS_LISTED);
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
  async modify(actor: WriteActor, id: string, change: (current: StoredUser) => UserWrite, conditions: WriteConditions = {}): Promise<StoredUser> {
    let userName = '';
    return this.database
      .transaction(async (tx) => {
        const current = await this.users.findById(tx, actor.tenant.id, id, { forUpdate: true });
        if (!current) throw new DomainError('NOT_FOUND', `User ${id} not found`);
        checkVersion(current, conditions);
        const write = change(current);
        userName = write.fields.userName;
        const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
        const updated = await this.users.update(tx, current, write, Date.now());
        const outcome = await this.mapping.mapAndStore(tx, runtime, [{ id, raw: write.raw, isCreate: false }], { actor: mappingActor(actor), onFailure: 'throw' });
        await this.changes.userChanged(tx, actor, current, this.fieldsOf(current.raw), updated, write.fields, outcome.changed.get(id));
        return updated;
      })
      .catch((error: unknown) => conflictOnUserName(userName)(error));
  }

  /** Deletes the user and its memberships; its userName becomes free. */
  async delete(actor: WriteActor, id: string, conditions: WriteConditions = {}): Promise<void> {
    const tenantId = actor.tenant.id;
    await this.database.transaction(async (tx) => {
      const current = await this.users.findById(tx, tenantId, id, { forUpdate: true });
      if (!current) throw new DomainError('NOT_FOUND', `User ${id} not found`);
      checkVersion(current, conditions);
      await this.changes.userDeleted(tx, actor, current, this.fieldsOf(current.raw));
      await this.groups.removeMemberships(tx, tenantId, id);
      await this.values.deleteUserValues(tx, tenantId, id);
      await this.users.delete(tx, tenantId, id);
    });
  }

  async groupsOf(tenantId: string, userId: string): Promise<{ id: string; displayName: string }[]> {
    return this.database.read((tx) => this.groups.groupsOfMember(tx, tenantId, userId));
  }
}

