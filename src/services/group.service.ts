import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import type { GroupIndexFields, GroupMember, MemberReference, MembershipChange, StoredGroup } from '../domain/groups/group';
import type { ResolvedFilter } from '../domain/filter/filter-field';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository, type GroupSort, type GroupWrite } from '../persistence/repositories/group.repository';
import type { Page, PageRequest } from '../persistence/repositories/resource-rows';
import { UserRepository } from '../persistence/repositories/user.repository';
import { checkVersion, mappingActor, type WriteActor, type WriteConditions } from './write-actor';
import type { MappingService, UserToMap } from './mapping.service';
import type { ChangeRecorder } from './change-recorder';
import { KeyedBatches } from './keyed-batches';
import { LOOKALIKE_SKELETONS_READ, lookalikeSets } from '../domain/identity/confusable-skeleton';

function fieldsOfStored(group: StoredGroup): GroupIndexFields {
  return { displayName: group.displayName, externalId: typeof group.raw.externalId === 'string' ? group.raw.externalId : null };
}

/**
 * Runs inside the write's transaction, after it: manual edits mark what they created and audit it,
 * and anything it throws undoes the write.
 */
export type InGroupTransaction = (tx: Tx, group: StoredGroup, now: number) => Promise<void>;

export interface GroupChange {
  readonly write: GroupWrite;
  readonly memberships: readonly MembershipChange[];
}

/** Whether a proposed change leaves the group's attributes as they are and only adds or removes named members. */
function changesMembersOnly(current: StoredGroup, change: GroupChange): boolean {
  const fields = fieldsOfStored(current);
  return (
    change.memberships.every((membership) => membership.op === 'add' || membership.op === 'remove') &&
    change.write.fields.displayName === fields.displayName &&
    change.write.fields.externalId === fields.externalId &&
    JSON.stringify(change.write.raw) === JSON.stringify(current.raw)
  );
}

function conflictOnDisplayName(displayName: string) {
  return (error: unknown): never => {
    if (error instanceof DomainError && error.code === 'CONFLICT') {
      throw new DomainError('CONFLICT', `a group named "${displayName}" already exists in this tenant`);
    }
    throw error;
  };
}

/** Which of the ids asked about name users of the tenant, read ahead of the change (see GroupService.modify). */
interface PrefetchedUsers {
  readonly asked: ReadonlySet<string>;
  readonly found: ReadonlySet<string>;
}

/** A SCIM PATCH of a group's members, waiting to share its group's next transaction. */
interface MemberPatch {
  readonly actor: WriteActor;
  readonly id: string;
  readonly change: (current: StoredGroup) => GroupChange;
  readonly membersAdded: readonly string[];
}

type MemberPatchCheck =
  | { readonly kind: 'resolved'; readonly memberships: readonly MembershipChange[]; readonly resolved: GroupMember[][] }
  | { readonly kind: 'refused'; readonly error: unknown }
  | { readonly kind: 'alone' };

type MemberPatchOutcome = Exclude<MemberPatchCheck, { kind: 'resolved' }> | { readonly kind: 'written'; readonly committed: () => StoredGroup };

function settled<T>(outcome: PromiseSettledResult<T>): T {
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}

/** Member PATCHes of one group that share a transaction, at most; a tenant's SCIM admission keeps batches far smaller. */
const MEMBER_PATCHES_PER_TRANSACTION = 32;

export class GroupService {
  private readonly groups = new GroupRepository();
  private readonly users = new UserRepository();
  private readonly memberPatches = new KeyedBatches<MemberPatch, StoredGroup>(MEMBER_PATCHES_PER_TRANSACTION, (patches) => this.patchMembersTogether(patches));

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly changes: ChangeRecorder,
  ) {}

  async create(actor: WriteActor, write: GroupWrite, members: readonly MemberReference[], afterWrite?: InGroupTransaction): Promise<StoredGroup> {
    const id = randomUUID();
    return this.database
      .transaction(async (tx) => {
        const now = Date.now();
        const group = await this.groups.insert(tx, actor.tenant.id, id, write, now);
        await this.changes.groupCreated(tx, actor, group, write.fields);
        const initialMembers: MembershipChange[] = members.length > 0 ? [{ op: 'add', members }] : [];
        const affected = await this.applyMemberships(tx, group, initialMembers, now);
        await this.recordMemberships(tx, actor, group, initialMembers);
        await this.remapMembers(tx, actor, group, affected, false);
        await afterWrite?.(tx, group, now);
        return group;
      })
      .catch(conflictOnDisplayName(write.fields.displayName));
  }

  /**
   * Groups whose displayNames look alike (UTS #39 skeleton, one of them beyond plain ASCII): accepted like
   * userNames, but listed for the admin, since a look-alike of a privileged group's name can be
   * mistaken for it when granting access. At most LOOKALIKE_SETS_LISTED sets.
   */
  async lookalikeDisplayNames(tenantId: string): Promise<{ id: string; displayName: string }[][]> {
    const sets = await this.database.read((tx) => this.groups.sharingSkeletons(tx, tenantId, LOOKALIKE_SKELETONS_READ));
    return lookalikeSets(sets, (group) => group.displayName);
  }

  async get(tenantId: string, id: string): Promise<StoredGroup> {
    const group = await this.database.read((tx) => this.groups.findById(tx, tenantId, id));
    if (!group) throw new DomainError('NOT_FOUND', `Group ${id} not found`);
    return group;
  }

  async list(tenantId: string, filter: ResolvedFilter | undefined, sort: GroupSort | undefined, page: PageRequest): Promise<Page<StoredGroup>> {
    return this.database.read((tx) => this.groups.list(tx, tenantId, filter, sort, page));
  }

  async listMembers(tenantId: string, groupId: string, afterMemberId: string | undefined, limit: number): Promise<GroupMember[]> {
    return this.database.read((tx) => this.groups.listMembers(tx, tenantId, groupId, afterMemberId, limit));
  }

  /**
   * Applies a PUT or PATCH: `change` derives the group's new attributes and the membership changes
   * from the stored group (without its members). Memberships change row by row, so the cost follows
   * the number of members named, not the size of the group.
   *
   * `membersAdded`, given when the caller knows before the group is read that the change only adds
   * and removes named members (a SCIM PATCH says so), lists the ids it adds. Such a change without
   * If-Match or `afterWrite` goes through patchMembersTogether; on PostgreSQL it joins the member
   * PATCHes of its group: they all wait on the group's row lock anyway, so those that arrive while one
   * runs share the next turn.
   * Otherwise the group is read without a lock first; a change of members only (adds and removes
   * naming their members, attributes as they were, no If-Match, no `afterWrite`) takes the row lock
   * with the statement that bumps the version and holds it for one round trip, and any other change
   * reads the row again under its lock.
   */
  async modify(
    actor: WriteActor,
    id: string,
    change: (current: StoredGroup) => GroupChange,
    conditions: WriteConditions = {},
    afterWrite?: InGroupTransaction,
    membersAdded?: readonly string[],
  ): Promise<StoredGroup> {
    if (membersAdded !== undefined && conditions.ifMatch === undefined && afterWrite === undefined) {
      const patch = { actor, id, change, membersAdded };
      // SQLite has one writer and commits concurrent transactions together already: waiting for the
      // group's previous turn would only add its fsync to this PATCH's time.
      if (this.database.dialect === 'sqlite') return settled((await this.patchMembersTogether([patch]))[0]);
      return this.memberPatches.submit(`${actor.tenant.id}/${id}`, patch);
    }
    return this.modifyAlone(actor, id, change, conditions, afterWrite);
  }

  private async modifyAlone(actor: WriteActor, id: string, change: (current: StoredGroup) => GroupChange, conditions: WriteConditions, afterWrite?: InGroupTransaction): Promise<StoredGroup> {
    let displayName = '';
    return this.database
      .transaction(async (tx): Promise<() => StoredGroup> => {
        const lockFirst = conditions.ifMatch !== undefined || afterWrite !== undefined;
        const seen = await this.groups.findById(tx, actor.tenant.id, id, { lock: lockFirst ? 'update' : undefined });
        if (!seen) throw new DomainError('NOT_FOUND', `Group ${id} not found`);
        checkVersion(seen, conditions);
        const proposed = change(seen);
        displayName = proposed.write.fields.displayName;
        if (!lockFirst && changesMembersOnly(seen, proposed)) return this.changeMembers(tx, actor, seen, proposed.memberships);
        const current = lockFirst ? seen : await this.groups.findById(tx, actor.tenant.id, id, { lock: 'update' });
        if (!current) throw new DomainError('NOT_FOUND', `Group ${id} not found`);
        const { write, memberships } = current === seen ? proposed : change(current);
        displayName = write.fields.displayName;
        const now = Date.now();
        const renamed = write.fields.displayName !== current.displayName || write.fields.externalId !== (current.raw.externalId ?? null);
        const before = renamed || memberships.some((membership) => membership.op === 'removeAll' || membership.op === 'replace') ? await this.memberUserIdsIfMapped(tx, actor, current) : [];
        const affected = await this.applyMemberships(tx, current, memberships, now);
        const updated = await this.groups.update(tx, current, write, now);
        await this.changes.groupChanged(tx, actor, fieldsOfStored(current), updated, write.fields);
        await this.recordMemberships(tx, actor, updated, memberships);
        await this.remapMembers(tx, actor, updated, new Set([...before, ...affected]), renamed);
        await afterWrite?.(tx, updated, now);
        return () => updated;
      })
      .then((committed) => committed())
      .catch((error: unknown) => conflictOnDisplayName(displayName)(error));
  }

  /**
   * Member PATCHes of one group in one transaction, in arrival order, each with its own version bump,
   * events and audit rows. The users they add are read in the same round trip as the group, which is
   * read under a key-share lock (no delete can come between); the version bumps, whose row lock
   * serialises the writers of the group, go with the writes and the COMMIT, so that lock is held for
   * no round trip of the hub's: two round trips for the whole batch. A PATCH refused on what this
   * transaction read (an unknown member, a bad path) gets its own error; one that turns out to change
   * more than members runs alone afterwards; and when the transaction fails, each PATCH of a batch is
   * retried alone, so one PATCH's failure is never another's.
   */
  private async patchMembersTogether(patches: readonly MemberPatch[]): Promise<PromiseSettledResult<StoredGroup>[]> {
    const { actor, id } = patches[0];
    let outcomes: MemberPatchOutcome[];
    try {
      outcomes = await this.database.transaction(async (tx) => {
        const [users, seen] = await Promise.all([
          this.prefetchUsers(tx, actor.tenant.id, patches.flatMap((patch) => patch.membersAdded)),
          this.groups.findById(tx, actor.tenant.id, id, { lock: 'key share' }),
        ]);
        if (!seen) throw new DomainError('NOT_FOUND', `Group ${id} not found`);
        const checked = await Promise.all(patches.map((patch) => this.checkMemberPatch(tx, seen, patch, users)));
        const written: MemberPatchOutcome[] = [];
        for (const [index, check] of checked.entries()) {
          written.push(check.kind === 'resolved' ? { kind: 'written', committed: await this.changeMembersAtCommit(tx, patches[index].actor, seen, check.memberships, check.resolved) } : check);
        }
        return written;
      });
    } catch (error) {
      if (patches.length === 1) return [{ status: 'rejected', reason: error }];
      return (await Promise.all(patches.map((patch) => this.patchMembersTogether([patch])))).flat();
    }
    return Promise.all(
      outcomes.map(async (outcome, index): Promise<PromiseSettledResult<StoredGroup>> => {
        if (outcome.kind === 'refused') return { status: 'rejected', reason: outcome.error };
        if (outcome.kind === 'written') return { status: 'fulfilled', value: outcome.committed() };
        const { actor: alone, change } = patches[index];
        return this.modifyAlone(alone, id, change, {}).then(
          (value) => ({ status: 'fulfilled', value }),
          (reason: unknown) => ({ status: 'rejected', reason }),
        );
      }),
    );
  }

  /** What a member PATCH would write on the group as read: its resolved members, or why not. */
  private async checkMemberPatch(tx: Tx, seen: StoredGroup, patch: MemberPatch, users: PrefetchedUsers): Promise<MemberPatchCheck> {
    try {
      const proposed = patch.change(seen);
      if (!changesMembersOnly(seen, proposed)) return { kind: 'alone' };
      return { kind: 'resolved', memberships: proposed.memberships, resolved: await this.resolveAdded(tx, seen, proposed.memberships, users) };
    } catch (error) {
      return { kind: 'refused', error };
    }
  }

  async delete(actor: WriteActor, id: string, conditions: WriteConditions = {}, beforeDelete?: InGroupTransaction): Promise<void> {
    const tenantId = actor.tenant.id;
    await this.database.transaction(async (tx) => {
      const current = await this.groups.findById(tx, tenantId, id, { lock: 'update' });
      if (!current) throw new DomainError('NOT_FOUND', `Group ${id} not found`);
      checkVersion(current, conditions);
      await beforeDelete?.(tx, current, Date.now());
      await this.changes.groupDeleted(tx, actor, current);
      await this.groups.delete(tx, tenantId, id);
    });
  }

  /**
   * A change of members only, on a group read without a lock: the named members are checked and the
   * version bumped (taking the row lock) in one round trip; the memberships, events and audit rows go
   * with the COMMIT.
   */
  private async changeMembers(tx: Tx, actor: WriteActor, seen: StoredGroup, memberships: readonly MembershipChange[]): Promise<() => StoredGroup> {
    const now = Date.now();
    const [resolved, updated] = await Promise.all([this.resolveAdded(tx, seen, memberships, undefined), this.groups.bumpVersion(tx, seen.tenantId, seen.id, now)]);
    if (!updated) throw new DomainError('NOT_FOUND', `Group ${seen.id} not found`);
    const named = this.writeMemberships(tx, seen, memberships, resolved, now);
    await this.recordMemberships(tx, actor, updated, memberships);
    await this.remapMembers(tx, actor, updated, named, false);
    return () => updated;
  }

  /**
   * A change of members only, on a group this transaction keeps from being deleted (key-share lock):
   * the version bump joins the write log ahead of the memberships, events (which take the version as
   * stored) and audit rows, and runs with them and the COMMIT. The group as it is then is known once
   * the unit has committed.
   */
  private async changeMembersAtCommit(tx: Tx, actor: WriteActor, seen: StoredGroup, memberships: readonly MembershipChange[], resolved: readonly GroupMember[][]): Promise<() => StoredGroup> {
    const now = Date.now();
    let version: number | undefined;
    this.groups.bumpVersionInLog(tx, seen.tenantId, seen.id, now, (bumped) => {
      version = bumped;
    });
    const named = this.writeMemberships(tx, seen, memberships, resolved, now);
    await this.recordMemberships(tx, actor, seen, memberships, 'as stored');
    await this.remapMembers(tx, actor, seen, named, false);
    return () => {
      if (version === undefined) throw new Error(`the version bump of group ${seen.id} did not run`);
      return { ...seen, version, updatedAt: now };
    };
  }

  /** The members each add names, resolved (checked to exist); nothing for the other changes. */
  private resolveAdded(tx: Tx, group: StoredGroup, memberships: readonly MembershipChange[], users: PrefetchedUsers | undefined): Promise<GroupMember[][]> {
    return Promise.all(memberships.map((membership) => (membership.op === 'add' ? this.resolveMembers(tx, group, membership.members, users) : Promise.resolve([]))));
  }

  /** The adds and removes of a change of members only, through the write log; returns the ids named. */
  private writeMemberships(tx: Tx, group: StoredGroup, memberships: readonly MembershipChange[], resolved: readonly GroupMember[][], now: number): Set<string> {
    const named = new Set<string>();
    memberships.forEach((membership, index) => {
      if (membership.op === 'add') {
        this.groups.addMembers(tx, group.tenantId, group.id, resolved[index], now);
        for (const member of resolved[index]) if (member.type === 'User') named.add(member.value);
      } else if (membership.op === 'remove') {
        this.groups.removeMembers(tx, group.tenantId, group.id, membership.values);
        for (const value of membership.values) named.add(value);
      }
    });
    return named;
  }

  /** Which of `ids` name users of the tenant, read ahead (see modify). */
  private async prefetchUsers(tx: Tx, tenantId: string, ids: readonly string[]): Promise<PrefetchedUsers> {
    const asked = new Set(ids);
    return { asked, found: await this.users.existingIds(tx, tenantId, [...asked]) };
  }

  /** One membership event per added or removed list, in request order; `version` is the group's after the change. */
  private async recordMemberships(tx: Tx, actor: WriteActor, group: StoredGroup, changes: readonly MembershipChange[], version: number | 'as stored' = group.version): Promise<void> {
    for (const change of changes) {
      if (change.op === 'add' || change.op === 'replace') {
        if (change.op === 'replace') await this.changes.membershipChanged(tx, actor, group, 'membership.removed', [], version);
        await this.changes.membershipChanged(tx, actor, group, 'membership.added', change.members.map((member) => member.value), version);
      } else {
        await this.changes.membershipChanged(tx, actor, group, 'membership.removed', change.op === 'remove' ? change.values : [], version);
      }
    }
  }

  /** Applies membership changes row by row; returns the ids named, whose mapped values may depend on them. */
  private async applyMemberships(tx: Tx, group: StoredGroup, changes: readonly MembershipChange[], now: number): Promise<Set<string>> {
    const named = new Set<string>();
    for (const change of changes) {
      switch (change.op) {
        case 'add': {
          const members = await this.resolveMembers(tx, group, change.members);
          this.groups.addMembers(tx, group.tenantId, group.id, members, now);
          for (const member of members) if (member.type === 'User') named.add(member.value);
          break;
        }
        case 'remove':
          this.groups.removeMembers(tx, group.tenantId, group.id, change.values);
          for (const value of change.values) named.add(value);
          break;
        case 'removeAll':
          await this.groups.removeAllMembers(tx, group.tenantId, group.id);
          break;
        case 'replace': {
          const members = await this.resolveMembers(tx, group, change.members);
          await this.groups.removeAllMembers(tx, group.tenantId, group.id);
          this.groups.addMembers(tx, group.tenantId, group.id, members, now);
          for (const member of members) if (member.type === 'User') named.add(member.value);
          break;
        }
      }
    }
    return named;
  }

  /**
   * The user members of a group, read only when the active mapping depends on groups (a rename, or a
   * change that drops unnamed members, can then change roles): otherwise no member list is ever loaded.
   */
  private async memberUserIdsIfMapped(tx: Tx, actor: WriteActor, group: StoredGroup): Promise<string[]> {
    const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
    if (!runtime.compiled.readsGroups) return [];
    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.groups.listMembers(tx, group.tenantId, group.id, after, 5000);
      ids.push(...page.filter((member) => member.type === 'User').map((member) => member.value));
      if (page.length < 5000) return ids;
      after = page[page.length - 1].value;
    }
  }

  /** Recomputes the mapped values of users whose groups changed, when the mapping reads groups. */
  private async remapMembers(tx: Tx, actor: WriteActor, group: StoredGroup, userIds: Set<string>, renamed: boolean): Promise<void> {
    if (userIds.size === 0) return;
    const runtime = await this.mapping.runtime(tx, actor.tenant, actor.connection);
    if (!runtime.compiled.readsGroups) return;
    const ids = renamed ? [...new Set([...userIds, ...(await this.memberUserIdsIfMapped(tx, actor, group))])] : [...userIds];
    const users: UserToMap[] = [];
    for (const id of ids) {
      const user = await this.users.findById(tx, group.tenantId, id);
      if (user) users.push({ id, raw: user.raw, isCreate: false });
    }
    await this.mapping.mapAndStore(tx, runtime, users, { actor: mappingActor(actor), onFailure: 'throw', announce: 'groups' });
  }

  /**
   * Every member must name a user or group of the same tenant. An unknown id is refused rather than
   * dropped: an IdP told "done" would believe in a membership that does not exist.
   */
  private async resolveMembers(tx: Tx, group: StoredGroup, references: readonly MemberReference[], users?: PrefetchedUsers): Promise<GroupMember[]> {
    const unique = new Map<string, MemberReference>();
    for (const reference of references) unique.set(reference.value, reference);
    const ids = [...unique.keys()];
    if (ids.includes(group.id)) throw new DomainError('INVALID_INPUT', 'a group cannot be a member of itself');
    const unasked = users ? ids.filter((id) => !users.asked.has(id)) : ids;
    const userIds = unasked.length > 0 ? await this.users.existingIds(tx, group.tenantId, unasked) : new Set<string>();
    if (users) for (const id of ids) if (users.found.has(id)) userIds.add(id);
    const groupIds = await this.groups.existingIds(tx, group.tenantId, ids.filter((id) => !userIds.has(id)));
    const unknown = ids.filter((id) => !userIds.has(id) && !groupIds.has(id));
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).map((id) => `"${id}"`).join(', ');
      throw new DomainError('INVALID_INPUT', `members must be users or groups of this tenant; unknown: ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
    }
    return ids.map((id) => ({ value: id, type: userIds.has(id) ? 'User' : 'Group', display: unique.get(id)?.display ?? null }));
  }
}
