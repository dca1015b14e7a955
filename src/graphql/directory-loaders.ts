import DataLoader from 'dataloader';
import type { KeysetPage, KeysetRequest } from '../persistence/repositories/keyset';
import type { GroupProfile } from '../persistence/repositories/group-profile.repository';
import type { Membership, MembershipCriteria } from '../persistence/repositories/membership.repository';
import type { StoredUserValue } from '../persistence/repositories/mapping.repository';
import type { UserProfile } from '../persistence/repositories/user-profile.repository';
import type { DirectoryService } from '../services/directory.service';
import type { MappingService, SchemaVersionDefinition } from '../services/mapping.service';

type PageFetcher<T> = (parentIds: readonly string[], page: KeysetRequest) => Promise<Map<string, KeysetPage<T>>>;

const EMPTY_PAGE: KeysetPage<never> = { items: [], hasMore: false };

/**
 * The DataLoaders of one request, all bound to its tenant. Sibling resolvers (the manager of every user
 * on a page, the groups of every user, ...) ask within one tick; each loader answers all of them with
 * one statement, so a page of 50 or 500 users costs the same number of queries. Each loader is made on
 * first use: most requests touch one or two of them, and every request builds this object.
 */
export class DirectoryLoaders {
  private activeSchema: Promise<SchemaVersionDefinition | undefined> | undefined;
  /** Loaders made so far, by name; page loaders by list and page request (parents asking for the same page of their lists batch together). */
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();
  /** Users read before any lookup by id (see remember). */
  private readonly remembered: UserProfile[] = [];

  constructor(
    private readonly directory: DirectoryService,
    private readonly mapping: MappingService,
    private readonly tenantId: string,
  ) {}

  get userById(): DataLoader<string, UserProfile | null> {
    return this.loader('userById', () => {
      const loader = new DataLoader<string, UserProfile | null>(async (ids) => {
        const users = new Map((await this.directory.usersByIds(this.tenantId, ids)).map((user) => [user.id, user]));
        return ids.map((id) => users.get(id) ?? null);
      });
      for (const user of this.remembered) loader.prime(user.id, user);
      this.remembered.length = 0;
      return loader;
    });
  }

  get groupById(): DataLoader<string, GroupProfile | null> {
    return this.loader('groupById', () =>
      new DataLoader<string, GroupProfile | null>(async (ids) => {
        const groups = new Map((await this.directory.groupsByIds(this.tenantId, ids)).map((group) => [group.id, group]));
        return ids.map((id) => groups.get(id) ?? null);
      }),
    );
  }

  get groupCountOfMember(): DataLoader<string, number> {
    return this.loader('groupCountOfMember', () => countLoader((ids) => this.directory.countGroupsOfMembers(this.tenantId, ids)));
  }

  get userCountOfGroup(): DataLoader<string, number> {
    return this.loader('userCountOfGroup', () => countLoader((ids) => this.directory.countGroupMembers(this.tenantId, ids)));
  }

  get directReportCountOf(): DataLoader<string, number> {
    return this.loader('directReportCountOf', () => countLoader((ids) => this.directory.countDirectReports(this.tenantId, ids)));
  }

  /** The mapped values of a user (every field, by field and position), with their provenance. */
  get mappedValuesOf(): DataLoader<string, readonly StoredUserValue[]> {
    return this.loader('mappedValuesOf', () =>
      new DataLoader<string, readonly StoredUserValue[]>(async (ids) => {
        const rows = new Map<string, StoredUserValue[]>(ids.map((id) => [id, []]));
        for (const row of await this.mapping.valuesOf(this.tenantId, ids)) rows.get(row.userId)?.push(row);
        return ids.map((id) => rows.get(id) ?? []);
      }),
    );
  }

  /** The tenant's active domain schema, read once per request (every user's `attributes` needs it). */
  schema(): Promise<SchemaVersionDefinition | undefined> {
    this.activeSchema ??= this.directory.activeSchemaDefinition(this.tenantId);
    return this.activeSchema;
  }

  /**
   * Users already read (a list page) answer later lookups by id (e.g. a manager on the same page) without a
   * query. Kept aside until a lookup by id comes: most queries of a page make none.
   */
  remember(users: readonly UserProfile[]): void {
    const loader = this.loaders.get('userById') as DataLoader<string, UserProfile | null> | undefined;
    if (loader) for (const user of users) loader.prime(user.id, user);
    else this.remembered.push(...users);
  }

  groupsOfMember(page: KeysetRequest): DataLoader<string, KeysetPage<GroupProfile>> {
    return this.pages('groupsOfMember', page, (ids, request) => this.directory.groupsOfMembers(this.tenantId, ids, request));
  }

  usersOfGroup(page: KeysetRequest): DataLoader<string, KeysetPage<UserProfile>> {
    return this.pages('usersOfGroup', page, (ids, request) => this.directory.groupMembers(this.tenantId, ids, request));
  }

  membershipsOfGroup(criteria: MembershipCriteria, page: KeysetRequest): DataLoader<string, KeysetPage<Membership>> {
    return this.pages(`membershipsOfGroup|${criteria.memberType ?? ''}|${criteria.source ?? ''}`, page, (ids, request) => this.directory.membershipsOfGroups(this.tenantId, ids, criteria, request));
  }

  membershipCountOfGroup(criteria: MembershipCriteria): DataLoader<string, number> {
    return this.loader(`membershipCountOfGroup|${criteria.memberType ?? ''}|${criteria.source ?? ''}`, () => countLoader((ids) => this.directory.countMembershipsOfGroups(this.tenantId, ids, criteria)));
  }

  directReportsOf(page: KeysetRequest): DataLoader<string, KeysetPage<UserProfile>> {
    return this.pages('directReportsOf', page, (ids, request) => this.directory.directReports(this.tenantId, ids, request));
  }

  private pages<T>(list: string, page: KeysetRequest, fetch: PageFetcher<T>): DataLoader<string, KeysetPage<T>> {
    return this.loader(JSON.stringify([list, page.limit, page.after ?? null]), () =>
      new DataLoader<string, KeysetPage<T>>(async (parentIds) => {
        const pages = await fetch(parentIds, page);
        return parentIds.map((id) => pages.get(id) ?? EMPTY_PAGE);
      }),
    );
  }

  private loader<V>(key: string, create: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = this.loaders.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = create();
      this.loaders.set(key, loader as DataLoader<string, unknown>);
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
