import { DomainError } from '../domain/errors';
import { applyMapping, type MappingResult, type ValueProvenance } from '../domain/mapping/apply-mapping';
import { compileMappingSet } from '../domain/mapping/compile-mapping-set';
import { checkDomainSchema, type DomainSchema } from '../domain/mapping/domain-schema';
import type { CompiledMappingSet, MappingIssue, MappingSetDefinition } from '../domain/mapping/mapping-set';
import { foldForMatching, type DomainValue } from '../domain/mapping/mapping-values';
import type { OptionList, OptionValue } from '../domain/mapping/option-list';
import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../domain/mapping/presets';
import type { FieldChange, MappedChangeCause } from '../domain/events';
import type { Connection, Tenant } from '../domain/tenants/tenant';
import { resolvesManagerByExternalId } from '../domain/tenants/dialect';
import { foldText, valueKey } from '../domain/text';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository, type NewMemberRow } from '../persistence/repositories/group.repository';
import { MappingRepository, mappingChanges, type StoredOptionValue, type StoredUserValue, type ValueChanges } from '../persistence/repositories/mapping.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { UserRepository, type UserIdentity } from '../persistence/repositories/user.repository';
import type { ChangeRecorder, MappedChanges } from './change-recorder';
import { TimeSlices } from './time-slices';

/**
 * An option list as a schema version declares it: its policy and, optionally, the values it starts
 * with (text, or `{ value, aliases }`). Values live in rows once the version is active: declared ones
 * are added there (approved), the IdP's and the admin's later ones join them.
 */
export interface OptionListPolicy extends Omit<OptionList, 'values'> {
  readonly values?: readonly (string | OptionValue)[];
}

/** What a schema version stores: the fields and the option lists' policies. */
export interface SchemaVersionDefinition {
  readonly schema: DomainSchema;
  readonly optionLists: readonly OptionListPolicy[];
}

/** The values a schema version declares for its lists, as option values. */
export function declaredOptionLists(definition: SchemaVersionDefinition): OptionList[] {
  return definition.optionLists.map((policy) => ({ ...policy, values: (policy.values ?? []).map((value) => (typeof value === 'string' ? { value } : value)) }));
}

/** Everything a SCIM write needs to map a user: the compiled active set and the option lists as they are now. */
export interface MappingRuntime {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly mappingVersion: number;
  readonly schemaVersion: number;
  readonly schema: DomainSchema;
  readonly compiled: CompiledMappingSet;
  readonly optionLists: OptionList[];
  /** Whether a mapped manager that names no user id names one by externalId (the connection's dialect decides). */
  readonly managerByExternalId: boolean;
}

/** A group of the user as the mapping reads it. */
export interface MappingGroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

/**
 * A user to map: its raw resource as stored after the write, and whether the write created it (it then
 * has no values yet). Its identity, when the caller read it already, names it in announcements.
 */
export interface UserToMap {
  readonly id: string;
  readonly raw: Record<string, unknown>;
  readonly isCreate: boolean;
  readonly identity?: UserIdentity;
}

export interface MapAndStoreResult {
  /** Existing users whose mapped values changed, by id: the fields with before/after, and the version that wrote them. */
  readonly changed: ReadonlyMap<string, MappedChanges>;
  /** Users whose values failed validation; they keep their stored values (and rule memberships). */
  readonly failed: readonly { readonly userId: string; readonly message: string }[];
  /** Users whose stored rows changed (a value, or only the version that produced it). */
  readonly written: number;
}

export interface MapAndStoreOptions {
  readonly actor: MappingActor;
  /** throw: a user that fails validation fails the call (INVALID_INPUT, a SCIM write's 400); skip: it is reported in `failed`. */
  readonly onFailure: 'throw' | 'skip';
  /**
   * Announce each user whose mapped values changed as user.updated with this cause (re-apply, group
   * change, option list edit). A SCIM write or an import leaves it out: it names the changes in its own event.
   */
  readonly announce?: MappedChangeCause;
  /** What `readMappingInputs` read for these users, when the caller started that read earlier (in the same round trip as its own reads). */
  readonly inputs?: Promise<MappingInputs>;
}

/** What mapping existing users reads first: their stored values and, when the mapping reads groups, their groups. */
export interface MappingInputs {
  readonly storedRows: ReadonlyMap<string, StoredUserValue[]>;
  readonly groups: ReadonlyMap<string, MappingGroupRef[]>;
}

export interface MappingActor {
  readonly connectionId: string;
  readonly requestId?: string;
}

/** How long another process's mapping change may go unseen by this one's writes. */
const RUNTIME_TTL_MS = 5_000;
const SEED_AUTHOR = 'system (tenant defaults)';

function valueText(value: string | number | boolean): string {
  return valueKey(String(value));
}

/** Stored value rows of one field: one per element of a multi-valued field, each with its provenance. */
function toRows(fieldKey: string, value: DomainValue, provenance: ValueProvenance, elements: readonly ValueProvenance[] | undefined, now: number) {
  const items = Array.isArray(value) ? value : value === null ? [] : [value];
  return items.map((item, position) => {
    const origin = elements?.[position] ?? provenance;
    return {
      fieldKey,
      position,
      value: item,
      valueText: valueText(item),
      ruleId: origin.ruleId,
      mappingVersion: origin.mappingVersion,
      sourcePath: origin.sourcePath,
      rawValue: origin.rawValue,
      updatedAt: now,
    };
  });
}

/** A user's value rows after a mapping: the fields it wrote replace their rows, the others keep theirs. */
export function valueRowsAfter(storedRows: readonly StoredUserValue[], result: MappingResult, now: number): Omit<StoredUserValue, 'userId'>[] {
  const kept = storedRows.filter((row) => !(row.fieldKey in result.values));
  const written = Object.entries(result.values).flatMap(([fieldKey, mapped]) => toRows(fieldKey, mapped.value, mapped.provenance, mapped.elementProvenance, now));
  return [...kept, ...written];
}

/** Option values a mapping added, waiting for an admin's review. */
export function optionValuesAdded(result: MappingResult, actor: MappingActor, now: number): StoredOptionValue[] {
  return result.optionAdditions.map((addition) => ({
    listKey: addition.list,
    value: addition.value,
    valueNorm: foldForMatching(addition.value),
    aliases: [],
    reviewStatus: 'pending',
    addedBy: `connection:${actor.connectionId}`,
    addedAt: now,
    sourceRequestId: actor.requestId ?? null,
    sourceRuleId: addition.ruleId,
  }));
}

/** The keys of a schema's multi-valued fields, once per schema object. */
const multiValuedKeys = new WeakMap<DomainSchema, ReadonlySet<string>>();

function multiValuedOf(schema: DomainSchema): ReadonlySet<string> {
  let keys = multiValuedKeys.get(schema);
  if (keys === undefined) {
    keys = new Set(schema.fields.filter((field) => field.multiValued).map((field) => field.key));
    multiValuedKeys.set(schema, keys);
  }
  return keys;
}

/** Stored rows -> the `current` values applyMapping reads (for createOnly, ifEmpty and onNull: keep). */
export function currentValues(schema: DomainSchema, rows: readonly Pick<StoredUserValue, 'fieldKey' | 'value'>[]): Record<string, DomainValue> {
  if (rows.length === 0) return {};
  const multiValued = multiValuedOf(schema);
  const values: Record<string, DomainValue> = {};
  for (const row of rows) {
    const item = row.value as string | number | boolean;
    if (multiValued.has(row.fieldKey)) values[row.fieldKey] = [...((values[row.fieldKey] as (string | number | boolean)[] | undefined) ?? []), item];
    else values[row.fieldKey] = item;
  }
  return values;
}

function rowKey(row: ValueRow): string {
  return `${row.fieldKey}\u0000${row.position}`;
}

type ValueRow = Omit<StoredUserValue, 'userId'>;

function sameJson(left: unknown, right: unknown): boolean {
  return left === right || JSON.stringify(left ?? null) === JSON.stringify(right ?? null);
}

/** Equal apart from the version that produced them (and when they were written); a stored null and an absent provenance part are equal. */
function sameButVersion(left: ValueRow, right: ValueRow): boolean {
  return (
    left.value === right.value &&
    left.valueText === right.valueText &&
    (left.ruleId ?? null) === (right.ruleId ?? null) &&
    (left.sourcePath ?? null) === (right.sourcePath ?? null) &&
    sameJson(left.rawValue, right.rawValue)
  );
}

/**
 * What turns a user's stored rows into `rows`, added to `changes`: rows only re-stamped with the new
 * version (most of them when a new version changes one field), rows to insert, stored rows to delete.
 * Returns whether anything is to be written for the user, and the fields whose rows are rewritten.
 */
export function addValueChanges(changes: ValueChanges, userId: string, stored: readonly ValueRow[], rows: readonly ValueRow[], version: number): { written: boolean; rewritten: Set<string> } {
  const sizes = changes.restamped.length + changes.inserted.length + changes.deleted.length;
  const rewritten = new Set<string>();
  const before = new Map(stored.map((row) => [rowKey(row), row]));
  for (const row of rows) {
    const old = before.get(rowKey(row));
    before.delete(rowKey(row));
    if (old && sameButVersion(old, row)) {
      if (old.mappingVersion !== row.mappingVersion) changes.restamped.push({ userId, fieldKey: row.fieldKey, position: row.position, mappingVersion: version });
      continue;
    }
    if (old) changes.deleted.push({ userId, fieldKey: old.fieldKey, position: old.position });
    changes.inserted.push({ ...row, userId });
    rewritten.add(row.fieldKey);
  }
  for (const old of before.values()) {
    changes.deleted.push({ userId, fieldKey: old.fieldKey, position: old.position });
    rewritten.add(old.fieldKey);
  }
  return { written: changes.restamped.length + changes.inserted.length + changes.deleted.length > sizes, rewritten };
}

/**
 * Of the fields in `keys` (those whose rows are rewritten), the ones whose value differs between the
 * stored values and the new rows, with both (an absent field is null; a row may be rewritten only for
 * its provenance).
 */
export function changedFields(schema: DomainSchema, before: Record<string, DomainValue>, rows: readonly ValueRow[], keys: ReadonlySet<string>): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  if (keys.size === 0) return changes;
  const after = currentValues(schema, rows.filter((row) => keys.has(row.fieldKey)));
  for (const key of keys) {
    const old = before[key] ?? null;
    const now = after[key] ?? null;
    if (!sameJson(old, now)) changes[key] = { before: old, after: now };
  }
  return changes;
}

/** Compile errors as one line: `rule 'role' (field appRoles): message; ...`. */
export function describeIssues(issues: readonly MappingIssue[]): string {
  return issues
    .map((issue) => {
      const where = [issue.ruleId === undefined ? undefined : `rule '${issue.ruleId}'`, issue.field === undefined ? undefined : `field ${issue.field}`].filter(Boolean).join(', ');
      return `${where === '' ? issue.path.join('.') : where}: ${issue.message}`;
    })
    .join('; ');
}

/** Value rows by user. */
export function groupRows(rows: readonly StoredUserValue[]): Map<string, StoredUserValue[]> {
  const byUser = new Map<string, StoredUserValue[]>();
  for (const row of rows) {
    const list = byUser.get(row.userId);
    if (list) list.push(row);
    else byUser.set(row.userId, [row]);
  }
  return byUser;
}

/**
 * The tenant's mapping at work: seeds a new tenant's defaults, compiles and caches the active mapping
 * set of each connection, and maps and stores users (mapAndStore) for every path that changes them:
 * SCIM writes, group changes, bulk imports, re-applies and option list edits.
 */
export class MappingService {
  private readonly mappings = new MappingRepository();
  private readonly groups = new GroupRepository();
  private readonly users = new UserRepository();
  private readonly tenants = new TenantRepository();
  /** Compiled sets by tenant, connection, mapping and schema version: versions are immutable. */
  private readonly compiled = new Map<string, CompiledMappingSet>();
  /** Runtimes by tenant and connection, with the change generation they were loaded at. */
  private readonly runtimes = new Map<string, { runtime: MappingRuntime; generation: number; until: number }>();

  constructor(
    private readonly database: Database,
    private readonly changes: ChangeRecorder,
  ) {}

  /**
   * Writes the seeds' defaults (schema v1, the dialect's preset as mapping v1, active) where the tenant
   * or connection has none: called when a tenant is created, in its transaction.
   */
  async seedDefaults(tx: Tx, tenant: Tenant, connection: Connection): Promise<void> {
    const now = Date.now();
    const urn = customSchemaUrnFor(tenant.slug);
    if (!(await this.mappings.latestSchema(tx, tenant.id))) {
      const definition: SchemaVersionDefinition = {
        schema: createDefaultDomainSchema(urn),
        optionLists: createDefaultOptionLists().map(({ values: _values, ...policy }) => policy),
      };
      await this.mappings.insertSchemaVersion(
        tx,
        tenant.id,
        { version: 1, definition: definition as unknown as Record<string, unknown>, state: 'active', author: SEED_AUTHOR, comment: 'preset', createdAt: now },
        { ifAbsent: true },
      );
    }
    if ((await this.mappings.activeMappingVersion(tx, tenant.id, connection.id)) === null) {
      const definition = createPresetMappingSet(connection.dialect, urn);
      await this.mappings.insertMappingSet(
        tx,
        {
          tenantId: tenant.id,
          connectionId: connection.id,
          version: 1,
          definition: definition as unknown as Record<string, unknown>,
          state: 'active',
          schemaVersion: 1,
          author: SEED_AUTHOR,
          comment: `${connection.dialect} preset`,
          report: null,
          createdAt: now,
          validatedAt: now,
          activatedAt: now,
        },
        { ifAbsent: true },
      );
      await this.mappings.setActiveMappingVersion(tx, tenant.id, connection.id, 1);
    }
  }

  async loadSchema(tx: Tx, tenantId: string, version: number): Promise<SchemaVersionDefinition> {
    const stored = await this.mappings.findSchema(tx, tenantId, version);
    if (!stored) throw new Error(`domain schema version ${version} of tenant ${tenantId} is missing`);
    return stored.definition as unknown as SchemaVersionDefinition;
  }

  /** The lists with their stored values; retired values no longer match (an IdP sending one meets the list's policy). */
  async loadOptionLists(tx: Tx, tenantId: string, policies: SchemaVersionDefinition['optionLists']): Promise<OptionList[]> {
    const values = await this.mappings.optionValues(tx, tenantId);
    return policies.map(({ values: _declared, ...policy }) => ({
      ...policy,
      values: values.filter((value) => value.listKey === policy.key && value.reviewStatus !== 'retired').map((value) => ({ value: value.value, aliases: value.aliases })),
    }));
  }

  /** Adds the values a schema version declares to its lists (approved; values already there stay as they are). */
  async storeDeclaredOptionValues(tx: Tx, tenantId: string, definition: SchemaVersionDefinition, author: string): Promise<void> {
    const now = Date.now();
    const values = declaredOptionLists(definition).flatMap((list) =>
      list.values.map((option): StoredOptionValue => ({
        listKey: list.key,
        value: option.value,
        valueNorm: foldForMatching(option.value),
        aliases: [...(option.aliases ?? [])],
        reviewStatus: 'approved',
        addedBy: author,
        addedAt: now,
        sourceRequestId: null,
        sourceRuleId: null,
      })),
    );
    if (values.length > 0) await this.mappings.insertOptionValues(tx, tenantId, values);
  }

  /**
   * The active mapping of a connection with the option lists as this transaction sees them (no cache):
   * for re-mapping users after an option list edit made in the same transaction.
   */
  async currentRuntime(tx: Tx, tenant: Tenant, connection: Connection): Promise<MappingRuntime> {
    return this.loadRuntime(tx, tenant, connection);
  }

  /** Seeds the defaults of connections created before tenants were seeded at creation (run after migrations). */
  async seedMissingDefaults(): Promise<number> {
    const unseeded = await this.database.read((tx) => this.tenants.connectionsWithoutActiveMapping(tx));
    for (const { tenant, connection } of unseeded) await this.database.transaction((tx) => this.seedDefaults(tx, tenant, connection));
    return unseeded.length;
  }

  /** Moves when this process commits a change to the tenant's schemas, option values or mapping sets: caches of what they compile to compare it. */
  changeGeneration(tenantId: string): number {
    return mappingChanges.generation(tenantId);
  }

  /** The active schema of a tenant. */
  async activeSchema(tenantId: string): Promise<DomainSchema> {
    return (await this.database.read((tx) => this.activeDefinition(tx, tenantId))).schema;
  }

  /** The active schema version's definition (schema and option-list policies). */
  async activeDefinition(tx: Tx, tenantId: string): Promise<SchemaVersionDefinition & { readonly version: number }> {
    const stored = await this.mappings.latestSchema(tx, tenantId);
    if (!stored) throw new Error(`tenant ${tenantId} has no active domain schema (its defaults were not seeded)`);
    return { ...(stored.definition as unknown as SchemaVersionDefinition), version: stored.version };
  }

  /**
   * The connection's active mapping, compiled, with the tenant's option lists. Cached per tenant and
   * connection: a change committed in this process (new version, activation, option values) drops it
   * at once; one committed by another process is seen within RUNTIME_TTL_MS.
   */
  async runtime(tx: Tx, tenant: Tenant, connection: Connection): Promise<MappingRuntime> {
    const key = `${tenant.id}:${connection.id}`;
    const generation = mappingChanges.generation(tenant.id);
    const now = Date.now();
    const hit = this.runtimes.get(key);
    if (hit && hit.generation === generation && hit.until > now) return hit.runtime;
    const runtime = await this.loadRuntime(tx, tenant, connection);
    // Only what committed is cached.
    tx.afterCommit(() => this.runtimes.set(key, { runtime, generation, until: now + RUNTIME_TTL_MS }));
    return runtime;
  }

  private async loadRuntime(tx: Tx, tenant: Tenant, connection: Connection): Promise<MappingRuntime> {
    const pointer = await this.mappings.activeMappingPointer(tx, tenant.id, connection.id);
    if (!pointer) throw new Error(`connection ${connection.id} has no active mapping set (its defaults were not seeded)`);
    // The active mapping runs under the active schema (activations check that it fits).
    const schema = await this.mappings.latestSchema(tx, tenant.id);
    return this.compiledRuntime(tx, tenant.id, connection, pointer.version, schema?.version ?? pointer.schemaVersion, async () => {
      const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, pointer.version);
      return stored!.definition as unknown as MappingSetDefinition;
    });
  }

  /** Any stored version of the connection's mapping set, compiled under the active schema, the one it would run under (impact diffs of drafts). */
  async versionRuntime(tx: Tx, tenant: Tenant, connection: Connection, version: number): Promise<MappingRuntime> {
    const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, version);
    if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version} does not exist`);
    const schema = await this.mappings.latestSchema(tx, tenant.id);
    return this.compiledRuntime(tx, tenant.id, connection, version, schema?.version ?? stored.schemaVersion, async () => stored.definition as unknown as MappingSetDefinition);
  }

  private async compiledRuntime(tx: Tx, tenantId: string, connection: Connection, version: number, schemaVersion: number, definitionOf: () => Promise<MappingSetDefinition>): Promise<MappingRuntime> {
    const definition = await this.loadSchema(tx, tenantId, schemaVersion);
    const optionLists = await this.loadOptionLists(tx, tenantId, definition.optionLists);
    const key = `${tenantId}:${connection.id}:${version}:${schemaVersion}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      const result = compileMappingSet(await definitionOf(), definition.schema, optionLists);
      if (!result.ok) throw new DomainError('INVALID_INPUT', `mapping version ${version} does not compile: ${result.errors[0]?.message}`);
      compiled = result.mappingSet;
      this.compiled.set(key, compiled);
    }
    return {
      tenantId,
      connectionId: connection.id,
      mappingVersion: version,
      schemaVersion,
      schema: definition.schema,
      compiled,
      optionLists,
      managerByExternalId: resolvesManagerByExternalId(connection.dialect),
    };
  }

  /**
   * The one pipeline that maps users and stores the outcome, in the caller's transaction: stored values
   * (and, when the mapping reads groups, the groups) read for all users at once, each user mapped, and
   * the differences written in one family of multi-row statements (rows inserted, deleted or only
   * re-stamped with the version), with the option values the mapping added and the rule-granted
   * memberships. Users whose mapped values changed are announced when `options.announce` says so.
   */
  async mapAndStore(tx: Tx, runtime: MappingRuntime, users: readonly UserToMap[], options: MapAndStoreOptions): Promise<MapAndStoreResult> {
    const { tenantId } = runtime;
    const { storedRows, groups } = await (options.inputs ?? this.readMappingInputs(tx, runtime, users.filter((user) => !user.isCreate).map((user) => user.id)));
    const now = Date.now();
    const changed = new Map<string, MappedChanges>();
    const failed: { userId: string; message: string }[] = [];
    const changes: ValueChanges = { restamped: [], inserted: [], deleted: [] };
    const additions = new Map<string, StoredOptionValue>();
    const grants = new Map<string, string[]>();
    let written = 0;
    // A re-apply, group re-map or import batch maps hundreds of users: other tenants' requests run between slices.
    const slices = new TimeSlices();
    const mapped: { user: UserToMap; stored: StoredUserValue[]; before: Record<string, DomainValue>; result: MappingResult }[] = [];
    for (const user of users) {
      await slices.yieldIfDue();
      const stored = storedRows.get(user.id) ?? [];
      const before = currentValues(runtime.schema, stored);
      const result = applyMapping(
        runtime.compiled,
        { raw: user.raw, groups: groups.get(user.id) ?? [], current: before, isCreate: user.isCreate },
        { optionLists: runtime.optionLists, mappingVersion: runtime.mappingVersion },
      );
      mapped.push({ user, stored, before, result });
    }
    if (runtime.managerByExternalId) await this.resolveManagers(tx, tenantId, mapped);
    for (const { user, stored, before, result } of mapped) {
      if (result.errors.length > 0) {
        const message = result.errors.map((error) => error.message).join('; ');
        if (options.onFailure === 'throw') throw new DomainError('INVALID_INPUT', message);
        failed.push({ userId: user.id, message });
        continue;
      }
      const rows = valueRowsAfter(stored, result, now);
      const rowChanges = addValueChanges(changes, user.id, stored, rows, runtime.mappingVersion);
      if (rowChanges.written) written += 1;
      // A created user is announced by user.created; only an existing user's values change.
      const fields = user.isCreate ? {} : changedFields(runtime.schema, before, rows, rowChanges.rewritten);
      if (Object.keys(fields).length > 0) changed.set(user.id, { changes: fields, mappingVersion: runtime.mappingVersion });
      for (const addition of optionValuesAdded(result, options.actor, now)) additions.set(`${addition.listKey}\u0000${addition.valueNorm}`, addition);
      if (result.groupGrants.length > 0) grants.set(user.id, [...new Set(result.groupGrants.map((grant) => foldText(grant.group)))]);
    }
    await this.mappings.applyValueChanges(tx, tenantId, changes, now);
    if (additions.size > 0) await this.mappings.insertOptionValues(tx, tenantId, [...additions.values()]);
    const failedIds = new Set(failed.map((failure) => failure.userId));
    await this.storeRuleMemberships(tx, tenantId, users.filter((user) => !failedIds.has(user.id)), grants, now);
    if (options.announce !== undefined) await this.announce(tx, tenantId, users, changed, options.announce);
    return { changed, failed, written };
  }

  /** The stored values (and groups, when the mapping reads them) of existing users, read together: one round trip on PostgreSQL. */
  async readMappingInputs(tx: Tx, runtime: MappingRuntime, existingIds: readonly string[]): Promise<MappingInputs> {
    if (existingIds.length === 0) return { storedRows: new Map(), groups: new Map() };
    const [values, groups] = await Promise.all([
      this.mappings.userValues(tx, runtime.tenantId, existingIds),
      runtime.compiled.readsGroups ? this.groups.groupsOfMembers(tx, runtime.tenantId, existingIds) : new Map<string, MappingGroupRef[]>(),
    ]);
    return { storedRows: groupRows(values), groups };
  }

  /**
   * Mapped managers that name no user id but exactly one user's externalId (OneLogin sends its own user
   * ids) become that user's id, so GraphQL's manager and directReports follow them.
   */
  private async resolveManagers(tx: Tx, tenantId: string, mapped: { result: MappingResult }[]): Promise<void> {
    const references = [...new Set(mapped.flatMap(({ result }) => (typeof result.values.manager?.value === 'string' ? [result.values.manager.value] : [])))];
    if (references.length === 0) return;
    const resolved = await this.users.idsByExternalIdReference(tx, tenantId, references);
    for (const entry of mapped) {
      const manager = entry.result.values.manager;
      const id = typeof manager?.value === 'string' ? resolved.get(manager.value) : undefined;
      if (manager && id !== undefined) entry.result = { ...entry.result, values: { ...entry.result.values, manager: { ...manager, value: id } } };
    }
  }

  /** Each mapped user's rule-granted memberships become exactly what the mapping grants now (only existing groups are granted). */
  private async storeRuleMemberships(tx: Tx, tenantId: string, users: readonly UserToMap[], grants: ReadonlyMap<string, string[]>, now: number): Promise<void> {
    // A new user has no rule memberships to take away.
    await this.groups.removeRuleMembershipsOf(tx, tenantId, users.filter((user) => !user.isCreate && !grants.has(user.id)).map((user) => user.id));
    if (grants.size === 0) return;
    const groupIds = await this.groups.idsByFoldedNames(tx, tenantId, [...new Set([...grants.values()].flat())]);
    const created: NewMemberRow[] = [];
    for (const user of users) {
      const names = grants.get(user.id);
      if (names === undefined) continue;
      const ids = names.flatMap((name) => groupIds.get(name) ?? []);
      if (!user.isCreate) await this.groups.setRuleMemberships(tx, tenantId, user.id, ids, now);
      else for (const groupId of ids) created.push({ tenantId, groupId, memberId: user.id, memberType: 'User', display: null, source: 'rule', createdAt: now });
    }
    await this.groups.insertMemberRows(tx, created);
  }

  private async announce(tx: Tx, tenantId: string, users: readonly UserToMap[], changed: ReadonlyMap<string, MappedChanges>, cause: MappedChangeCause): Promise<void> {
    if (changed.size === 0) return;
    const known = users.filter((user) => user.identity !== undefined && changed.has(user.id)).map((user) => user.identity!);
    const knownIds = new Set(known.map((identity) => identity.id));
    const unknown = [...changed.keys()].filter((id) => !knownIds.has(id));
    const identities = unknown.length === 0 ? known : [...known, ...(await this.users.identities(tx, tenantId, unknown))];
    await this.changes.usersRemapped(
      tx,
      tenantId,
      identities.map((identity) => ({ user: identity, mapped: changed.get(identity.id)! })),
      cause,
    );
  }

  /**
   * Stores a new version of the tenant's domain schema (admin-defined fields, option-list policies) and
   * makes it the active one. Mapping sets compile against it from their next version on.
   */
  async publishDomainSchema(tenant: Tenant, definition: SchemaVersionDefinition, author: string, comment?: string): Promise<number> {
    const issues = checkDomainSchema(definition.schema, declaredOptionLists(definition));
    if (issues.length > 0) {
      throw new DomainError('INVALID_INPUT', `the domain schema is invalid: ${issues.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; ')}`);
    }
    return this.database.transaction(async (tx) => {
      const current = await this.mappings.latestSchema(tx, tenant.id);
      const version = await this.mappings.nextSchemaVersion(tx, tenant.id);
      await this.checkActiveMappingsFit(tx, tenant.id, definition, version);
      await this.storeDeclaredOptionValues(tx, tenant.id, definition, author);
      await this.mappings.insertSchemaVersion(tx, tenant.id, {
        version,
        definition: definition as unknown as Record<string, unknown>,
        state: 'active',
        author,
        comment: comment ?? null,
        createdAt: Date.now(),
      });
      if (current) await this.mappings.setSchemaState(tx, tenant.id, current.version, 'superseded');
      return version;
    });
  }

  /**
   * Compiles a mapping set against the tenant's active schema and, when it compiles, stores it as the
   * connection's next version and makes it the active one in the same transaction (the pointer swap).
   * Errors name the rule and, inside expressions, the position.
   */
  async publishMappingSet(tenant: Tenant, connection: Connection, definition: MappingSetDefinition, author: string, comment?: string): Promise<number> {
    return this.database.transaction(async (tx) => {
      const schema = await this.mappings.latestSchema(tx, tenant.id);
      const schemaDefinition = schema!.definition as unknown as SchemaVersionDefinition;
      const optionLists = await this.loadOptionLists(tx, tenant.id, schemaDefinition.optionLists);
      const result = compileMappingSet(definition, schemaDefinition.schema, optionLists);
      if (!result.ok) {
        const located = result.errors.map((issue) => `${issue.path.join('.')}${issue.position ? ` (line ${issue.position.line}, column ${issue.position.column})` : ''}: ${issue.message}`);
        throw new DomainError('INVALID_INPUT', `the mapping set does not compile: ${located.join('; ')}`);
      }
      const now = Date.now();
      const version = await this.mappings.nextMappingVersion(tx, tenant.id, connection.id);
      const previous = await this.mappings.activeMappingVersion(tx, tenant.id, connection.id);
      await this.mappings.insertMappingSet(tx, {
        tenantId: tenant.id,
        connectionId: connection.id,
        version,
        definition: definition as unknown as Record<string, unknown>,
        state: 'active',
        schemaVersion: schema!.version,
        author,
        comment: comment ?? null,
        report: null,
        createdAt: now,
        validatedAt: now,
        activatedAt: now,
      });
      if (previous !== null) await this.mappings.updateMappingSetState(tx, tenant.id, connection.id, previous, { state: 'superseded' });
      await this.mappings.setActiveMappingVersion(tx, tenant.id, connection.id, version);
      return version;
    });
  }

  /**
   * Why `mapping` cannot run under `schema` (fields or enum values it writes that the schema lacks,
   * option values its lists refuse, ...): the compiler's errors, each naming the rule and the field.
   */
  async misfits(tx: Tx, tenantId: string, mapping: MappingSetDefinition, schema: SchemaVersionDefinition): Promise<MappingIssue[]> {
    const optionLists = await this.loadOptionLists(tx, tenantId, schema.optionLists);
    const result = compileMappingSet(mapping, schema.schema, optionLists);
    return result.ok ? [] : [...result.errors];
  }

  /** Why the active mapping of each of the tenant's connections cannot run under `schema`: one message per problem, naming the mapping version, rule and field. */
  async activeMappingMisfits(tx: Tx, tenantId: string, schema: SchemaVersionDefinition): Promise<string[]> {
    const problems: string[] = [];
    for (const connection of await this.tenants.listConnections(tx, tenantId)) {
      const active = await this.mappings.activeMappingVersion(tx, tenantId, connection.id);
      const stored = active === null ? undefined : await this.mappings.findMappingSet(tx, tenantId, connection.id, active);
      if (!stored) continue;
      for (const issue of await this.misfits(tx, tenantId, stored.definition as unknown as MappingSetDefinition, schema)) {
        problems.push(`the active mapping (version ${stored.version}) does not fit: ${describeIssues([issue])}`);
      }
    }
    return problems;
  }

  /** Refuses a schema under which the active mapping of a tenant's connection would write what the schema does not have. */
  async checkActiveMappingsFit(tx: Tx, tenantId: string, schema: SchemaVersionDefinition, schemaVersion: number): Promise<void> {
    const problems = await this.activeMappingMisfits(tx, tenantId, schema);
    if (problems.length > 0) throw new DomainError('INVALID_INPUT', `domain schema version ${schemaVersion}: ${problems.join('; ')}`);
  }

  /** The tenant's active schema and its option lists with their values: what a mapping file is validated against. */
  async activeSchemaAndLists(tenantId: string): Promise<{ schema: DomainSchema; optionLists: OptionList[] }> {
    return this.database.read(async (tx) => {
      const definition = await this.activeDefinition(tx, tenantId);
      return { schema: definition.schema, optionLists: await this.loadOptionLists(tx, tenantId, definition.optionLists) };
    });
  }

  /** Mapped values of many users (GraphQL and explain read them). */
  async valuesOf(tenantId: string, userIds: readonly string[]): Promise<StoredUserValue[]> {
    return this.database.read((tx) => this.mappings.userValues(tx, tenantId, userIds));
  }
}
