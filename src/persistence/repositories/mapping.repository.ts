import type { Tx } from '../database';
import { keyed } from '../keyed-query';
import { parseJsonColumn, toBoolean, toNumber } from '../column-values';
import type { UserIdentity } from './user.repository';
import { collectInChunks, countTenantRows, ID_CHUNK, lockingRead } from './resource-rows';
import { insertText, keyedSqlText, placeholders } from '../sql-text';
import type { UserValueRow } from '../entities/user-value.entity';
import { TABLES } from '../tables';

const VALUES = TABLES.userValues;
const VALUE_PROPERTIES = ['tenantId', 'userId', 'fieldKey', 'position', 'value', 'valueText', 'ruleId', 'mappingVersion', 'sourcePath', 'rawValue', 'updatedAt'] as const satisfies readonly (keyof UserValueRow)[];
const USER_VALUE_COLUMNS = VALUES.names(VALUE_PROPERTIES);
const DELETE_USER_VALUES = keyed('DELETE FROM user_values WHERE tenant_id = ? AND user_id = ?');
/** What a StoredUserValue is read from. */
const STORED_VALUE = VALUE_PROPERTIES.filter((property) => property !== 'tenantId') as Exclude<(typeof VALUE_PROPERTIES)[number], 'tenantId'>[];

export type VersionState = 'draft' | 'validated' | 'active' | 'superseded';

export interface StoredSchemaVersion {
  readonly version: number;
  readonly definition: Record<string, unknown>;
  readonly state: VersionState;
  readonly author: string;
  readonly comment: string | null;
  readonly createdAt: number;
}

export interface StoredMappingSet {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly version: number;
  readonly definition: Record<string, unknown>;
  readonly state: VersionState;
  readonly schemaVersion: number;
  readonly author: string;
  readonly comment: string | null;
  readonly report: Record<string, unknown> | null;
  readonly createdAt: number;
  readonly validatedAt: number | null;
  readonly activatedAt: number | null;
}

export type OptionReviewStatus = 'approved' | 'pending' | 'retired';

export interface StoredOptionValue {
  readonly listKey: string;
  readonly value: string;
  readonly valueNorm: string;
  readonly aliases: readonly string[];
  /** approved; pending while a value the IdP sent awaits review; retired: kept for the record, matched no more. */
  readonly reviewStatus: OptionReviewStatus;
  readonly addedBy: string;
  readonly addedAt: number;
  readonly sourceRequestId: string | null;
  readonly sourceRuleId: string | null;
}

/** One stored value of a user's domain field with where it came from. */
export interface StoredUserValue {
  readonly userId: string;
  readonly fieldKey: string;
  readonly position: number;
  readonly value: unknown;
  readonly valueText: string | null;
  readonly ruleId: string | null;
  readonly mappingVersion: number | null;
  readonly sourcePath: string | null;
  readonly rawValue: unknown;
  readonly updatedAt: number;
}

interface MappingSetColumns {
  tenant_id: string;
  connection_id: string;
  version: number | string;
  definition: unknown;
  state: string;
  schema_version: number | string;
  author: string;
  comment: string | null;
  report: unknown;
  created_at: number | string;
  validated_at: number | string | null;
  activated_at: number | string | null;
}

function optionalNumber(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

function toMappingSet(row: MappingSetColumns): StoredMappingSet {
  return {
    tenantId: row.tenant_id,
    connectionId: row.connection_id,
    version: toNumber(row.version),
    definition: parseJsonColumn(row.definition),
    state: row.state as VersionState,
    schemaVersion: toNumber(row.schema_version),
    author: row.author,
    comment: row.comment,
    report: row.report === null || row.report === undefined ? null : parseJsonColumn(row.report),
    createdAt: toNumber(row.created_at),
    validatedAt: optionalNumber(row.validated_at),
    activatedAt: optionalNumber(row.activated_at),
  };
}

function toSchemaVersion(row: { version: number | string; definition: unknown; state: string; author: string; comment: string | null; created_at: number | string }): StoredSchemaVersion {
  return {
    version: toNumber(row.version),
    definition: parseJsonColumn(row.definition),
    state: row.state as VersionState,
    author: row.author,
    comment: row.comment,
    createdAt: toNumber(row.created_at),
  };
}

/** One stored value row of a user, by its primary key. */
export interface ValueKey {
  readonly userId: string;
  readonly fieldKey: string;
  readonly position: number;
}

export interface ValueChanges {
  readonly restamped: (ValueKey & { readonly mappingVersion: number })[];
  readonly inserted: StoredUserValue[];
  readonly deleted: ValueKey[];
}

/**
 * A counter per tenant that moves once a transaction changing its schema versions, option values or
 * mapping sets has committed in this process: caches of what those rows compile to compare it to know
 * they are stale. (Other processes' changes reach such caches only through their time limit.)
 */
class MappingChanges {
  private readonly generations = new Map<string, number>();

  generation(tenantId: string): number {
    return this.generations.get(tenantId) ?? 0;
  }

  touch(tx: Tx, tenantId: string): void {
    tx.afterCommit(() => this.generations.set(tenantId, this.generation(tenantId) + 1));
  }
}

export const mappingChanges = new MappingChanges();

/** Value rows in multi-row INSERTs of up to ID_CHUNK rows (11 bound values each, far below both databases' limits). */
async function insertUserValueRows(tx: Tx, tenantId: string, values: readonly StoredUserValue[]): Promise<void> {
  for (let start = 0; start < values.length; start += ID_CHUNK) {
    const chunk = values.slice(start, start + ID_CHUNK);
    const bindings: unknown[] = [];
    for (const value of chunk) bindings.push(...VALUES.values({ ...value, tenantId }, VALUE_PROPERTIES));
    tx.write(insertText(VALUES.name, USER_VALUE_COLUMNS, chunk.length), bindings);
  }
}

/** Domain schema versions, option values, mapping set versions and mapped user values of a tenant. */
export class MappingRepository {
  /** With `ifAbsent`, an existing version is left as it is (concurrent first writes seed defaults safely). */
  async insertSchemaVersion(tx: Tx, tenantId: string, schema: StoredSchemaVersion, options: { ifAbsent?: boolean } = {}): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    const insert = tx.knex('domain_schemas').insert({
        tenant_id: tenantId,
        version: schema.version,
        definition: JSON.stringify(schema.definition),
        state: schema.state,
        author: schema.author,
        comment: schema.comment,
        created_at: schema.createdAt,
      });
    await tx.run(options.ifAbsent ? insert.onConflict(['tenant_id', 'version']).ignore() : insert);
  }

  /** The newest schema version in `state` (the active one unless asked otherwise). */
  async latestSchema(tx: Tx, tenantId: string, state: VersionState = 'active'): Promise<StoredSchemaVersion | undefined> {
    const row = await tx.first<{ version: number | string; definition: unknown; state: string; author: string; comment: string | null; created_at: number | string }>(
      tx.knex('domain_schemas').where({ tenant_id: tenantId, state }).orderBy('version', 'desc').limit(1),
    );
    return row && toSchemaVersion(row);
  }

  async setSchemaState(tx: Tx, tenantId: string, version: number, state: VersionState): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    await tx.run(tx.knex('domain_schemas').where({ tenant_id: tenantId, version }).update({ state }));
  }

  async optionValues(tx: Tx, tenantId: string): Promise<StoredOptionValue[]> {
    const rows = await tx.all<{
      list_key: string;
      value: string;
      value_norm: string;
      aliases: unknown;
      review_status: string;
      added_by: string;
      added_at: number | string;
      source_request_id: string | null;
      source_rule_id: string | null;
    }>(tx.knex('option_values').where({ tenant_id: tenantId }).orderBy(['list_key', 'value_norm']));
    return rows.map((row) => ({
      listKey: row.list_key,
      value: row.value,
      valueNorm: row.value_norm,
      aliases: row.aliases === null || row.aliases === undefined ? [] : parseJsonColumn<string[]>(row.aliases),
      reviewStatus: row.review_status as OptionReviewStatus,
      addedBy: row.added_by,
      addedAt: toNumber(row.added_at),
      sourceRequestId: row.source_request_id,
      sourceRuleId: row.source_rule_id,
    }));
  }

  /**
   * Adds option values; a value whose folded form exists already is left as it is (first spelling wins),
   * except that a retired one added again comes back for review.
   */
  async insertOptionValues(tx: Tx, tenantId: string, values: readonly StoredOptionValue[]): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    for (let start = 0; start < values.length; start += ID_CHUNK) {
      const chunk = values.slice(start, start + ID_CHUNK).map((value) => ({
        tenant_id: tenantId,
        list_key: value.listKey,
        value_norm: value.valueNorm,
        value: value.value,
        aliases: value.aliases.length > 0 ? JSON.stringify(value.aliases) : null,
        review_status: value.reviewStatus,
        added_by: value.addedBy,
        added_at: value.addedAt,
        source_request_id: value.sourceRequestId,
        source_rule_id: value.sourceRuleId,
      }));
      await tx.run(tx.knex('option_values').insert(chunk).onConflict(['tenant_id', 'list_key', 'value_norm']).ignore());
      await tx.run(
        tx
          .knex('option_values')
          .where({ tenant_id: tenantId, review_status: 'retired' })
          .whereIn(['list_key', 'value_norm'], chunk.map((value) => [value.list_key, value.value_norm]))
          .update({ review_status: 'pending' }),
      );
    }
  }

  /** Replaces an option value's spelling and aliases (a rename or merge). */
  async updateOptionValue(tx: Tx, tenantId: string, listKey: string, valueNorm: string, change: { readonly value: string; readonly valueNorm: string; readonly aliases: readonly string[] }): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    await tx.run(
      tx
        .knex('option_values')
        .where({ tenant_id: tenantId, list_key: listKey, value_norm: valueNorm })
        .update({ value: change.value, value_norm: change.valueNorm, aliases: change.aliases.length > 0 ? JSON.stringify(change.aliases) : null }),
    );
  }

  async deleteOptionValues(tx: Tx, tenantId: string, listKey: string, valueNorms: readonly string[]): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    await tx.run(tx.knex('option_values').where({ tenant_id: tenantId, list_key: listKey }).whereIn('value_norm', [...valueNorms]).delete());
  }

  /** Users with a value of one of `fieldKeys` whose folded text is one of `valueTexts`. */
  async userIdsWithValues(tx: Tx, tenantId: string, fieldKeys: readonly string[], valueTexts: readonly string[]): Promise<string[]> {
    if (fieldKeys.length === 0 || valueTexts.length === 0) return [];
    const rows = await collectInChunks(valueTexts, (chunk) =>
      tx.all<{ user_id: string }>(tx.knex('user_values').distinct('user_id').where('tenant_id', tenantId).whereIn('field_key', [...fieldKeys]).whereIn('value_text', [...chunk])),
    );
    return [...new Set(rows.map((row) => row.user_id))];
  }

  async setOptionReviewStatus(tx: Tx, tenantId: string, listKey: string, valueNorm: string, status: OptionReviewStatus): Promise<number> {
    mappingChanges.touch(tx, tenantId);
    return tx.run(tx.knex('option_values').where({ tenant_id: tenantId, list_key: listKey, value_norm: valueNorm }).update({ review_status: status }));
  }

  async insertMappingSet(tx: Tx, mappingSet: StoredMappingSet, options: { ifAbsent?: boolean } = {}): Promise<void> {
    mappingChanges.touch(tx, mappingSet.tenantId);
    const insert = tx.knex('mapping_sets').insert({
        tenant_id: mappingSet.tenantId,
        connection_id: mappingSet.connectionId,
        version: mappingSet.version,
        definition: JSON.stringify(mappingSet.definition),
        state: mappingSet.state,
        schema_version: mappingSet.schemaVersion,
        author: mappingSet.author,
        comment: mappingSet.comment,
        report: mappingSet.report === null ? null : JSON.stringify(mappingSet.report),
        created_at: mappingSet.createdAt,
        validated_at: mappingSet.validatedAt,
        activated_at: mappingSet.activatedAt,
      });
    await tx.run(options.ifAbsent ? insert.onConflict(['tenant_id', 'connection_id', 'version']).ignore() : insert);
  }

  /** The active mapping version of a connection with the schema version it was compiled against, in one statement. */
  async activeMappingPointer(tx: Tx, tenantId: string, connectionId: string): Promise<{ version: number; schemaVersion: number } | undefined> {
    const row = await tx.first<{ version: number | string; schema_version: number | string }>(
      tx
        .knex('connections as c')
        .join('mapping_sets as m', function joinActive() {
          this.on('m.tenant_id', '=', 'c.tenant_id').andOn('m.connection_id', '=', 'c.id').andOn('m.version', '=', 'c.active_mapping_version');
        })
        .select('m.version', 'm.schema_version')
        .where({ 'c.tenant_id': tenantId, 'c.id': connectionId }),
    );
    return row && { version: toNumber(row.version), schemaVersion: toNumber(row.schema_version) };
  }

  async findSchema(tx: Tx, tenantId: string, version: number): Promise<StoredSchemaVersion | undefined> {
    const row = await tx.first<{ version: number | string; definition: unknown; state: string; author: string; comment: string | null; created_at: number | string }>(
      tx.knex('domain_schemas').where({ tenant_id: tenantId, version }),
    );
    return row && toSchemaVersion(row);
  }

  async findMappingSet(tx: Tx, tenantId: string, connectionId: string, version: number): Promise<StoredMappingSet | undefined> {
    const row = await tx.first<MappingSetColumns>(tx.knex('mapping_sets').where({ tenant_id: tenantId, connection_id: connectionId, version }));
    return row && toMappingSet(row);
  }

  async listMappingSets(tx: Tx, tenantId: string, connectionId: string): Promise<StoredMappingSet[]> {
    const rows = await tx.all<MappingSetColumns>(tx.knex('mapping_sets').where({ tenant_id: tenantId, connection_id: connectionId }).orderBy('version', 'asc'));
    return rows.map(toMappingSet);
  }

  async nextMappingVersion(tx: Tx, tenantId: string, connectionId: string): Promise<number> {
    const row = await tx.first<{ latest: number | string | null }>(
      tx.knex('mapping_sets').where({ tenant_id: tenantId, connection_id: connectionId }).max({ latest: 'version' }),
    );
    return (optionalNumber(row?.latest) ?? 0) + 1;
  }

  async updateMappingSetState(
    tx: Tx,
    tenantId: string,
    connectionId: string,
    version: number,
    change: { state: VersionState; report?: Record<string, unknown>; validatedAt?: number; activatedAt?: number },
  ): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    await tx.run(
      tx
        .knex('mapping_sets')
        .where({ tenant_id: tenantId, connection_id: connectionId, version })
        .update({
          state: change.state,
          ...(change.report !== undefined ? { report: JSON.stringify(change.report) } : {}),
          ...(change.validatedAt !== undefined ? { validated_at: change.validatedAt } : {}),
          ...(change.activatedAt !== undefined ? { activated_at: change.activatedAt } : {}),
        }),
    );
  }

  async activeMappingVersion(tx: Tx, tenantId: string, connectionId: string): Promise<number | null> {
    const row = await tx.first<{ active_mapping_version: number | string | null }>(
      tx.knex('connections').select('active_mapping_version').where({ tenant_id: tenantId, id: connectionId }),
    );
    return optionalNumber(row?.active_mapping_version);
  }

  /** Swapping this pointer is what activates a version: one row, one statement. */
  async setActiveMappingVersion(tx: Tx, tenantId: string, connectionId: string, version: number): Promise<void> {
    mappingChanges.touch(tx, tenantId);
    await tx.run(tx.knex('connections').where({ tenant_id: tenantId, id: connectionId }).update({ active_mapping_version: version }));
  }

  async deleteUserValues(tx: Tx, tenantId: string, userId: string): Promise<void> {
    tx.write(DELETE_USER_VALUES, [tenantId, userId]);
  }

  /** Values of many users in one statement per chunk, ordered by field and position. */
  /** Users whose mapped field holds this exact text (e.g. reports naming a manager by an unresolved reference), at most `limit`. */
  async usersWithValueText(tx: Tx, tenantId: string, fieldKey: string, text: string, limit: number): Promise<string[]> {
    const rows = await tx.all<{ user_id: string }>(tx.knex('user_values').distinct('user_id').where({ tenant_id: tenantId, field_key: fieldKey, value_text: text }).limit(limit));
    return rows.map((row) => row.user_id);
  }

  async userValues(tx: Tx, tenantId: string, userIds: readonly string[]): Promise<StoredUserValue[]> {
    const rows = await collectInChunks(userIds, (chunk) =>
      tx.all<Record<string, unknown>>(
        keyedSqlText(`user-values|${chunk.length}`, () => `SELECT ${USER_VALUE_COLUMNS.join(', ')} FROM user_values WHERE tenant_id = ? AND user_id IN (${placeholders(chunk.length)}) ORDER BY user_id, field_key, position`),
        [tenantId, ...chunk],
      ),
    );
    return rows.map(VALUES.reader(tx.dialect, STORED_VALUE));
  }

  /** The active version under the connection row's lock: activations of one connection queue behind each other. */
  async lockActiveMappingVersion(tx: Tx, tenantId: string, connectionId: string): Promise<number | null> {
    const row = await tx.first<{ active_mapping_version: number | string | null }>(
      lockingRead(tx, tx.knex('connections').select('active_mapping_version').where({ tenant_id: tenantId, id: connectionId })),
    );
    return optionalNumber(row?.active_mapping_version);
  }

  /** Replaces a version's report (validation outcome, re-apply progress) without touching its state. */
  async setMappingSetReport(tx: Tx, tenantId: string, connectionId: string, version: number, report: Record<string, unknown>): Promise<void> {
    await tx.run(tx.knex('mapping_sets').where({ tenant_id: tenantId, connection_id: connectionId, version }).update({ report: JSON.stringify(report) }));
  }

  /**
   * One keyset batch of the tenant's users (id order) with their stored raw resources and identities (what
   * events name them by); with `forUpdate`,
   * locked until the transaction ends (PostgreSQL; SQLite has one writer), so SCIM writes to them wait.
   */
  async usersRawAfter(tx: Tx, tenantId: string, afterId: string | null, limit: number, options: { forUpdate?: boolean } = {}): Promise<{ id: string; raw: Record<string, unknown>; identity: UserIdentity }[]> {
    const query = tx.knex('users').select('id', 'raw', 'user_name', 'external_id', 'active', 'version').where('tenant_id', tenantId).orderBy('id').limit(limit);
    if (afterId !== null) query.andWhere('id', '>', afterId);
    const rows = await tx.all<{ id: string; raw: unknown; user_name: string; external_id: string | null; active: unknown; version: number | string }>(options.forUpdate ? lockingRead(tx, query) : query);
    return rows.map((row) => ({
      id: row.id,
      raw: parseJsonColumn<Record<string, unknown>>(row.raw),
      identity: { id: row.id, userName: row.user_name, externalId: row.external_id, active: toBoolean(row.active), version: toNumber(row.version) },
    }));
  }

  async countUsers(tx: Tx, tenantId: string): Promise<number> {
    return countTenantRows(tx, 'users', tenantId);
  }

  /**
   * Writes many users' value changes at once, in few statements: rows whose value stayed get only the new
   * version stamped (one index to update instead of three), changed rows are deleted and inserted. All go
   * to the unit's write log (nobody waits for their outcome).
   */
  async applyValueChanges(tx: Tx, tenantId: string, changes: ValueChanges, now: number): Promise<void> {
    const keyColumns = ['user_id', 'field_key', 'position'];
    const keyOf = (row: ValueKey) => [row.userId, row.fieldKey, row.position];
    for (let start = 0; start < changes.deleted.length; start += ID_CHUNK) {
      tx.write(keyed(tx.knex('user_values').where('tenant_id', tenantId).whereIn(keyColumns, changes.deleted.slice(start, start + ID_CHUNK).map(keyOf)).delete()));
    }
    await insertUserValueRows(tx, tenantId, changes.inserted);
    const byVersion = new Map<number, ValueKey[]>();
    for (const row of changes.restamped) byVersion.set(row.mappingVersion, [...(byVersion.get(row.mappingVersion) ?? []), row]);
    for (const [version, rows] of byVersion) {
      for (let start = 0; start < rows.length; start += ID_CHUNK) {
        tx.write(tx.knex('user_values').where('tenant_id', tenantId).whereIn(keyColumns, rows.slice(start, start + ID_CHUNK).map(keyOf)).update({ mapping_version: version, updated_at: now }));
      }
    }
  }

  async listSchemas(tx: Tx, tenantId: string): Promise<StoredSchemaVersion[]> {
    const rows = await tx.all<{ version: number | string; definition: unknown; state: string; author: string; comment: string | null; created_at: number | string }>(
      tx.knex('domain_schemas').where({ tenant_id: tenantId }).orderBy('version', 'asc'),
    );
    return rows.map(toSchemaVersion);
  }

  async nextSchemaVersion(tx: Tx, tenantId: string): Promise<number> {
    const row = await tx.first<{ latest: number | string | null }>(tx.knex('domain_schemas').where({ tenant_id: tenantId }).max({ latest: 'version' }));
    return (optionalNumber(row?.latest) ?? 0) + 1;
  }

  /** Users holding at least one value produced by mapping `version`, in id order (served by the (tenant_id, mapping_version) index). */
  async userIdsWithValuesFromVersion(tx: Tx, tenantId: string, version: number, afterUserId: string | null, limit: number): Promise<string[]> {
    const query = tx.knex('user_values').distinct('user_id').where({ tenant_id: tenantId, mapping_version: version }).orderBy('user_id').limit(limit);
    if (afterUserId !== null) query.andWhere('user_id', '>', afterUserId);
    const rows = await tx.all<{ user_id: string }>(query);
    return rows.map((row) => row.user_id);
  }
}
