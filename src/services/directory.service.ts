import type { ResolvedFilter } from '../domain/filter/filter-field';
import type { Connection } from '../domain/tenants/tenant';
import type { Database } from '../persistence/database';
import { GroupProfileRepository, type GroupProfile } from '../persistence/repositories/group-profile.repository';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import { MappingRepository, type StoredOptionValue } from '../persistence/repositories/mapping.repository';
import { MembershipRepository, type Membership, type MembershipCriteria, type MembershipSource } from '../persistence/repositories/membership.repository';
import { TenantRepository } from '../persistence/repositories/tenant.repository';
import { UserProfileRepository, type UserCriteria, type UserOrder, type UserProfile } from '../persistence/repositories/user-profile.repository';
import type { SchemaVersionDefinition } from './mapping.service';

/**
 * The directory as internal apps read it (GraphQL): users and groups of one tenant, in keyset pages.
 * Every method takes many ids where a list of parents asks the same question, so callers batch
 * (one statement per question, whatever the number of parents).
 */
export class DirectoryService {
  private readonly users = new UserProfileRepository();
  private readonly groups = new GroupProfileRepository();
  private readonly mappings = new MappingRepository();
  private readonly tenants = new TenantRepository();
  private readonly memberships = new MembershipRepository();

  constructor(private readonly database: Database) {}

  async usersByIds(tenantId: string, ids: readonly string[]): Promise<UserProfile[]> {
    return this.database.read((tx) => this.users.findByIds(tx, tenantId, ids));
  }

  async userByUserName(tenantId: string, userName: string): Promise<UserProfile | undefined> {
    return this.database.read((tx) => this.users.findByUserName(tx, tenantId, userName));
  }

  async listUsers(tenantId: string, criteria: UserCriteria, order: UserOrder, page: KeysetRequest): Promise<KeysetPage<UserProfile>> {
    return this.database.read((tx) => this.users.list(tx, tenantId, criteria, order, page));
  }

  async countUsers(tenantId: string, criteria: UserCriteria): Promise<number> {
    return this.database.read((tx) => this.users.count(tx, tenantId, criteria));
  }

  async directReports(tenantId: string, managerIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<UserProfile>>> {
    return this.database.read((tx) => this.users.listDirectReports(tx, tenantId, managerIds, page));
  }

  async countDirectReports(tenantId: string, managerIds: readonly string[]): Promise<Map<string, number>> {
    return this.database.read((tx) => this.users.countDirectReports(tx, tenantId, managerIds));
  }

  async groupMembers(tenantId: string, groupIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<UserProfile>>> {
    return this.database.read((tx) => this.users.listGroupMembers(tx, tenantId, groupIds, page));
  }

  async countGroupMembers(tenantId: string, groupIds: readonly string[]): Promise<Map<string, number>> {
    return this.database.read((tx) => this.users.countGroupMembers(tx, tenantId, groupIds));
  }

  /** The memberships (users and nested groups, with their source) of each group, one page each. */
  async membershipsOfGroups(tenantId: string, groupIds: readonly string[], criteria: MembershipCriteria, page: KeysetRequest): Promise<Map<string, KeysetPage<Membership>>> {
    return this.database.read((tx) => this.memberships.listOfGroups(tx, tenantId, groupIds, criteria, page));
  }

  async countMembershipsOfGroups(tenantId: string, groupIds: readonly string[], criteria: MembershipCriteria): Promise<Map<string, number>> {
    return this.database.read((tx) => this.memberships.countOfGroups(tx, tenantId, groupIds, criteria));
  }

  /** The tenant's memberships with this source (manual ones: what restricting groups to the IdP leaves behind). */
  async membershipsBySource(tenantId: string, source: MembershipSource, page: KeysetRequest): Promise<KeysetPage<Membership>> {
    return this.database.read((tx) => this.memberships.listBySource(tx, tenantId, source, page));
  }

  async countMembershipsBySource(tenantId: string, source: MembershipSource): Promise<number> {
    return this.database.read((tx) => this.memberships.countBySource(tx, tenantId, source));
  }

  async groupsByIds(tenantId: string, ids: readonly string[]): Promise<GroupProfile[]> {
    return this.database.read((tx) => this.groups.findByIds(tx, tenantId, ids));
  }

  async listGroups(tenantId: string, filter: ResolvedFilter | undefined, page: KeysetRequest): Promise<KeysetPage<GroupProfile>> {
    return this.database.read((tx) => this.groups.list(tx, tenantId, filter, page));
  }

  async countGroups(tenantId: string, filter: ResolvedFilter | undefined): Promise<number> {
    return this.database.read((tx) => this.groups.count(tx, tenantId, filter));
  }

  async groupsOfMembers(tenantId: string, memberIds: readonly string[], page: KeysetRequest): Promise<Map<string, KeysetPage<GroupProfile>>> {
    return this.database.read((tx) => this.groups.listGroupsOfMembers(tx, tenantId, memberIds, page));
  }

  async countGroupsOfMembers(tenantId: string, memberIds: readonly string[]): Promise<Map<string, number>> {
    return this.database.read((tx) => this.groups.countGroupsOfMembers(tx, tenantId, memberIds));
  }

  /** The tenant's active domain schema and option-list policies (undefined only for a tenant being created). */
  async activeSchemaDefinition(tenantId: string): Promise<SchemaVersionDefinition | undefined> {
    const stored = await this.database.read((tx) => this.mappings.latestSchema(tx, tenantId));
    return stored && (stored.definition as unknown as SchemaVersionDefinition);
  }

  async optionValues(tenantId: string): Promise<StoredOptionValue[]> {
    return this.database.read((tx) => this.mappings.optionValues(tx, tenantId));
  }

  /** The connection a GraphQL caller's changes are made through: the tenant's first (default) one. */
  async defaultConnection(tenantId: string): Promise<Connection> {
    const connection = await this.database.read((tx) => this.tenants.findDefaultConnection(tx, tenantId));
    if (!connection) throw new Error(`tenant ${tenantId} has no connection`);
    return connection;
  }
}
