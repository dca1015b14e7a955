import { DomainError } from '../domain/errors';
import { applyMapping, type MappingResult, type ValueProvenance } from '../domain/mapping/apply-mapping';
import { compileMappingSet } from '../domain/mapping/compile-mapping-set';
import { checkDomainSchema, type DomainSchema } from '../domain/mapping/domain-schema';
import type { MappingSetDefinition, CompiledMappingSet } from '../domain/mapping/mapping-set';
import { foldForMatching, type DomainValue } from '../domain/mapping/mapping-values';
import type { OptionList } from '../domain/mapping/option-list';
import { createDefaultDomainSchema, createDefaultOptionLists, createPresetMappingSet, customSchemaUrnFor } from '../domain/mapping/presets';
import type { Connection, Tenant } from '../domain/tenants/tenant';
import { foldText } from '../domain/text';
import type { Database, Tx } from '../persistence/database';
import { GroupRepository } from '../persistence/repositories/group.repository';
import { MappingRepository, mappingChanges, type StoredOptionValue, type StoredUserValue } from '../persistence/repositories/mapping.repository';

/** What a schema version stores: the fields and the option lists' policies (their values live in rows). */
export interface SchemaVersionDefinition {
  readonly schema: DomainSchema;
  readonly optionLists: readonly Omit<OptionList, 'values'>[];
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
}

/** A group of the user as the mapping reads it. */
export interface MappingGroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

/** The outcome of mapping one user, ready to store. */
export interface MappedUser {
  readonly result: MappingResult;
  readonly now: number;
  readonly rows: readonly Omit<StoredUserValue, 'userId'>[];
  readonly optionAdditions: readonly StoredOptionValue[];
  /** Folded display names of the groups the assignment rules grant (only existing groups are granted). */
  readonly grantedGroups: readonly string[];
}

export interface MappingActor {
  readonly connectionId: string;
  readonly requestId?: string;
}

const VALUE_TEXT_LIMIT = 1024;
/** How long another process's mapping change may go unseen by this one's writes. */
const RUNTIME_TTL_MS = 5_000;
const SEED_AUTHOR = 'system (tenant defaults)';

function valueText(value: string | number | boolean): string {
  return foldText(String(value)).slice(0, VALUE_TEXT_LIMIT);
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

/** Stored rows -> the `current` values applyMapping reads (for createOnly, ifEmpty and onNull: keep). */
export function currentValues(schema: DomainSchema, rows: readonly StoredUserValue[]): Record<string, DomainValue> {
  // A new user (every line of an initial import) has none: skip building the schema's field set.
  if (rows.length === 0) return {};
  const multiValued = new Set(schema.fields.filter((field) => field.multiValued).map((field) => field.key));
  const values: Record<string, DomainValue> = {};
  for (const row of rows) {
    const item = row.value as string | number | boolean;
    if (multiValued.has(row.fieldKey)) values[row.fieldKey] = [...((values[row.fieldKey] as (string | number | boolean)[] | undefined) ?? []), item];
    else values[row.fieldKey] = item;
  }
  return values;
}

/**
 * Applies a connection's active mapping set on every SCIM write of a user, inside the write's
 * transaction: the mapped values (with provenance), auto-added option values and rule-granted group
 * memberships commit together with the raw resource, or not at all.
 */
export class MappingService {
  private readonly mappings = new MappingRepository();
  private readonly groups = new GroupRepository();
  /** Compiled sets by tenant, connection, mapping and schema version: versions are immutable. */
  private readonly compiled = new Map<string, CompiledMappingSet>();
  private readonly readsGroups = new WeakMap<CompiledMappingSet, boolean>();
  /** Runtimes by tenant and connection, with the change generation they were loaded at. */
  private readonly runtimes = new Map<string, { runtime: MappingRuntime; generation: number; until: number }>();

  constructor(private readonly database: Database) {}

  /** Writes the seeds' defaults (schema v1, the dialect's preset as mapping v1, active) when a tenant has none. */
  private async seedDefaults(tx: Tx, tenant: Tenant, connection: Connection): Promise<void> {
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

  async loadOptionLists(tx: Tx, tenantId: string, policies: SchemaVersionDefinition['optionLists']): Promise<OptionList[]> {
    const values = await this.mappings.optionValues(tx, tenantId);
    return policies.map((policy) => ({
      ...policy,
      values: values.filter((value) => value.listKey === policy.key).map((value) => ({ value: value.value, aliases: value.aliases })),
    }));
  }

  /** The active schema of a tenant, seeding the defaults on first use. */
  async activeSchema(tenant: Tenant, connection: Connection): Promise<DomainSchema> {
    return this.database.transaction(async (tx) => {
      await this.seedDefaults(tx, tenant, connection);
      const stored = await this.mappings.latestSchema(tx, tenant.id);
      return (stored!.definition as unknown as SchemaVersionDefinition).schema;
    });
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
    // Only what committed is cached: defaults seeded by a transaction that rolls back are not.
    tx.afterCommit(() => this.runtimes.set(key, { runtime, generation, until: now + RUNTIME_TTL_MS }));
    return runtime;
  }

  private async loadRuntime(tx: Tx, tenant: Tenant, connection: Connection): Promise<MappingRuntime> {
    let pointer = await this.mappings.activeMappingPointer(tx, tenant.id, connection.id);
    if (!pointer) {
      await this.seedDefaults(tx, tenant, connection);
      pointer = await this.mappings.activeMappingPointer(tx, tenant.id, connection.id);
      if (!pointer) throw new Error(`connection ${connection.id} has no active mapping set`);
    }
    return this.compiledRuntime(tx, tenant.id, connection.id, pointer.version, pointer.schemaVersion, async () => {
      const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, pointer.version);
      return stored!.definition as unknown as MappingSetDefinition;
    });
  }

  /** Any stored version of the connection's mapping set, compiled against its own schema version (impact diffs of drafts). */
  async versionRuntime(tx: Tx, tenant: Tenant, connection: Connection, version: number): Promise<MappingRuntime> {
    const stored = await this.mappings.findMappingSet(tx, tenant.id, connection.id, version);
    if (!stored) throw new DomainError('NOT_FOUND', `mapping version ${version} does not exist`);
    return this.compiledRuntime(tx, tenant.id, connection.id, version, stored.schemaVersion, async () => stored.definition as unknown as MappingSetDefinition);
  }

  private async compiledRuntime(tx: Tx, tenantId: string, connectionId: string, version: number, schemaVersion: number, definitionOf: () => Promise<MappingSetDefinition>): Promise<MappingRuntime> {
    const definition = await this.loadSchema(tx, tenantId, schemaVersion);
    const optionLists = await this.loadOptionLists(tx, tenantId, definition.optionLists);
    const key = `${tenantId}:${connectionId}:${version}:${schemaVersion}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      const result = compileMappingSet(await definitionOf(), definition.schema, optionLists);
      if (!result.ok) throw new DomainError('INVALID_INPUT', `mapping version ${version} does not compile: ${result.errors[0]?.message}`);
      compiled = result.mappingSet;
      this.compiled.set(key, compiled);
    }
    return { tenantId, connectionId, mappingVersion: version, schemaVersion, schema: definition.schema, compiled, optionLists };
  }

  /** Whether group membership changes can change this mapping's results (group rules, memberOf(), ...); computed once per compiled set. */
  dependsOnGroups(runtime: MappingRuntime): boolean {
    let answer = this.readsGroups.get(runtime.compiled);
    if (answer === undefined) {
      const texts = runtime.compiled.rules.flatMap((rule) => (rule.kind === 'groups' ? ['groups()'] : [rule.expression?.text ?? '', ...rule.steps.map((step) => JSON.stringify(step.root))]));
      answer = texts.some((text) => /groups|memberOf|groupsMatching/.test(text));
      this.readsGroups.set(runtime.compiled, answer);
    }
    return answer;
  }


  /**
   * Maps one user's raw resource and stores the outcome. A value that fails validation is a 400 that
   * names the field and rule; the caller's transaction then rolls everything back.
   */
  async applyToUser(tx: Tx, runtime: MappingRuntime, user: { id: string; raw: Record<string, unknown>; isCreate: boolean }, actor: MappingActor): Promise<MappingResult> {
    const storedRows = user.isCreate ? [] : await this.mappings.userValues(tx, runtime.tenantId, [user.id]);
    const groups = user.isCreate ? [] : await this.groups.groupsOfMember(tx, runtime.tenantId, user.id);
    const mapped = this.mapUser(runtime, { raw: user.raw, isCreate: user.isCreate, storedRows, groups }, actor, Date.now());
    await this.mappings.replaceUserValues(tx, runtime.tenantId, user.id, mapped.rows, user.isCreate);
    if (mapped.optionAdditions.length > 0) await this.mappings.insertOptionValues(tx, runtime.tenantId, mapped.optionAdditions);
    // A new user has no rule memberships to take away: with no grants there is nothing to write.
    if (user.isCreate && mapped.grantedGroups.length === 0) return mapped.result;
    const existing = await this.groups.idsByFoldedNames(tx, runtime.tenantId, mapped.grantedGroups);
    await this.groups.setRuleMemberships(tx, runtime.tenantId, user.id, [...existing.values()], mapped.now, user.isCreate);
    return mapped.result;
  }

  /**
   * What `applyToUser` stores for a user, computed without storing it (the bulk import writes many users'
   * outcomes at once): the value rows (stored ones the run did not touch kept), the option values to add
   * and the folded names of the groups the rules grant. A validation error is thrown as INVALID_INPUT.
   */
  mapUser(runtime: MappingRuntime, user: { raw: Record<string, unknown>; isCreate: boolean; storedRows: readonly StoredUserValue[]; groups: readonly MappingGroupRef[] }, actor: MappingActor, now: number): MappedUser {
    const result = applyMapping(
      runtime.compiled,
      { raw: user.raw, groups: user.groups.map((group) => ({ id: group.id, externalId: group.externalId, displayName: group.displayName })), current: currentValues(runtime.schema, user.storedRows), isCreate: user.isCreate },
      { optionLists: runtime.optionLists, mappingVersion: runtime.mappingVersion },
    );
    if (result.errors.length > 0) throw new DomainError('INVALID_INPUT', result.errors.map((error) => error.message).join('; '));
    return { result, now, rows: valueRowsAfter(user.storedRows, result, now), optionAdditions: optionValuesAdded(result, actor, now), grantedGroups: [...new Set(result.groupGrants.map((grant) => foldText(grant.group)))] };
  }

  /**
   * Stores a new version of the tenant's domain schema (admin-defined fields, option-list policies) and
   * makes it the active one. Mapping sets compile against it from their next version on.
   */
  async publishDomainSchema(tenant: Tenant, connection: Connection, definition: SchemaVersionDefinition, author: string, comment?: string): Promise<number> {
    const issues = checkDomainSchema(definition.schema, definition.optionLists.map((policy) => ({ ...policy, values: [] })));
    if (issues.length > 0) {
      throw new DomainError('INVALID_INPUT', `the domain schema is invalid: ${issues.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; ')}`);
    }
    return this.database.transaction(async (tx) => {
      await this.seedDefaults(tx, tenant, connection);
      const current = await this.mappings.latestSchema(tx, tenant.id);
      const version = await this.mappings.nextSchemaVersion(tx, tenant.id);
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
      await this.seedDefaults(tx, tenant, connection);
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

  /** Mapped values of many users (GraphQL and explain read them). */
  async valuesOf(tenantId: string, userIds: readonly string[]): Promise<StoredUserValue[]> {
    return this.database.read((tx) => this.mappings.userValues(tx, tenantId, userIds));
  }
}
