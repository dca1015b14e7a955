/**
 * The GraphQL reference (issue 6, G2): plain graphql-js on the hub's own SDL (schema/schema.graphql),
 * served by node:http, over the same users, groups and memberships read once from the SQLite file
 * into memory. No authentication, no limits, no ORM: what answering the same query costs in graphql-js
 * alone. Parsed and validated documents are cached by query text, as Apollo does, so both pay
 * execution and serialisation per request, not parsing.
 * Resolvers cover what the benchmark asks: viewer.tenant, users (first, oldest first) and User.groups.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildSchema, execute, GraphQLObjectType, parse, validate, type DocumentNode, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

interface UserNode {
  id: string;
  userName: string;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  department: string | null;
  externalId: string | null;
  email: string | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  groups: GroupNode[];
}

interface GroupNode {
  id: string;
  displayName: string;
}

interface Page<T> {
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

function page<T extends { id: string }>(items: readonly T[], first: number): Page<T> {
  const nodes = items.slice(0, Math.min(first, 500));
  const edges = nodes.map((node) => ({ cursor: Buffer.from(node.id).toString('base64url'), node }));
  return {
    nodes,
    edges,
    pageInfo: { hasNextPage: items.length > nodes.length, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: items.length,
  };
}

function loadData(file: string, tenantId: string): UserNode[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const groups = new Map(
      db
        .prepare<[string], GroupNode>('select id, display_name as displayName from groups where tenant_id = ?')
        .all(tenantId)
        .map((group) => [group.id, group]),
    );
    const rows = db
      .prepare<[string], Record<string, string | number | null>>(
        `select u.id, u.user_name, u.display_name, u.given_name, u.family_name, u.department, u.external_id, u.active, u.created_at, u.updated_at,
                (select e.value from user_emails e where e.tenant_id = u.tenant_id and e.user_id = u.id order by e.is_primary desc, e.position limit 1) as email
         from users u where u.tenant_id = ? order by u.created_at, u.id`,
      )
      .all(tenantId);
    const users = new Map<string, UserNode>();
    for (const row of rows) {
      users.set(String(row.id), {
        id: String(row.id),
        userName: String(row.user_name),
        displayName: row.display_name as string | null,
        givenName: row.given_name as string | null,
        familyName: row.family_name as string | null,
        department: row.department as string | null,
        externalId: row.external_id as string | null,
        email: row.email as string | null,
        active: Boolean(row.active),
        createdAt: new Date(Number(row.created_at)).toISOString(),
        updatedAt: new Date(Number(row.updated_at)).toISOString(),
        groups: [],
      });
    }
    for (const member of db.prepare<[string], { group_id: string; member_id: string }>("select group_id, member_id from group_members where tenant_id = ? and member_type = 'User'").iterate(tenantId)) {
      const group = groups.get(member.group_id);
      if (group) users.get(member.member_id)?.groups.push(group);
    }
    for (const user of users.values()) user.groups.sort((a, b) => (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : 0));
    return [...users.values()];
  } finally {
    db.close();
  }
}

function resolve(schema: GraphQLSchema, type: string, field: string, resolver: GraphQLFieldResolver<unknown, unknown>): void {
  const found = schema.getType(type);
  if (!(found instanceof GraphQLObjectType)) throw new Error(`no type ${type} in the SDL`);
  const definition = found.getFields()[field];
  if (!definition) throw new Error(`no field ${type}.${field} in the SDL`);
  definition.resolve = resolver;
}

export function createRawGraphqlHandler(file: string, tenantId: string): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const schema = buildSchema(readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));
  const users = loadData(file, tenantId);
  resolve(schema, 'Query', 'viewer', () => ({ tenant: { id: tenantId, slug: 'acme', name: 'acme' }, scopes: ['READ', 'ADMIN'], credential: 'API_KEY', subject: 'raw' }));
  resolve(schema, 'Query', 'users', (_root, args: { first?: number }) => page(users, args.first ?? 50));
  resolve(schema, 'User', 'groups', (user, args: { first?: number }) => page((user as UserNode).groups, args.first ?? 50));
  const documents = new Map<string, DocumentNode>();

  return async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    let document = documents.get(body.query);
    if (!document) {
      const parsed = parse(body.query);
      const errors = validate(schema, parsed);
      if (errors.length > 0) {
        response.writeHead(400, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ errors }));
        return;
      }
      document = parsed;
      documents.set(body.query, document);
    }
    const result = await execute({ schema, document, variableValues: body.variables });
    const text = JSON.stringify(result);
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };
}
