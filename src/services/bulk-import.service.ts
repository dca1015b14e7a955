import { isDeepStrictEqual } from 'node:util';
import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import type { StoredGroup } from '../domain/groups/group';
import type { StoredUser } from '../domain/identity/user';
import type { Connection, Tenant } from '../domain/tenants/tenant';
import { foldText } from '../domain/text';
import { nextTimeOrderedId } from '../domain/time-ordered-id';
import type { Database, Tx } from '../persistence/database';
import {
  findResourcesByKeys,
  nonRuleMembersOf,
  tuneSqliteForImport,
  userIdsByExternalIds,
  userIdsByNameNorms,
  usersRawByIds,
  type ExistingResourceRow,
} from '../persistence/repositories/bulk-rows';
import { GroupRepository, type GroupWrite, type NewMemberRow } from '../persistence/repositories/group.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { UserRepository, type UserWrite } from '../persistence/repositories/user.repository';
import { groupRenamed, type ChangeRecorder, type ImportedGroup, type ImportedUser } from './change-recorder';
import type { MappingRuntime, MappingService } from './mapping.service';

/** How a group line names a member: by hub id (a user or group), or a user by userName or externalId. */
export type ImportMemberReference = ({ readonly value: string } | { readonly userName: string } | { readonly externalId: string }) & { readonly display?: string | null };

/** One line of an import file, read by the adapter (SCIM resources normalised as a POST body would be). */
export type ImportRecord =
  | { readonly line: number; readonly kind: 'User'; readonly write: UserWrite }
  | { readonly line: number; readonly kind: 'Group'; readonly write: GroupWrite; readonly members: readonly ImportMemberReference[] }
  | { readonly line: number; readonly kind: 'invalid'; readonly reason: string };

export interface ImportTarget {
  readonly tenant: Tenant;
  readonly connection: Connection;
}

export interface ImportOptions {
  readonly context: AuditContext;
  /** What was imported, for the audit rows (a file name). */
  readonly source: string;
  /** Resources per transaction (default 1,000). */
  readonly chunkSize?: number;
  /** Members per transaction before a chunk is cut (default 50,000; a bigger group is one chunk of its own). */
  readonly chunkMembers?: number;
  /** Stop reading after this many failed lines (default 100). */
  readonly maxErrors?: number;
}

export interface LineError {
  readonly line: number;
  readonly reason: string;
}

export interface ResourceCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  lines: number;
  readonly users: ResourceCounts;
  readonly groups: ResourceCounts;
  readonly memberships: { added: number; removed: number };
  readonly chunks: { committed: number; rejected: { firstLine: number; lastLine: number }[] };
  readonly errors: LineError[];
  /** True when reading stopped at `maxErrors`. */
  stoppedEarly: boolean;
}

type UserRecord = Extract<ImportRecord, { kind: 'User' }>;
type GroupRecord = Extract<ImportRecord, { kind: 'Group' }>;

/** A chunk that had a bad line: its transaction rolls back and its lines' reasons are reported. */
class ChunkRejected extends Error {
  constructor(readonly errors: LineError[]) {
    super('chunk rejected');
  }
}

/** Keys that must not appear twice in one chunk: a second line for the same resource goes to the next chunk, as an update. */
function chunkKeys(record: UserRecord | GroupRecord): string[] {
  if (record.kind === 'User') {
    const keys = [`u:${foldText(record.write.fields.userName)}`];
    if (record.write.fields.externalId) keys.push(`ux:${record.write.fields.externalId}`);
    return keys;
  }
  const keys = [`g:${foldText(record.write.fields.displayName)}`];
  if (record.write.fields.externalId) keys.push(`gx:${record.write.fields.externalId}`);
  return keys;
}

/** Stored resources of a chunk indexed by folded name and by externalId (which several may share). */
class ExistingIndex {
  private readonly byName = new Map<string, ExistingResourceRow>();
  private readonly byExternalId = new Map<string, ExistingResourceRow[]>();

  constructor(rows: readonly ExistingResourceRow[]) {
    for (const row of rows) {
      this.byName.set(row.nameNorm, row);
      if (row.externalId !== null) this.byExternalId.set(row.externalId, [...(this.byExternalId.get(row.externalId) ?? []), row]);
    }
  }

  /** The stored resource a line updates: by externalId when exactly one stored resource has it, else by folded name. */
  match(nameNorm: string, externalId: string | null, what: string): { match: ExistingResourceRow | undefined; conflict?: string } {
    const byName = this.byName.get(nameNorm);
    const byExternalId = externalId === null ? [] : (this.byExternalId.get(externalId) ?? []);
    if (byExternalId.length !== 1) return { match: byName };
    const match = byExternalId[0];
    if (byName && byName.id !== match.id) return { match, conflict: `the ${what} belongs to another resource than externalId "${externalId}" (${byName.id})` };
    return { match };
  }
}

/**
 * The bulk path of issue 6: NDJSON lines of SCIM Users and Groups written in chunked transactions with
 * multi-row statements, each user mapped by the tenant's active mapping (MappingService.mapUser, the
 * code the SCIM write path runs). Upserts: a user is matched by externalId when exactly one stored user
 * has it, else by userName; a group likewise by externalId, else displayName. A line that equals what is
 * stored changes nothing, so a re-run is a no-op. A group line states the group's whole member list
 * (PUT semantics; rule-granted memberships are kept). A chunk with a bad line writes nothing.
 * New users and groups get time-ordered ids (UUIDv7): their rows, and the rows keyed by them (values,
 * memberships), are appended to the indexes instead of scattered over them, and a chunk lists in file order.
 */
export class BulkImportService {
  private readonly tenants = new TenantRepository();
  private readonly users = new UserRepository();
  private readonly groups = new GroupRepository();

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly changes: ChangeRecorder,
  ) {}

  /** The tenant by id or slug, and its connection (the default one, or the one named, which must be the tenant's). */
  async resolveTarget(tenantIdOrSlug: string, connectionId?: string): Promise<ImportTarget> {
    return this.database.read(async (tx) => {
      const tenant = (await this.tenants.findTenantBySlug(tx, tenantIdOrSlug)) ?? (await this.tenants.findTenantById(tx, tenantIdOrSlug));
      if (!tenant) throw new DomainError('NOT_FOUND', `tenant "${tenantIdOrSlug}" does not exist`);
      const connection = await this.tenants.findDefaultConnection(tx, tenant.id);
      if (!connection || (connectionId !== undefined && connection.id !== connectionId)) {
        throw new DomainError('NOT_FOUND', `tenant "${tenant.slug}" has no connection ${connectionId ?? ''}`.trim());
      }
      return { tenant, connection };
    });
  }

  async import(target: ImportTarget, records: AsyncIterable<ImportRecord>, options: ImportOptions): Promise<ImportSummary> {
    const chunkSize = options.chunkSize ?? 1000;
    const chunkMembers = options.chunkMembers ?? 50_000;
    const maxErrors = options.maxErrors ?? 100;
    const summary: ImportSummary = {
      lines: 0,
      users: { created: 0, updated: 0, unchanged: 0 },
      groups: { created: 0, updated: 0, unchanged: 0 },
      memberships: { added: 0, removed: 0 },
      chunks: { committed: 0, rejected: [] },
      errors: [],
      stoppedEarly: false,
    };
    await this.database.read((tx) => tuneSqliteForImport(tx));

    let chunk: ImportRecord[] = [];
    let keys = new Set<string>();
    let members = 0;
    let hasGroup = false;
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.applyChunk(target, chunk, options, summary);
      chunk = [];
      keys = new Set();
      members = 0;
      hasGroup = false;
    };
    for await (const record of records) {
      summary.lines = Math.max(summary.lines, record.line);
      if (record.kind !== 'invalid') {
        const recordKeys = chunkKeys(record);
        const recordMembers = record.kind === 'Group' ? record.members.length : 0;
        // Within a chunk users are written before groups: a user after a group starts a new chunk, so lines apply in file order.
        if ((record.kind === 'User' && hasGroup) || recordKeys.some((key) => keys.has(key)) || chunk.length >= chunkSize || (members > 0 && members + recordMembers > chunkMembers)) await flush();
        for (const key of recordKeys) keys.add(key);
        members += recordMembers;
        hasGroup ||= record.kind === 'Group';
      } else if (chunk.length >= chunkSize) {
        await flush();
      }
      if (summary.errors.length >= maxErrors) break;
      chunk.push(record);
    }
    await flush();
    if (summary.errors.length >= maxErrors) summary.stoppedEarly = true;
    return summary;
  }

  private async applyChunk(target: ImportTarget, records: readonly ImportRecord[], options: ImportOptions, summary: ImportSummary): Promise<void> {
    const firstLine = records[0].line;
    const lastLine = records[records.length - 1].line;
    try {
      const outcome = await this.database.transaction(async (tx) => {
        const errors: LineError[] = records.flatMap((record) => (record.kind === 'invalid' ? [{ line: record.line, reason: record.reason }] : []));
        const runtime = await this.mapping.runtime(tx, target.tenant, target.connection);
        const now = Date.now();
        const users = await this.applyUsers(tx, target, runtime, records.filter((record): record is UserRecord => record.kind === 'User'), now, errors);
        const groups = await this.applyGroups(tx, target, runtime, records.filter((record): record is GroupRecord => record.kind === 'Group'), now, errors);
        if (errors.length > 0) throw new ChunkRejected(errors);
        const counts = {
          users: { created: users.changed.filter((user) => !user.before).length, updated: users.changed.filter((user) => user.before).length, unchanged: users.unchanged },
          groups: { created: groups.changed.filter((group) => !group.before).length, updated: groups.changed.filter((group) => group.before).length, unchanged: groups.unchanged },
          memberships: { added: groups.changed.reduce((total, group) => total + group.added.length, 0), removed: groups.changed.reduce((total, group) => total + group.removed.length, 0) },
        };
        if (users.changed.length > 0 || groups.changed.length > 0) {
          await this.changes.importApplied(tx, options.context, target.tenant.id, {
            users: users.changed,
            groups: groups.changed,
            target: { type: 'connection', id: target.connection.id },
            details: { source: options.source, lines: `${firstLine}-${lastLine}`, ...counts },
          });
        }
        return counts;
      });
      for (const kind of ['users', 'groups'] as const) {
        summary[kind].created += outcome[kind].created;
        summary[kind].updated += outcome[kind].updated;
        summary[kind].unchanged += outcome[kind].unchanged;
      }
      summary.memberships.added += outcome.memberships.added;
      summary.memberships.removed += outcome.memberships.removed;
      summary.chunks.committed += 1;
    } catch (error) {
      if (!(error instanceof ChunkRejected)) throw error;
      summary.errors.push(...error.errors.sort((a, b) => a.line - b.line));
      summary.chunks.rejected.push({ firstLine, lastLine });
    }
  }

  private async applyUsers(tx: Tx, target: ImportTarget, runtime: MappingRuntime, records: readonly UserRecord[], now: number, errors: LineError[]): Promise<{ changed: ImportedUser[]; unchanged: number }> {
    if (records.length === 0) return { changed: [], unchanged: 0 };
    const tenantId = target.tenant.id;
    const names = records.map((record) => foldText(record.write.fields.userName));
    const externalIds = records.flatMap((record) => (record.write.fields.externalId ? [record.write.fields.externalId] : []));
    const existing = new ExistingIndex(await findResourcesByKeys(tx, 'users', tenantId, names, externalIds));
    const inserts: { record: UserRecord; user: StoredUser }[] = [];
    const updates: { record: UserRecord; before: StoredUser; user: StoredUser }[] = [];
    let unchanged = 0;
    for (const record of records) {
      const { fields, raw } = record.write;
      const { match, conflict } = existing.match(foldText(fields.userName), fields.externalId, `userName "${fields.userName}"`);
      if (conflict) {
        errors.push({ line: record.line, reason: conflict });
      } else if (!match) {
        inserts.push({ record, user: { tenantId, id: nextTimeOrderedId().id, raw, version: 1, createdAt: now, updatedAt: now, userName: fields.userName, active: fields.active } });
      } else if (isDeepStrictEqual(match.raw, raw)) {
        unchanged += 1;
      } else {
        const before: StoredUser = { tenantId, id: match.id, raw: match.raw, version: match.version, createdAt: match.createdAt, updatedAt: now, userName: match.raw.userName as string, active: match.active };
        updates.push({ record, before, user: { ...before, raw, version: match.version + 1, updatedAt: now, userName: fields.userName, active: fields.active } });
      }
    }

    if (errors.length > 0) return { changed: [], unchanged };

    await this.users.insertMany(tx, tenantId, inserts.map(({ record, user }) => ({ id: user.id, write: record.write })), now);
    await this.users.updateMany(tx, tenantId, updates.map(({ record, user }) => ({ id: user.id, write: record.write, version: user.version })), now);
    const lines = new Map([...inserts, ...updates].map(({ record, user }) => [user.id, record.line]));
    const outcome = await this.mapping.mapAndStore(
      tx,
      runtime,
      [...inserts.map(({ record, user }) => ({ id: user.id, raw: record.write.raw, isCreate: true })), ...updates.map(({ record, user }) => ({ id: user.id, raw: record.write.raw, isCreate: false }))],
      { actor: { connectionId: target.connection.id }, onFailure: 'skip' },
    );
    for (const failure of outcome.failed) errors.push({ line: lines.get(failure.userId)!, reason: failure.message });
    if (errors.length > 0) return { changed: [], unchanged };
    return {
      changed: [
        ...inserts.map(({ record, user }) => ({ before: null, after: user, fields: record.write.fields })),
        ...updates.map(({ record, before, user }) => ({ before, after: user, fields: record.write.fields, mapped: outcome.changed.get(user.id) })),
      ],
      unchanged,
    };
  }

  private async applyGroups(tx: Tx, target: ImportTarget, runtime: MappingRuntime, records: readonly GroupRecord[], now: number, errors: LineError[]): Promise<{ changed: ImportedGroup[]; unchanged: number }> {
    if (records.length === 0) return { changed: [], unchanged: 0 };
    const tenantId = target.tenant.id;
    const names = records.map((record) => foldText(record.write.fields.displayName));
    const externalIds = records.flatMap((record) => (record.write.fields.externalId ? [record.write.fields.externalId] : []));
    const existing = new ExistingIndex(await findResourcesByKeys(tx, 'groups', tenantId, names, externalIds));
    const resolve = await this.memberResolver(tx, tenantId, records.flatMap((record) => record.members));
    const changed: ImportedGroup[] = [];
    const changedLines: number[] = [];
    const inserts: { record: GroupRecord; group: StoredGroup }[] = [];
    const updates: { record: GroupRecord; group: StoredGroup }[] = [];
    const memberRows: NewMemberRow[] = [];
    let unchanged = 0;
    for (const record of records) {
      const { fields, raw } = record.write;
      const { match, conflict } = existing.match(foldText(fields.displayName), fields.externalId, `displayName "${fields.displayName}"`);
      const { members, unknown } = resolve(record.members);
      if (conflict || unknown.length > 0 || (match && members.has(match.id))) {
        const shown = unknown.slice(0, 5).map((name) => `"${name}"`).join(', ');
        errors.push({ line: record.line, reason: conflict ?? (unknown.length > 0 ? `members must be users or groups of this tenant; unknown: ${shown}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}` : 'a group cannot be a member of itself') });
        continue;
      }
      const id = match?.id ?? nextTimeOrderedId().id;
      const current = match ? await nonRuleMembersOf(tx, tenantId, id) : [];
      const currentIds = new Set(current.map((member) => member.value));
      const added = [...members.values()].filter((member) => !currentIds.has(member.value));
      const removed = current.filter((member) => !members.has(member.value)).map((member) => member.value);
      const before = match ? { tenantId, id, raw: match.raw, version: match.version, createdAt: match.createdAt, updatedAt: now, displayName: match.raw.displayName as string } : null;
      if (before && added.length === 0 && removed.length === 0 && isDeepStrictEqual(match!.raw, raw)) {
        unchanged += 1;
        continue;
      }
      const group: StoredGroup = { tenantId, id, raw, version: before ? before.version + 1 : 1, createdAt: before?.createdAt ?? now, updatedAt: now, displayName: fields.displayName };
      (before ? updates : inserts).push({ record, group });
      for (const member of added) memberRows.push({ tenantId, groupId: id, memberId: member.value, memberType: member.type, display: member.display, source: 'idp', createdAt: now });
      if (removed.length > 0) await this.groups.removeMembers(tx, tenantId, id, removed);
      changedLines.push(record.line);
      changed.push({ before: before && { group: before, fields: { displayName: before.displayName, externalId: match!.externalId } }, after: group, fields, added: added.map((member) => member.value), removed });
    }
    if (errors.length > 0) return { changed: [], unchanged };
    await this.groups.insertMany(tx, tenantId, inserts.map(({ record, group }) => ({ id: group.id, write: record.write })), now);
    await this.groups.updateMany(tx, tenantId, updates.map(({ record, group }) => ({ id: group.id, write: record.write, version: group.version })), now);
    await this.groups.insertMemberRows(tx, memberRows);
    await this.remapMembers(tx, target, runtime, changed.map((group, index) => ({ group, line: changedLines[index] })), errors);
    return { changed, unchanged };
  }

  /**
   * Resolves member references of a chunk's groups in a few statements: hub ids of users or groups,
   * userNames (folded), externalIds (which must name exactly one user).
   */
  private async memberResolver(tx: Tx, tenantId: string, references: readonly ImportMemberReference[]) {
    const ids = new Set<string>();
    const names = new Set<string>();
    const externalIds = new Set<string>();
    for (const reference of references) {
      if ('value' in reference) ids.add(reference.value);
      else if ('userName' in reference) names.add(foldText(reference.userName));
      else externalIds.add(reference.externalId);
    }
    const userIds = await this.users.existingIds(tx, tenantId, [...ids]);
    const groupIds = await this.groups.existingIds(tx, tenantId, [...ids].filter((id) => !userIds.has(id)));
    const byName = await userIdsByNameNorms(tx, tenantId, [...names]);
    const byExternalId = await userIdsByExternalIds(tx, tenantId, [...externalIds]);
    return (list: readonly ImportMemberReference[]) => {
      const members = new Map<string, { value: string; type: 'User' | 'Group'; display: string | null }>();
      const unknown: string[] = [];
      for (const reference of list) {
        const display = reference.display ?? null;
        if ('value' in reference) {
          if (userIds.has(reference.value) || groupIds.has(reference.value)) members.set(reference.value, { value: reference.value, type: userIds.has(reference.value) ? 'User' : 'Group', display });
          else unknown.push(reference.value);
        } else if ('userName' in reference) {
          const id = byName.get(foldText(reference.userName));
          if (id) members.set(id, { value: id, type: 'User', display });
          else unknown.push(`userName ${reference.userName}`);
        } else {
          const holders = byExternalId.get(reference.externalId) ?? [];
          if (holders.length === 1) members.set(holders[0], { value: holders[0], type: 'User', display });
          else unknown.push(holders.length === 0 ? `externalId ${reference.externalId}` : `externalId ${reference.externalId} (held by ${holders.length} users)`);
        }
      }
      return { members, unknown };
    };
  }

  /** When the active mapping reads groups, users whose memberships changed are mapped again (and announced), as a SCIM group PATCH does. */
  private async remapMembers(tx: Tx, target: ImportTarget, runtime: MappingRuntime, groups: readonly { group: ImportedGroup; line: number }[], errors: LineError[]): Promise<void> {
    if (!runtime.compiled.readsGroups) return;
    const tenantId = target.tenant.id;
    /** Each affected user, with the line of the group that affected it (a mapping error is reported there). */
    const affected = new Map<string, number>();
    for (const { group, line } of groups) {
      const renamed = group.before !== null && groupRenamed(group.before.fields, group.fields);
      const everyone = renamed ? (await nonRuleMembersOf(tx, tenantId, group.after.id)).map((member) => member.value) : [];
      for (const id of [...group.added, ...group.removed, ...everyone]) affected.set(id, line);
    }
    const raws = await usersRawByIds(tx, tenantId, [...affected.keys()]);
    const outcome = await this.mapping.mapAndStore(tx, runtime, [...raws].map(([id, raw]) => ({ id, raw, isCreate: false })), {
      actor: { connectionId: target.connection.id },
      onFailure: 'skip',
      announce: 'groups',
    });
    for (const failure of outcome.failed) errors.push({ line: affected.get(failure.userId)!, reason: failure.message });
  }
}
