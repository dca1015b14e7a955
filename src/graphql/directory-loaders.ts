import DataLoader from 'dataloader';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import type { GroupProfile } from '../persistence/repositories/group-profile.repository';
import type { StoredUserValue } from '../persistence/repositories/mapping.repository';
import type { UserProfile } from '../persistence/repositories/user-profile.repository';
import type { DirectoryService } from '../services/directory.service';
import type { MappingService, SchemaVersionDefinition } from '../services/mapping.service';

type PageFetcher<T> = (parentIds: readonly string[], page: KeysetRequest) => Promise<Map<string, KeysetPage<T>>>;

const EMPTY_PAGE: KeysetPage<never> = { items: [], hasMore: false };

/**
 * The DataLoaders of one request, all bound to its tenant. Sibling resolvers (the manager of every user
 * on a page, the groups of every user, ...) ask within one tick; each loader answers all of them with
 * one statement, so a page of 50 or 500 users costs the same number of queries.
 */
export class DirectoryLoaders {
  readonly userById: DataLoader<string, UserProfile | null>;
  readonly groupById: DataLoader<string, GroupProfile | null>;
  readonly groupCountOfMember: DataLoader<string, number>;
  readonly userCountOfGroup: DataLoader<string, number>;
  readonly directReportCountOf: DataLoader<string, number>;
  /** The mapped values of a user (every field, by field and position), with their provenance. */
  readonly mappedValuesOf: DataLoader<string, readonly StoredUserValue[]>;
  private activeSchema: Promise<SchemaVersionDefinition | undefined> | undefined;
  /** Page loaders by list and page request: parents asking for the same page of their lists batch together. */
  private readonly pageLoaders = new Map<string, DataLoader<string, KeysetPage<unknown>>>();

  constructor(
    private readonly directory: DirectoryService,
    mapping: MappingService,
    private readonly tenantId: string,
  ) {
    this.userById = new DataLoader(async (ids) => {
      const users = new Map((await directory.usersByIds(tenantId, ids)).map((user) => [user.id, user]));
      return ids.map((id) => users.get(id) ?? null);
    });
    this.groupById = new DataLoader(async (ids) => {
      const groups = new Map((await directory.groupsByIds(tenantId, ids)).map((group) => [group.id, group]));
      return ids.map((id) => groups.get(id) ?? null);
    });
    this.groupCountOfMember = countLoader((ids) => directory.countGroupsOfMembers(tenantId, ids));
    this.userCountOfGroup = countLoader((ids) => directory.countGroupMembers(tenantId, ids));
    this.directReportCountOf = countLoader((ids) => directory.countDirectReports(tenantId, ids));
    this.mappedValuesOf = new DataLoader(async (ids) => {
      const rows = new Map<string, StoredUserValue[]>(ids.map((id) => [id, []]));
      for (const row of await mapping.valuesOf(tenantId, ids)) rows.get(row.userId)?.push(row);
      return ids.map((id) => rows.get(id) ?? []);
    });
  }

  /** The tenant's active domain schema, read once per request (every user's `attributes` needs it). */
  schema(): Promise<SchemaVersionDefinition | undefined> {
    this.activeSchema ??= this.directory.activeSchemaDefinition(this.tenantId);
    return this.activeSchema;
  }

  /** Users already read (a list page) answer later lookups by id (e.g. a manager on the same page) without a query. */
  remember(users: readonly UserProfile[]): void {
    for (const user of users) this.userById.prime(user.id, user);
  }

  groupsOfMember(page: KeysetRequest): DataLoader<string, KeysetPage<GroupProfile>> {
    return this.pages('groupsOfMember', page, (ids, request) => this.directory.groupsOfMembers(this.tenantId, ids, request));
  }

  usersOfGroup(page: KeysetRequest): DataLoader<string, KeysetPage<UserProfile>> {
    return this.pages('usersOfGroup', page, (ids, request) => this.directory.groupMembers(this.tenantId, ids, request));
  }

  directReportsOf(page: KeysetRequest): DataLoader<string, KeysetPage<UserProfile>> {
    return this.pages('directReportsOf', page, (ids, request) => this.directory.directReports(this.tenantId, ids, request));
  }

  private pages<T>(list: string, page: KeysetRequest, fetch: PageFetcher<T>): DataLoader<string, KeysetPage<T>> {
    const key = JSON.stringify([list, page.limit, page.after ?? null]);
    let loader = this.pageLoaders.get(key) as DataLoader<string, KeysetPage<T>> | undefined;
    if (!loader) {
      loader = new DataLoader<string, KeysetPage<T>>(async (parentIds) => {
        const pages = await fetch(parentIds, page);
        return parentIds.map((id) => pages.get(id) ?? EMPTY_PAGE);
      });
      this.pageLoaders.set(key, loader as DataLoader<string, KeysetPage<unknown>>);
    }
    return loader;
  }
}

function countLoader(count: (ids: readonly string[]) => Promise<Map<string, number>>): DataLoader<string, number> {
  return new DataLoader(async (ids) => {
    const counts = await count(ids);
    return ids.map((id) => counts.get(id) ?? 0);
  });
}
