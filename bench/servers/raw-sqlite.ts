/**
 * The raw reference: node:http + better-sqlite3 prepared statements on the same SQLite file, answering
 * the same SCIM requests the benchmarks send to the hub, with the least work that gives the same
 * answer (token check, the needed rows, a JSON body). It is the floor the hub is compared with, not
 * a SCIM implementation: no schema validation, no projection, no error mapping beyond 4xx.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';

const SCIM = '/scim/v2';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const JSON_TYPE = 'application/scim+json; charset=utf-8';
const MEMBER_PAGE = 5000;

type Json = Record<string, unknown>;

function fold(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const payload = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(payload) });
  response.end(payload);
}

interface UserRow {
  id: string;
  raw: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export function createRawSqliteHandler(file: string, synchronous: string) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');

  const tokenStatement = db.prepare<[string], { tenant_id: string; token_expires_at: number | null }>(
    'select tenant_id, token_expires_at from connections where token_hash = ?',
  );
  const insertUser = db.prepare(
    `insert into users (tenant_id, id, user_name, user_name_norm, external_id, active, display_name, given_name, family_name, title, user_type,
       department, division, organization, cost_center, employee_number, manager_id, raw, version, created_at, updated_at)
     values (@tenant_id, @id, @user_name, @user_name_norm, @external_id, @active, @display_name, @given_name, @family_name, null, null,
       @department, null, null, null, null, null, @raw, 1, @now, @now)`,
  );
  const insertEmail = db.prepare(
    'insert into user_emails (tenant_id, user_id, position, value, value_norm, type, is_primary) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const userColumns = 'id, raw, version, created_at, updated_at';
  const userByName = db.prepare<[string, string], UserRow>(`select ${userColumns} from users where tenant_id = ? and user_name_norm = ?`);
  const userCount = db.prepare<[string], { total: number }>("select sum(total) as total from tenant_resource_counts where tenant_id = ? and resource_type = 'users'");
  const userPage = db.prepare<[string, number, number], UserRow>(
    `select ${userColumns} from users where tenant_id = ? order by created_at asc, id asc limit ? offset ?`,
  );
  const groupColumns = 'id, raw, version, created_at, updated_at';
  const groupByName = db.prepare<[string, string], UserRow>(`select ${groupColumns} from groups where tenant_id = ? and display_name_norm = ?`);
  const groupById = db.prepare<[string, string], UserRow>(`select ${groupColumns} from groups where tenant_id = ? and id = ?`);
  const userExists = db.prepare<[string, string], { id: string }>('select id from users where tenant_id = ? and id = ?');
  const addMember = db.prepare(
    `insert into group_members (tenant_id, group_id, member_id, member_type, display, created_at) values (?, ?, ?, 'User', null, ?)
     on conflict (tenant_id, group_id, member_id) do nothing`,
  );
  const removeMember = db.prepare('delete from group_members where tenant_id = ? and group_id = ? and member_id = ?');
  const touchGroup = db.prepare('update groups set version = version + 1, updated_at = ? where tenant_id = ? and id = ?');
  const memberPage = db.prepare<[string, string, string, number], { member_id: string; member_type: string; display: string | null }>(
    'select member_id, member_type, display from group_members where tenant_id = ? and group_id = ? and member_id > ? order by member_id limit ?',
  );

  const createUser = db.transaction((tenantId: string, resource: Json) => {
    const id = randomUUID();
    const now = Date.now();
    const name = (resource.name ?? {}) as Json;
    const enterprise = (resource[ENTERPRISE] ?? {}) as Json;
    const userName = String(resource.userName);
    insertUser.run({
      tenant_id: tenantId,
      id,
      user_name: userName,
      user_name_norm: fold(userName),
      external_id: text(resource.externalId),
      active: resource.active === false ? 0 : 1,
      display_name: text(resource.displayName),
      given_name: text(name.givenName),
      family_name: text(name.familyName),
      department: text(enterprise.department),
      raw: JSON.stringify(resource),
      now,
    });
    const emails = Array.isArray(resource.emails) ? (resource.emails as Json[]) : [];
    emails.forEach((email, position) => {
      const value = String(email.value);
      insertEmail.run(tenantId, id, position, value, fold(value), text(email.type), email.primary === true ? 1 : 0);
    });
    return { id, now };
  });

  const patchMembers = db.transaction((tenantId: string, groupId: string, adds: string[], removes: string[]) => {
    const now = Date.now();
    for (const memberId of adds) {
      if (!userExists.get(tenantId, memberId)) throw Object.assign(new Error('unknown member'), { status: 400 });
      addMember.run(tenantId, groupId, memberId, now);
    }
    for (const memberId of removes) removeMember.run(tenantId, groupId, memberId);
    const changed = touchGroup.run(now, tenantId, groupId);
    if (changed.changes === 0) throw Object.assign(new Error('no such group'), { status: 404 });
  });

  function meta(type: string, base: string, row: UserRow): Json {
    return {
      resourceType: type,
      created: new Date(row.created_at).toISOString(),
      lastModified: new Date(row.updated_at).toISOString(),
      location: `${base}/${type}s/${row.id}`,
      version: `W/"${row.version}"`,
    };
  }

  function render(type: string, base: string, row: UserRow): Json {
    return { ...(JSON.parse(row.raw) as Json), id: row.id, meta: meta(type, base, row) };
  }

  function list(resources: Json[], total: number, startIndex: number): Json {
    return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
  }

  function authenticate(request: IncomingMessage): string | undefined {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const record = tokenStatement.get(createHash('sha256').update(header.slice(7)).digest('hex'));
    if (!record || (record.token_expires_at !== null && record.token_expires_at <= Date.now())) return undefined;
    return record.tenant_id;
  }

  /**
   * Streams the group: head, then member rows read by keyset in pages of MEMBER_PAGE, each page
   * serialised and written before the next is read, waiting for 'drain' when the socket is full.
   * Memory stays at about one page whatever the group size.
   */
  async function streamGroup(response: ServerResponse, tenantId: string, base: string, row: UserRow): Promise<void> {
    response.writeHead(200, { 'Content-Type': JSON_TYPE, ETag: `W/"${row.version}"` });
    const head = JSON.stringify({ ...(JSON.parse(row.raw) as Json), id: row.id });
    let first = true;
    let after = '';
    let more = response.write(`${head.slice(0, -1)},"members":[`);
    for (;;) {
      if (!more) await new Promise((resolve) => response.once('drain', resolve));
      const page = memberPage.all(tenantId, row.id, after, MEMBER_PAGE);
      if (page.length === 0) break;
      let chunk = '';
      for (const member of page) {
        chunk += `${first ? '' : ','}{"value":${JSON.stringify(member.member_id)},"$ref":${JSON.stringify(`${base}/Users/${member.member_id}`)},"type":${JSON.stringify(member.member_type)}}`;
        first = false;
      }
      more = response.write(chunk);
      after = page[page.length - 1].member_id;
      if (page.length < MEMBER_PAGE) break;
    }
    response.end(`],"meta":${JSON.stringify(meta('Group', base, row))}}`);
  }

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(SCIM)) return send(response, 404, { error: 'not found' });
    const tenantId = authenticate(request);
    if (!tenantId) return send(response, 401, { status: '401' });
    const base = `http://${request.headers.host}${SCIM}`;
    const [collection, id] = url.pathname.slice(SCIM.length).split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method ?? 'GET';
    try {
      if (collection === 'Users' && id === undefined && method === 'POST') {
        const resource = JSON.parse(await readBody(request)) as Json;
        // BEGIN IMMEDIATE: take the write lock up front (waiting on busy_timeout), never upgrade a read snapshot.
        const { id: newId, now } = createUser.immediate(tenantId, resource);
        const row = { id: newId, raw: '', version: 1, created_at: now, updated_at: now };
        return send(response, 201, { ...resource, id: newId, meta: meta('User', base, row) }, { ETag: 'W/"1"', Location: `${base}/Users/${newId}` });
      }
      if (collection === 'Users' && id === undefined && method === 'GET') {
        const filter = url.searchParams.get('filter');
        if (filter) {
          const match = /^\s*userName\s+eq\s+"([^"]*)"\s*$/i.exec(filter);
          if (!match) return send(response, 400, { scimType: 'invalidFilter' });
          const row = userByName.get(tenantId, fold(match[1]));
          return send(response, 200, list(row ? [render('User', base, row)] : [], row ? 1 : 0, 1));
        }
        const startIndex = Math.max(1, Number(url.searchParams.get('startIndex') ?? 1));
        const count = Math.max(0, Math.min(1000, Number(url.searchParams.get('count') ?? 100)));
        const total = userCount.get(tenantId)?.total ?? 0;
        const rows = count === 0 ? [] : userPage.all(tenantId, count, startIndex - 1);
        return send(response, 200, list(rows.map((row) => render('User', base, row)), total, startIndex));
      }
      if (collection === 'Groups' && id === undefined && method === 'GET') {
        const match = /^\s*displayName\s+eq\s+"([^"]*)"\s*$/i.exec(url.searchParams.get('filter') ?? '');
        if (!match) return send(response, 400, { scimType: 'invalidFilter' });
        const row = groupByName.get(tenantId, fold(match[1]));
        return send(response, 200, list(row ? [render('Group', base, row)] : [], row ? 1 : 0, 1));
      }
      if (collection === 'Groups' && id !== undefined && method === 'GET') {
        const row = groupById.get(tenantId, id);
        if (!row) return send(response, 404, { status: '404' });
        return await streamGroup(response, tenantId, base, row);
      }
      if (collection === 'Groups' && id !== undefined && method === 'PATCH') {
        const body = JSON.parse(await readBody(request)) as { Operations?: { op: string; path?: string; value?: { value: string }[] }[] };
        const adds: string[] = [];
        const removes: string[] = [];
        for (const operation of body.Operations ?? []) {
          const values = (operation.value ?? []).map((member) => member.value);
          if (operation.op.toLowerCase() === 'add') adds.push(...values);
          else if (operation.op.toLowerCase() === 'remove') removes.push(...values);
        }
        patchMembers.immediate(tenantId, id, adds, removes);
        return send(response, 204);
      }
      return send(response, 404, { status: '404' });
    } catch (error) {
      const status = (error as { status?: number; code?: string }).status ?? ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' ? 409 : 500);
      return send(response, status, { status: String(status), detail: status === 500 ? String(error) : undefined });
    }
  };
}
