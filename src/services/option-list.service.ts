import type { AuditContext } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { collapseWhitespace, foldForMatching } from '../domain/mapping/mapping-values';
import type { Tenant } from '../domain/tenants/tenant';
import { foldText } from '../domain/text';
import type { Database, Tx } from '../persistence/database';
import { usersRawByIds } from '../persistence/repositories/bulk-rows';
import { MappingRepository, type StoredOptionValue } from '../persistence/repositories/mapping.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import type { AuditService } from './audit.service';
import type { MappingService } from './mapping.service';

/** What an edit of an option list did to stored users: how many now hold other values. */
export interface OptionListEdit {
  readonly remappedUsers: number;
}

/**
 * The admin's edits of an option list: add a value, rename one (its old spelling stays an alias, so the
 * IdP's spelling still maps), merge values into one (theirs become its aliases), retire one. Users that
 * hold a renamed or merged value are mapped again from their raw resources in the same transaction, so
 * they follow the list, and each is announced (user.updated, cause optionList).
 */
export class OptionListService {
  private readonly mappings = new MappingRepository();
  private readonly tenants = new TenantRepository();

  constructor(
    private readonly database: Database,
    private readonly mapping: MappingService,
    private readonly audit: AuditService,
  ) {}

  async add(tenant: Tenant, listKey: string, value: string, aliases: readonly string[], who: AuditContext): Promise<OptionListEdit> {
    return this.database.transaction(async (tx) => {
      const values = await this.listValues(tx, tenant, listKey);
      const spelling = checkSpelling(value);
      const spellings = [spelling, ...aliases.map(checkSpelling)];
      for (const candidate of spellings) assertFree(values, candidate, undefined);
      await this.mappings.insertOptionValues(tx, tenant.id, [
        { listKey, value: spelling, valueNorm: foldForMatching(spelling), aliases: spellings.slice(1), reviewStatus: 'approved', addedBy: actorName(who), addedAt: Date.now(), sourceRequestId: null, sourceRuleId: null },
      ]);
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'option_value.added', target: { type: 'option_value', id: `${listKey}:${spelling}` }, after: { value: spelling, aliases: spellings.slice(1) } });
      return { remappedUsers: 0 };
    });
  }

  async rename(tenant: Tenant, listKey: string, value: string, newValue: string, who: AuditContext): Promise<OptionListEdit> {
    return this.database.transaction(async (tx) => {
      const values = await this.listValues(tx, tenant, listKey);
      const current = findValue(values, listKey, value);
      const spelling = checkSpelling(newValue);
      assertFree(values, spelling, current);
      const aliases = unique([...current.aliases, current.value].filter((alias) => foldForMatching(alias) !== foldForMatching(spelling)));
      await this.mappings.updateOptionValue(tx, tenant.id, listKey, current.valueNorm, { value: spelling, valueNorm: foldForMatching(spelling), aliases });
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'option_value.renamed', target: { type: 'option_value', id: `${listKey}:${current.value}` }, before: { value: current.value }, after: { value: spelling, aliases } });
      return { remappedUsers: await this.remapHolders(tx, tenant, listKey, [current.value]) };
    });
  }

  async merge(tenant: Tenant, listKey: string, merged: readonly string[], into: string, who: AuditContext): Promise<OptionListEdit> {
    return this.database.transaction(async (tx) => {
      const values = await this.listValues(tx, tenant, listKey);
      const target = findValue(values, listKey, into);
      const sources = unique(merged.map((name) => findValue(values, listKey, name).value)).filter((name) => name !== target.value);
      if (sources.length === 0) throw new DomainError('INVALID_INPUT', `merge names no value other than "${target.value}"`);
      const absorbed = sources.map((name) => values.find((candidate) => candidate.value === name)!);
      const aliases = unique([...target.aliases, ...absorbed.flatMap((source) => [source.value, ...source.aliases])]);
      await this.mappings.deleteOptionValues(tx, tenant.id, listKey, absorbed.map((source) => source.valueNorm));
      await this.mappings.updateOptionValue(tx, tenant.id, listKey, target.valueNorm, { value: target.value, valueNorm: target.valueNorm, aliases });
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'option_value.merged', target: { type: 'option_value', id: `${listKey}:${target.value}` }, before: { values: sources }, after: { value: target.value, aliases } });
      return { remappedUsers: await this.remapHolders(tx, tenant, listKey, sources) };
    });
  }

  /** A retired value stays on record but matches no more: users keep it until their next write. */
  async retire(tenant: Tenant, listKey: string, value: string, who: AuditContext): Promise<OptionListEdit> {
    return this.database.transaction(async (tx) => {
      const current = findValue(await this.listValues(tx, tenant, listKey), listKey, value);
      await this.mappings.setOptionReviewStatus(tx, tenant.id, listKey, current.valueNorm, 'retired');
      await this.audit.record(tx, { ...who, tenantId: tenant.id, action: 'option_value.retired', target: { type: 'option_value', id: `${listKey}:${current.value}` }, before: { reviewStatus: current.reviewStatus }, after: { reviewStatus: 'retired' } });
      return { remappedUsers: 0 };
    });
  }

  /** The stored values of a list of the active schema (NOT_FOUND for a list it does not have). */
  private async listValues(tx: Tx, tenant: Tenant, listKey: string): Promise<StoredOptionValue[]> {
    const definition = await this.mapping.activeDefinition(tx, tenant.id);
    if (!definition.optionLists.some((list) => list.key === listKey)) throw new DomainError('NOT_FOUND', `the domain schema has no option list "${listKey}"`);
    return (await this.mappings.optionValues(tx, tenant.id)).filter((value) => value.listKey === listKey);
  }

  /** Maps again, and announces, the users holding one of `oldValues` in a field bound to the list; returns how many changed. */
  private async remapHolders(tx: Tx, tenant: Tenant, listKey: string, oldValues: readonly string[]): Promise<number> {
    const definition = await this.mapping.activeDefinition(tx, tenant.id);
    const fieldKeys = definition.schema.fields.filter((field) => field.type === 'option' && field.optionList === listKey).map((field) => field.key);
    const userIds = await this.mappings.userIdsWithValues(tx, tenant.id, fieldKeys, oldValues.map(foldText));
    if (userIds.length === 0) return 0;
    const connection = await this.tenants.findDefaultConnection(tx, tenant.id);
    if (!connection) throw new Error(`tenant ${tenant.id} has no connection`);
    const runtime = await this.mapping.currentRuntime(tx, tenant, connection);
    const raws = await usersRawByIds(tx, tenant.id, userIds);
    const outcome = await this.mapping.mapAndStore(tx, runtime, [...raws].map(([id, raw]) => ({ id, raw, isCreate: false })), {
      actor: { connectionId: connection.id },
      onFailure: 'skip',
      announce: 'optionList',
    });
    return outcome.changed.size;
  }
}

function actorName(who: AuditContext): string {
  return `${who.actor.type}:${who.actor.id}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function checkSpelling(value: string): string {
  const spelling = collapseWhitespace(value);
  if (spelling === '' || spelling.length > 256) throw new DomainError('INVALID_INPUT', 'an option value is 1-256 characters');
  return spelling;
}

/** The value `name` spells (by value or alias, ignoring case and spacing). */
function findValue(values: readonly StoredOptionValue[], listKey: string, name: string): StoredOptionValue {
  const folded = foldForMatching(name);
  const found = values.find((value) => value.valueNorm === folded || value.aliases.some((alias) => foldForMatching(alias) === folded));
  if (!found) throw new DomainError('NOT_FOUND', `option list "${listKey}" has no value "${name}"`);
  return found;
}

/** A spelling may name no value but `owner` (spellings match ignoring case and spacing). */
function assertFree(values: readonly StoredOptionValue[], spelling: string, owner: StoredOptionValue | undefined): void {
  const folded = foldForMatching(spelling);
  const holder = values.find((value) => value.valueNorm === folded || value.aliases.some((alias) => foldForMatching(alias) === folded));
  if (holder && holder !== owner) throw new DomainError('CONFLICT', `"${spelling}" already names the value "${holder.value}"`);
}
