import fc from 'fast-check';
import type { Response } from 'supertest';
import { evaluateFilter } from '../../src/domain/filter/evaluate-filter';
import type { AttributePath } from '../../src/domain/filter/filter-ast';
import { parseFilter } from '../../src/domain/filter/filter-parser';
import { testDatabaseKind } from '../support/test-app';
import { expectStatus, ScimClient, USER_SCHEMA, useScimHub } from '../support/scim-client';
import { ENTERPRISE_URN, hostileFilter, validFilter, WORDS } from './support/filter-arbitraries';
import { recordFigure, sized } from './support/gate';
import { containsNul, exceedsMaxStringBytes, MAX_STRING_BYTES } from '../../src/domain/string-limits';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { errorCodes, useGraphqlHub } from '../graphql/graphql-hub';
import { allStringPositions, describePosition, probe } from '../graphql/string-probes';

/** Driver and ORM text, SQL error messages and stack frames: none may reach a client. */
const DRIVER_TEXT = /SQLITE_|SqliteError|better-sqlite|sqlite3|DriverException|knex|mikro-?orm|pg-protocol|syntax error at or near|no such (column|table)|relation "|violates .* constraint|Expression tree is too large|stack depth|\bat [\w.<>]+ \(.*:\d+:\d+\)/i;
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261125);

type Resource = Record<string, any>;

/** RFC 7643 caseExact as the server publishes it at /Schemas, plus the common attributes (section 3.1). */
async function caseExactness(client: ScimClient): Promise<(path: AttributePath) => boolean> {
  const response = await client.get('/Schemas');
  expectStatus(response, 200);
  const exact = new Map<string, boolean>();
  for (const schema of response.body.Resources as Resource[]) {
    for (const attribute of schema.attributes as Resource[]) {
      exact.set(`${schema.id}|${attribute.name}|`.toLowerCase(), attribute.caseExact === true);
      for (const sub of (attribute.subAttributes ?? []) as Resource[]) exact.set(`${schema.id}|${attribute.name}|${sub.name}`.toLowerCase(), sub.caseExact === true);
    }
  }
  const common: Record<string, boolean> = { id: true, externalid: true, meta: false };
  return (path) => {
    const attribute = path.attribute.toLowerCase();
    if (!path.schema && attribute in common) return attribute === 'meta' ? path.subAttribute?.toLowerCase() === 'resourcetype' : common[attribute];
    const schema = path.schema ?? USER_SCHEMA;
    return exact.get(`${schema}|${attribute}|${path.subAttribute ?? ''}`.toLowerCase()) ?? exact.get(`${schema}|${attribute}|`.toLowerCase()) ?? false;
  };
}

/** `count` users whose attributes come from WORDS: present, absent, duplicated, wildcards and quotes. */
async function provisionUsers(client: ScimClient, count: number): Promise<void> {
  const random = fc.sample(fc.array(fc.nat(), { minLength: 13, maxLength: 13 }), { numRuns: count, seed: SEED });
  for (let index = 0; index < count; index += 1) {
    const pick = (slot: number) => WORDS[random[index][slot] % WORDS.length];
    const has = (slot: number) => random[index][slot] % 3 !== 0;
    const user: Resource = { schemas: [USER_SCHEMA, ENTERPRISE_URN], userName: `${pick(0).replace(/[^A-Za-z0-9]/g, '')}${index}@example.com`, active: random[index][1] % 4 !== 0 };
    if (has(2)) user.displayName = pick(2);
    if (has(3)) user.name = { givenName: pick(3), ...(has(4) ? { familyName: pick(4) } : {}) };
    if (has(5)) user.title = pick(5);
    if (has(6)) user.nickName = pick(6);
    if (has(7)) user.userType = pick(7);
    if (has(8)) user.externalId = pick(8);
    if (has(9)) {
      user.emails = [{ value: `${pick(9).replace(/[^A-Za-z0-9%_.'-]/g, '')}${index}@${random[index][10] % 2 ? 'example.com' : 'Example.org'}`, type: random[index][10] % 3 ? 'work' : 'home' }];
    }
    if (has(12)) user.phoneNumbers = [{ value: pick(12), type: random[index][12] % 2 ? 'work' : 'mobile' }];
    if (random[index][12] % 5 === 0) user.addresses = [{ locality: pick(5), type: 'work' }];
    if (has(11)) user[ENTERPRISE_URN] = { department: pick(11), ...(has(10) ? { costCenter: pick(10) } : {}) };
    await client.createUser(user.userName, user);
  }
}

async function search(client: ScimClient, filter: string, viaGet: boolean): Promise<Response> {
  return viaGet && filter.length < 4_000
    ? client.get(`/Users?attributes=id&count=1000&filter=${encodeURIComponent(filter)}`)
    : client.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter, attributes: ['id'], count: 1000 });
}

function safeAnswer(response: Response): string | undefined {
  if (response.status >= 500) return `HTTP ${response.status}`;
  if (DRIVER_TEXT.test(response.text)) return `driver text in the body: ${response.text.slice(0, 300)}`;
  return undefined;
}

/** Issue 8, Fuzzing: generated filters and PATCH bodies against a running hub. */
describe(`Fuzzing on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  it('generated SCIM filters: 0 5xx, 0 driver text, valid filters agree with the reference evaluator', async () => {
    const client = await scim.client();
    await provisionUsers(client, 40);
    const all = await client.get('/Users?count=1000');
    expectStatus(all, 200);
    const users = all.body.Resources as Resource[];
    const ids = users.map((user) => user.id as string);
    const dates = users.flatMap((user) => [user.meta.created, user.meta.lastModified] as string[]);
    const isCaseExact = await caseExactness(client);
    const tally = { valid: 0, hostile: 0, agreed: 0, refused: 0, answered: 0, matches: 0 };
    let viaGet = false;

    await fc.assert(
      fc.asyncProperty(validFilter(ids, dates), async (filter) => {
        viaGet = !viaGet;
        const response = await search(client, filter, viaGet);
        expect(safeAnswer(response)).toBeUndefined();
        expect({ filter, status: response.status, body: response.status === 200 ? undefined : response.body }).toEqual({ filter, status: 200, body: undefined });
        const node = parseFilter(filter);
        const expected = users.filter((user) => evaluateFilter(node, user, { isCaseExact })).map((user) => user.id).sort();
        const actual = (response.body.Resources as Resource[]).map((user) => user.id).sort();
        expect({ filter, ids: actual }).toEqual({ filter, ids: expected });
        tally.valid += 1;
        tally.agreed += 1;
        tally.matches += actual.length;
      }),
      { numRuns: sized(800, 60_000), seed: SEED },
    );

    await fc.assert(
      fc.asyncProperty(hostileFilter(ids, dates), async (filter) => {
        viaGet = !viaGet;
        const response = await search(client, filter, viaGet);
        expect({ filter: filter.slice(0, 200), problem: safeAnswer(response) }).toEqual({ filter: filter.slice(0, 200), problem: undefined });
        expect([200, 400]).toContain(response.status);
        tally.hostile += 1;
        if (response.status === 400) {
          expect(response.body.scimType).toBe('invalidFilter');
          tally.refused += 1;
        } else {
          tally.answered += 1;
        }
      }),
      { numRuns: sized(500, 40_000), seed: SEED },
    );
    recordFigure(
      `${tally.valid + tally.hostile} filters: ${tally.valid} valid, ${tally.agreed}/${tally.valid} agree with the reference (${tally.matches} matches); ` +
        `${tally.hostile} hostile: ${tally.refused} x 400 invalidFilter, ${tally.answered} x 200; 0 5xx, 0 driver text (seed ${SEED})`,
    );
  });

  it('generated PATCH bodies: 0 5xx, a failed PATCH changes nothing, read-only attributes never change', async () => {
    const tenant = await scim.hub.createTenant();
    const client = new ScimClient(scim.hub, tenant.scimToken);
    await client.createUser('taken@example.com');
    const user = await client.createUser('patched@example.com', {
      schemas: [USER_SCHEMA, ENTERPRISE_URN],
      displayName: 'Patched',
      emails: [{ value: 'patched@example.com', type: 'work', primary: true }],
      [ENTERPRISE_URN]: { department: 'Ops' },
    });
    await client.createGroup('Readers', [user.id]);
    // What the full run found at PATCH 4,060: a NUL anywhere in a body is refused before storage.
    for (const response of [
      await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'nul\u0000@example.com' }),
      await client.patch(`/Users/${user.id}`, [{ op: 'add', path: 'userName', value: '\u0000' }]),
      // And at PATCH 595 on PostgreSQL: a userName too long for its index.
      await client.patch(`/Users/${user.id}`, [{ op: 'add', path: 'userName', value: 'x'.repeat(10_000) }]),
    ]) {
      expect({ status: response.status, scimType: response.body.scimType }).toEqual({ status: 400, scimType: 'invalidValue' });
    }
    const paths = [
      'userName', 'displayName', 'name.givenName', 'name', 'emails', 'emails[type eq "work"].value', 'emails[type eq "home"]', 'emails[value co "@"]',
      'active', 'title', 'nickName', 'id', 'meta', 'meta.created', 'meta.lastModified', 'groups', 'schemas', 'externalId', `${ENTERPRISE_URN}:department`,
      `${ENTERPRISE_URN}:manager`, 'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality', 'nonexistent', '', 'emails[', 'members', 'userName eq "x"',
    ];
    const value = fc.oneof(
      fc.constantFrom(...WORDS, 'taken@example.com', 'True', 'false', '', 'x'.repeat(10_000), '\u0000'),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        { displayName: 'Renamed' },
        { id: 'hijacked' },
        { meta: { created: '2000-01-01T00:00:00Z' } },
        { groups: [{ value: 'x' }] },
        { userName: 'taken@example.com' },
        { 'name.familyName': 'Dotted' },
        { [`${ENTERPRISE_URN}:department`]: 'Sales' },
        [{ value: 'new@example.com', type: 'home' }],
        [{ value: 42 }],
        { value: 'obj' },
        [],
        {},
      ),
    );
    const operation = fc.record(
      { op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'move', 'test', ''), path: fc.constantFrom(...paths), value },
      { requiredKeys: ['op'] },
    );
    // What IdPs mostly send, so that successful PATCHes are checked as often as failed ones.
    const plausible = fc.oneof(
      fc.record({ op: fc.constantFrom('replace', 'add', 'Replace'), path: fc.constantFrom('displayName', 'title', 'nickName', 'name.givenName', 'emails[type eq "work"].value', `${ENTERPRISE_URN}:department`), value: fc.constantFrom(...WORDS) }),
      fc.record({ op: fc.constantFrom('replace', 'Replace'), path: fc.constant('active'), value: fc.boolean() }),
      fc.record({ op: fc.constant('remove'), path: fc.constantFrom('title', 'nickName', 'name.givenName', 'emails[type eq "home"]') }),
      fc.record({ op: fc.constantFrom('replace', 'add'), value: fc.constantFrom({ displayName: 'Renamed' }, { title: 'Boss', active: true }, { 'name.familyName': 'Dotted' }) }),
    );
    const body = fc.oneof(fc.array(plausible, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(plausible, operation), { minLength: 1, maxLength: 4 }));
    const tally = { patches: 0, applied: 0, failed: 0 };
    const statuses = new Map<number, number>();
    let before = (await client.get(`/Users/${user.id}`)).body as Resource;

    await fc.assert(
      fc.asyncProperty(body, async (operations) => {
        const response = await client.patch(`/Users/${user.id}`, operations);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect({ operations, problem: safeAnswer(response) }).toEqual({ operations, problem: undefined });
        const read = await client.get(`/Users/${user.id}`);
        expectStatus(read, 200);
        const after = read.body as Resource;
        if (response.status >= 400) {
          expect({ operations, status: response.status, after: JSON.stringify(after) }).toEqual({ operations, status: response.status, after: JSON.stringify(before) });
          tally.failed += 1;
        } else {
          expect([200, 204]).toContain(response.status);
          tally.applied += 1;
        }
        expect({ operations, id: after.id, created: after.meta.created, resourceType: after.meta.resourceType, groups: after.groups }).toEqual({
          operations,
          id: user.id,
          created: user.meta.created,
          resourceType: 'User',
          groups: before.groups,
        });
        tally.patches += 1;
        before = after;
      }),
      { numRuns: sized(200, 20_000), seed: SEED },
    );
    const statusList = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${count}x${status}`).join(' ');
    recordFigure(`${tally.patches} PATCHes (${statusList}): ${tally.failed} failed and changed nothing, ${tally.applied} applied; id, meta.created, groups never changed; 0 5xx (seed ${SEED})`);
  });

  describe('GraphQL', () => {
    const graphql = useGraphqlHub();

    it('generated strings in every GraphQL query and mutation argument: 0 5xx, 0 INTERNAL_SERVER_ERROR, 0 driver text; NUL or over 2048 bytes is BAD_USER_INPUT', async () => {
      const tenant = await graphql.tenant();
      const key = await tenant.admin.sendText<{ createApiKey: { secret: string } }>('mutation { createApiKey(input: { name: "fuzz", scopes: [READ, ADMIN, OWNERSHIP] }) { secret } }');
      const client = tenant.client(key.data?.createApiKey.secret);
      const positions = allStringPositions(await buildGraphqlSchema());
      const withNul = fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([before, after]) => `${before}\u0000${after}`);
      const overLimit = fc.tuple(fc.constantFrom('x', 'é', '\u20ac', '\u{1F600}', '%'), fc.integer({ min: MAX_STRING_BYTES + 1, max: 100_000 })).map(([unit, bytes]) => unit.repeat(Math.ceil(bytes / new TextEncoder().encode(unit).length)));
      const text = fc.oneof(fc.constantFrom(...WORDS), fc.string({ unit: 'binary', maxLength: 60 }), withNul, overLimit);
      const codes = new Map<string, number>();
      const tally = { operations: 0, refusedAsInput: 0 };
      await fc.assert(
        fc.asyncProperty(fc.nat(positions.length - 1), text, async (index, value) => {
          const position = positions[index];
          const { query, variables } = probe(position, value);
          const response = await client.sendText(query, variables);
          const answer = { position: describePosition(position), value: value.slice(0, 80), status: response.status, codes: errorCodes(response) };
          const unsafe = response.status >= 500 || answer.codes.includes('INTERNAL_SERVER_ERROR') || DRIVER_TEXT.test(JSON.stringify(response.body));
          expect({ ...answer, unsafe }).toEqual({ ...answer, unsafe: false });
          if (containsNul(value) || (!position.textDocument && exceedsMaxStringBytes(value))) {
            expect(answer).toEqual({ ...answer, status: 400, codes: ['BAD_USER_INPUT'] });
            tally.refusedAsInput += 1;
          }
          for (const code of answer.codes.length > 0 ? answer.codes : ['(data)']) codes.set(String(code), (codes.get(String(code)) ?? 0) + 1);
          tally.operations += 1;
        }),
        { numRuns: sized(300, 10_000), seed: SEED },
      );
      const codeList = [...codes].sort(([, a], [, b]) => b - a).map(([code, count]) => `${count}x${code}`).join(' ');
      recordFigure(
        `${tally.operations} operations over ${positions.length} string arguments (${codeList}): ${tally.refusedAsInput} with NUL or over ${MAX_STRING_BYTES} bytes all BAD_USER_INPUT; 0 5xx, 0 INTERNAL_SERVER_ERROR, 0 driver text (seed ${SEED})`,
      );
    });
  });
});
