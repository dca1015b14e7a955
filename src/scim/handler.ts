import { DomainError, isDomainError } from '../domain/errors';
import type { MemberReference, MembershipChange, StoredGroup, GroupMember } from '../domain/groups/group';
import type { GroupField, UserField } from '../domain/filter/filter-field';
import type { GroupService } from '../services/group.service';
import type { ScimPrincipal } from '../services/tenant.service';
import type { ModifiedUser, UserService } from '../services/user.service';
import type { WriteConditions } from '../services/write-actor';
import { applyPatch, membersAddedOnly, parsePatchRequest, type MemberOperation } from './protocol/apply-patch';
import { buildListResponse, buildResourceTypes, buildSchemaDocuments, buildServiceProviderConfig } from './protocol/discovery';
import { parseListQuery, searchRequestParameters, type ListQuery } from './protocol/list-query';
import { normalizeResource, type JsonObject } from './protocol/normalize-resource';
import { projectResource, wantsAttribute, type ProjectionOptions } from './protocol/projection';
import { formatVersion, parseVersion, renderGroup, renderMember, renderUser } from './protocol/render-resource';
import { extractGroupFields, extractUserFields } from './protocol/resource-fields';
import { resolveFilter, resolveSortField } from './protocol/resolve-filter';
import type { ScimSchemaRegistry } from './protocol/schema-definitions';
import { scimErrorBody, toScimError } from './errors';

export interface ScimRequest {
  readonly method: string;
  /** Path below the SCIM base, e.g. `/Users/2819c223`. */
  readonly path: string;
  /** Query parameters with lower-cased names. */
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly ifMatch: string | undefined;
  /** Absolute SCIM base URL of this request, e.g. `https://hub.example.com/scim/v2`. */
  readonly baseUrl: string;
  /** Undefined only for the discovery endpoints, which answer without a token. */
  readonly principal: ScimPrincipal | undefined;
  readonly requestId?: string;
}

export interface ScimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Instead of `body`: the JSON body in parts, for answers too big to build in memory. */
  readonly stream?: () => AsyncIterable<string>;
  /** A user PUT or PATCH: the stored resource it applied to (kept with the request for mapping previews). */
  readonly previousResource?: Record<string, unknown>;
}

export interface ScimHandlerDependencies {
  readonly users: UserService;
  readonly groups: GroupService;
  /** The schemas a request sees: the RFC ones plus, with a token, the tenant's own extension. */
  readonly registryFor: (principal: ScimPrincipal | undefined) => Promise<ScimSchemaRegistry>;
  readonly maxResults: number;
  readonly maxPayloadSize: number;
}

/** Members are read in pages of this size when a group is rendered whole. */
const MEMBER_PAGE = 5000;

type ResourceTypeId = 'User' | 'Group';

function ok(body: unknown, status = 200, headers: Record<string, string> = {}): ScimResponse {
  return { status, body, headers };
}

function conditionsOf(request: ScimRequest): WriteConditions {
  const version = parseVersion(request.ifMatch);
  if (version === 'mismatch') throw new DomainError('PRECONDITION_FAILED', 'If-Match does not name a version of this resource');
  return { ifMatch: version };
}

function projectionOf(query: Readonly<Record<string, unknown>>): ProjectionOptions {
  const listQuery = parseListQuery({ attributes: query.attributes, excludedattributes: query.excludedattributes }, 1);
  return { attributes: listQuery.attributes, excludedAttributes: listQuery.excludedAttributes };
}

function asMembershipChange(operation: MemberOperation): MembershipChange {
  switch (operation.op) {
    case 'add':
    case 'replace':
      return { op: operation.op, members: operation.members.map(toMemberReference) };
    case 'remove':
      return { op: 'remove', values: operation.values };
    case 'removeAll':
      return { op: 'removeAll' };
  }
}

function toMemberReference(member: { value: string; display?: string }): MemberReference {
  return { value: member.value, display: member.display ?? null };
}

function splitMembers(resource: JsonObject): { raw: JsonObject; members: MemberReference[] } {
  const { members, ...raw } = resource;
  const list = Array.isArray(members) ? (members as { value: string; display?: string }[]) : [];
  return { raw, members: list.map(toMemberReference) };
}

/** A request with the schema registry of its tenant resolved. */
interface RoutedRequest extends ScimRequest {
  readonly registry: ScimSchemaRegistry;
}

export class ScimHandler {
  constructor(private readonly deps: ScimHandlerDependencies) {}

  async handle(request: ScimRequest): Promise<ScimResponse> {
    try {
      return await this.route({ ...request, registry: await this.deps.registryFor(request.principal) });
    } catch (error) {
      if (isDomainError(error)) return toScimError(error);
      throw error;
    }
  }

  private async route(request: RoutedRequest): Promise<ScimResponse> {
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, id, extra] = segments;
    const method = request.method.toUpperCase();
    const endpoint = collection?.toLowerCase();

    if (endpoint === 'serviceproviderconfig' || endpoint === 'serviceconfiguration') {
      return this.onlyGet(method, () =>
        ok(buildServiceProviderConfig({ baseUrl: request.baseUrl, maxResults: this.deps.maxResults, maxPayloadSize: this.deps.maxPayloadSize })),
      );
    }
    if (endpoint === 'resourcetypes') return this.onlyGet(method, () => this.discoveryList(buildResourceTypes(request.registry, request.baseUrl), id, 'ResourceType'));
    if (endpoint === 'schemas') return this.onlyGet(method, () => this.discoveryList(buildSchemaDocuments(request.registry, request.baseUrl), id, 'Schema'));

    const principal = request.principal;
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    const tenantId = principal.tenant.id;

    if (endpoint === '.search' && !id) return this.onlyPost(method, () => this.searchAll(request, tenantId));
    if (endpoint !== 'users' && endpoint !== 'groups') throw new DomainError('NOT_FOUND', `no SCIM endpoint at ${request.path}`);
    const type: ResourceTypeId = endpoint === 'users' ? 'User' : 'Group';
    if (extra !== undefined) throw new DomainError('NOT_FOUND', `no SCIM endpoint at ${request.path}`);

    if (id === undefined) {
      if (method === 'GET') return this.list(request, tenantId, type, parseListQuery(request.query, this.deps.maxResults));
      if (method === 'POST') return type === 'User' ? this.createUser(request, principal) : this.createGroup(request, principal);
      return this.methodNotAllowed(method);
    }
    if (id === '.search') {
      return this.onlyPost(method, () => this.list(request, tenantId, type, parseListQuery(searchRequestParameters(request.body), this.deps.maxResults)));
    }
    switch (method) {
      case 'GET':
        return type === 'User' ? this.getUser(request, tenantId, id) : this.getGroup(request, tenantId, id);
      case 'PUT':
        return type === 'User' ? this.replaceUser(request, principal, id) : this.replaceGroup(request, principal, id);
      case 'PATCH':
        return type === 'User' ? this.patchUser(request, principal, id) : this.patchGroup(request, principal, id);
      case 'DELETE':
        await (type === 'User' ? this.deps.users : this.deps.groups).delete(this.actor(request, principal), id, conditionsOf(request));
        return { status: 204 };
      default:
        return this.methodNotAllowed(method);
    }
  }

  private async onlyGet(method: string, answer: () => ScimResponse | Promise<ScimResponse>): Promise<ScimResponse> {
    return method === 'GET' ? answer() : this.methodNotAllowed(method);
  }

  private async onlyPost(method: string, answer: () => Promise<ScimResponse>): Promise<ScimResponse> {
    return method === 'POST' ? answer() : this.methodNotAllowed(method);
  }

  private methodNotAllowed(method: string): ScimResponse {
    return { status: 405, body: scimErrorBody(405, `${method} is not supported on this endpoint`) };
  }

  private discoveryList(documents: Record<string, unknown>[], id: string | undefined, kind: string): ScimResponse {
    if (id === undefined) return ok(buildListResponse(documents, { totalResults: documents.length, startIndex: 1 }));
    const found = documents.find((document) => String(document.id).toLowerCase() === id.toLowerCase());
    if (!found) throw new DomainError('NOT_FOUND', `${kind} ${id} not found`);
    return ok(found);
  }

  // --- Users ---

  private userWrite(resource: JsonObject) {
    return { raw: resource, fields: extractUserFields(resource) };
  }

  /** Whether the answer about a user shows its groups (they cost a read). */
  private wantsGroups(request: RoutedRequest, projection = projectionOf(request.query)): boolean {
    return wantsAttribute(request.registry, 'User', projection, { attribute: 'groups' });
  }

  private async userResponse(request: RoutedRequest, user: ModifiedUser, status: number, options: { knownToHaveNoGroups?: boolean } = {}): Promise<ScimResponse> {
    const projection = projectionOf(request.query);
    // A change read the groups with its COMMIT only when the answer shows them.
    const groups = user.groups ?? (options.knownToHaveNoGroups || !this.wantsGroups(request, projection) ? undefined : await this.deps.users.groupsOf(user.tenantId, user.id));
    const body = projectResource(request.registry, 'User', renderUser(user, request.baseUrl, groups), projection);
    const headers: Record<string, string> = { ETag: formatVersion(user.version) };
    if (status === 201) headers.Location = `${request.baseUrl}/Users/${user.id}`;
    return ok(body, status, headers);
  }

  private actor(request: RoutedRequest, principal: ScimPrincipal) {
    return { tenant: principal.tenant, connection: principal.connection, requestId: request.requestId };
  }

  private async createUser(request: RoutedRequest, principal: ScimPrincipal): Promise<ScimResponse> {
    const resource = normalizeResource(request.registry, 'User', request.body);
    const user = await this.deps.users.create(this.actor(request, principal), this.userWrite(resource));
    return this.userResponse(request, user, 201, { knownToHaveNoGroups: true });
  }

  private async getUser(request: RoutedRequest, tenantId: string, id: string): Promise<ScimResponse> {
    return this.userResponse(request, await this.deps.users.get(tenantId, id), 200);
  }

  private async replaceUser(request: RoutedRequest, principal: ScimPrincipal, id: string): Promise<ScimResponse> {
    const resource = normalizeResource(request.registry, 'User', request.body);
    let previousResource: Record<string, unknown> | undefined;
    const user = await this.deps.users.modify(
      this.actor(request, principal),
      id,
      (current) => {
        previousResource = current.raw;
        return this.userWrite(resource);
      },
      conditionsOf(request),
      { readGroups: this.wantsGroups(request) },
    );
    return { ...(await this.userResponse(request, user, 200)), previousResource };
  }

  private async patchUser(request: RoutedRequest, principal: ScimPrincipal, id: string): Promise<ScimResponse> {
    const operations = parsePatchRequest(request.body);
    const asked = request.query.attributes !== undefined || request.query.excludedattributes !== undefined;
    const answersNoContent = principal.tenant.settings.userPatchStatus === 204 && !asked;
    let previousResource: Record<string, unknown> | undefined;
    const user = await this.deps.users.modify(
      this.actor(request, principal),
      id,
      (current) => {
        previousResource = current.raw;
        return this.userWrite(applyPatch(request.registry, 'User', current.raw, operations).resource);
      },
      conditionsOf(request),
      { readGroups: !answersNoContent && this.wantsGroups(request) },
    );
    if (answersNoContent) return { status: 204, headers: { ETag: formatVersion(user.version) }, previousResource };
    return { ...(await this.userResponse(request, user, 200)), previousResource };
  }

  // --- Groups ---

  private async loadAllMembers(group: StoredGroup): Promise<GroupMember[]> {
    const firstPage = await this.deps.groups.listMembers(group.tenantId, group.id, undefined, MEMBER_PAGE);
    return firstPage.length < MEMBER_PAGE ? firstPage : [...firstPage, ...(await this.membersAfter(group, firstPage))];
  }

  private async groupResponse(request: RoutedRequest, group: StoredGroup, status: number): Promise<ScimResponse> {
    const projection = projectionOf(request.query);
    const headers: Record<string, string> = { ETag: formatVersion(group.version) };
    if (status === 201) headers.Location = `${request.baseUrl}/Groups/${group.id}`;
    if (!wantsAttribute(request.registry, 'Group', projection, { attribute: 'members' })) {
      return ok(projectResource(request.registry, 'Group', renderGroup(group, request.baseUrl, undefined), projection), status, headers);
    }
    const firstPage = await this.deps.groups.listMembers(group.tenantId, group.id, undefined, MEMBER_PAGE);
    const asIs = projection.attributes === undefined && projection.excludedAttributes === undefined;
    if (firstPage.length < MEMBER_PAGE || !asIs) {
      const members = firstPage.length < MEMBER_PAGE ? firstPage : [...firstPage, ...(await this.membersAfter(group, firstPage))];
      return ok(projectResource(request.registry, 'Group', renderGroup(group, request.baseUrl, members), projection), status, headers);
    }
    // A big group goes out page by page: the server never holds its whole member list (or its JSON).
    const body = projectResource(request.registry, 'Group', renderGroup(group, request.baseUrl, undefined), projection);
    return { status, headers, stream: () => this.streamGroup(body, group, firstPage, request.baseUrl) };
  }

  /** The rest of the member list after `page`, read in pages (for projections that need the list whole). */
  private async membersAfter(group: StoredGroup, page: readonly GroupMember[]): Promise<GroupMember[]> {
    const members: GroupMember[] = [];
    let after: string | undefined = page[page.length - 1]?.value;
    while (after !== undefined) {
      const next = await this.deps.groups.listMembers(group.tenantId, group.id, after, MEMBER_PAGE);
      members.push(...next);
      after = next.length === MEMBER_PAGE ? next[next.length - 1].value : undefined;
    }
    return members;
  }

  /** The group's JSON with `members` last, written one keyset page of members at a time. */
  private async *streamGroup(body: JsonObject, group: StoredGroup, firstPage: readonly GroupMember[], baseUrl: string): AsyncIterable<string> {
    const head = JSON.stringify(body);
    yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"members":[`;
    let page = firstPage;
    let separator = '';
    for (;;) {
      yield separator + page.map((member) => JSON.stringify(renderMember(member, baseUrl))).join(',');
      separator = ',';
      if (page.length < MEMBER_PAGE) break;
      page = await this.deps.groups.listMembers(group.tenantId, group.id, page[page.length - 1].value, MEMBER_PAGE);
      if (page.length === 0) break;
    }
    yield ']}';
  }

  private async createGroup(request: RoutedRequest, principal: ScimPrincipal): Promise<ScimResponse> {
    const { raw, members } = splitMembers(normalizeResource(request.registry, 'Group', request.body));
    const group = await this.deps.groups.create(this.actor(request, principal), { raw, fields: extractGroupFields(raw) }, members);
    return this.groupResponse(request, group, 201);
  }

  private async getGroup(request: RoutedRequest, tenantId: string, id: string): Promise<ScimResponse> {
    return this.groupResponse(request, await this.deps.groups.get(tenantId, id), 200);
  }

  private async replaceGroup(request: RoutedRequest, principal: ScimPrincipal, id: string): Promise<ScimResponse> {
    const { raw, members } = splitMembers(normalizeResource(request.registry, 'Group', request.body));
    const group = await this.deps.groups.modify(
      this.actor(request, principal),
      id,
      () => ({ write: { raw, fields: extractGroupFields(raw) }, memberships: [{ op: 'replace', members }] }),
      conditionsOf(request),
    );
    return this.groupResponse(request, group, 200);
  }

  /** 204 by default (Entra's guidance: never send a large member list back); 200 when attributes are asked for. */
  private async patchGroup(request: RoutedRequest, principal: ScimPrincipal, id: string): Promise<ScimResponse> {
    const operations = parsePatchRequest(request.body);
    const group = await this.deps.groups.modify(
      this.actor(request, principal),
      id,
      (current) => {
        const { resource, memberOperations } = applyPatch(request.registry, 'Group', current.raw, operations);
        return { write: { raw: resource, fields: extractGroupFields(resource) }, memberships: memberOperations.map(asMembershipChange) };
      },
      conditionsOf(request),
      undefined,
      membersAddedOnly(operations),
    );
    const asked = request.query.attributes !== undefined || request.query.excludedattributes !== undefined;
    if (!asked) return { status: 204, headers: { ETag: formatVersion(group.version) } };
    return this.groupResponse(request, group, 200);
  }

  // --- Lists ---

  private sortOf(registry: ScimSchemaRegistry, type: ResourceTypeId, query: ListQuery): { field: UserField & GroupField; descending: boolean } | undefined {
    if (!query.sortBy) return undefined;
    return { field: resolveSortField(registry, type, query.sortBy) as UserField & GroupField, descending: query.descending };
  }

  private async list(request: RoutedRequest, tenantId: string, type: ResourceTypeId, query: ListQuery): Promise<ScimResponse> {
    const filter = query.filter && resolveFilter(request.registry, type, query.filter);
    const page = { offset: query.startIndex - 1, limit: query.count };
    const projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
    const sort = this.sortOf(request.registry, type, query);
    if (type === 'User') {
      const result = await this.deps.users.list(tenantId, filter, sort, page);
      const withGroups = query.attributes !== undefined && wantsAttribute(request.registry, 'User', projection, { attribute: 'groups' });
      const resources = await Promise.all(
        result.items.map(async (user) =>
          projectResource(request.registry, 'User', renderUser(user, request.baseUrl, withGroups ? await this.deps.users.groupsOf(tenantId, user.id) : undefined), projection),
        ),
      );
      return ok(buildListResponse(resources, { totalResults: result.total, startIndex: query.startIndex }));
    }
    const result = await this.deps.groups.list(tenantId, filter, sort, page);
    const withMembers = wantsAttribute(request.registry, 'Group', projection, { attribute: 'members' });
    const resources: JsonObject[] = [];
    for (const group of result.items) {
      const members = withMembers ? await this.loadAllMembers(group) : undefined;
      resources.push(projectResource(request.registry, 'Group', renderGroup(group, request.baseUrl, members), projection));
    }
    return ok(buildListResponse(resources, { totalResults: result.total, startIndex: query.startIndex }));
  }

  /** POST /.search at the root: users, then groups, as one list. */
  private async searchAll(request: RoutedRequest, tenantId: string): Promise<ScimResponse> {
    const query = parseListQuery(searchRequestParameters(request.body), this.deps.maxResults);
    const count = (type: ResourceTypeId) =>
      this.list(request, tenantId, type, { ...query, count: 0, startIndex: 1 }).then((response) => (response.body as { totalResults: number }).totalResults);
    const userTotal = await count('User');
    const groupTotal = await count('Group');
    const offset = query.startIndex - 1;
    const resources: unknown[] = [];
    if (offset < userTotal && query.count > 0) {
      const users = await this.list(request, tenantId, 'User', query);
      resources.push(...(users.body as { Resources: unknown[] }).Resources);
    }
    const remaining = query.count - resources.length;
    if (remaining > 0 && offset + resources.length < userTotal + groupTotal) {
      const groupStart = Math.max(0, offset - userTotal) + 1;
      const groups = await this.list(request, tenantId, 'Group', { ...query, startIndex: groupStart, count: remaining });
      resources.push(...(groups.body as { Resources: unknown[] }).Resources);
    }
    return ok(buildListResponse(resources, { totalResults: userTotal + groupTotal, startIndex: query.startIndex }));
  }
}
