import { testDatabaseKind } from '../support/test-app';
import { blockEventLoop } from '../support/event-loop';
import { USER_SCHEMA, useScimHub, type ScimClient } from '../support/scim-client';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
/** Concurrent connections of the flooding tenant, each sending its next bulk write as soon as the last is answered. */
const FLOOD_LANES = 32;
const OPERATIONS_PER_BULK = 50;
/** Well under the time the flood's backlog takes to drain (several seconds before per-tenant admission). */
const QUIET_BUDGET_MS = 1_000;

/**
 * Issue 13: one tenant flooding SCIM with concurrent bulk writes cannot make another tenant's requests
 * wait behind its backlog: each tenant has a few requests in progress at most, its others wait in its own
 * line, and the lines take turns.
 */
describe(`SCIM admission per tenant on ${testDatabaseKind()}`, () => {
  const scim = useScimHub();

  it("another tenant's reads and writes are served promptly while one tenant floods with concurrent bulk writes", async () => {
    const flooder = await scim.client();
    const quiet = await scim.client();
    const quietUser = await quiet.createUser('quiet@example.com');
    const quietRequests = async (): Promise<number[]> => {
      const latencies: number[] = [];
      for (let index = 0; index < 10; index += 1) {
        const started = performance.now();
        const response =
          index % 2 === 0
            ? await quiet.get(`/Users/${quietUser.id}`)
            : await quiet.patch(`/Users/${quietUser.id}`, [{ op: 'replace', path: 'title', value: `t${index}` }]);
        latencies.push(Math.round(performance.now() - started));
        expect(response.status).toBe(200);
      }
      return latencies;
    };
    const alone = await quietRequests();
    const statuses = new Map<number, number>();
    let flooding = true;
    let bulks = 0;
    let created = 0;
    const lane = async () => {
      while (flooding) {
        const batch = (bulks += 1);
        const Operations = Array.from({ length: OPERATIONS_PER_BULK }, (_, index) => ({ method: 'POST', path: '/Users', bulkId: `u${index}`, data: { schemas: [USER_SCHEMA], userName: `flood${batch}-${index}@example.com` } }));
        const response = await flooder.post('/Bulk', { schemas: [BULK_REQUEST], Operations });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) created += response.body.Operations.filter((operation: { status: string }) => operation.status === '201').length;
        if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, Number(response.headers['retry-after']) * 1000));
      }
    };
    const lanes = Array.from({ length: FLOOD_LANES }, () => lane());
    let latencies: number[] = [];
    try {
      // The flood's backlog builds up first.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      latencies = await quietRequests();
    } finally {
      flooding = false;
      await Promise.all(lanes);
    }
    console.log(`${testDatabaseKind()}: quiet tenant latencies alone ${alone.join(', ')} ms, during the flood ${latencies.join(', ')} ms; flood ${[...statuses].map(([status, count]) => `${count}x${status}`).join(' ')}, ${created} users created`);
    expect(created).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(QUIET_BUDGET_MS);
  });

  describe('while the event loop is busy', () => {
    // A request that cannot be served at once is refused, so the places a tenant has show as 429s.
    const shared = useScimHub({ SCIM_MAX_QUEUE_WAIT_MS: '1' });
    const bulk = (prefix: string) => ({
      schemas: [BULK_REQUEST],
      Operations: Array.from({ length: 10 }, (_, index) => ({ method: 'POST', path: '/Users', bulkId: `u${index}`, data: { schemas: [USER_SCHEMA], userName: `${prefix}-${index}@example.com` } })),
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it('a tenant whose requests held far more than an equal share of the places gets one at a time, the others keep theirs, and all are given back once the loop is idle', async () => {
      const heavy = await shared.client();
      const light = await Promise.all([shared.client(), shared.client(), shared.client()]);
      const lightUser = await light[0]!.createUser('light@example.com');
      const heavyRound = async (round: string) => (await Promise.all([0, 1, 2].map((lane) => heavy.post('/Bulk', bulk(`${round}${lane}`))))).map((response) => response.status);
      // An idle loop: the tenant has its four places.
      expect(await heavyRound('idle')).toEqual([200, 200, 200]);
      // The light tenants send too (a tenant alone is never heavy, whatever it sends): a write each, which holds
      // its place long enough to be remembered into the busy round (a GET of under half a millisecond is forgotten at once).
      for (const [index, client] of light.entries()) await client.createUser(`light${index}-pre@example.com`);

      // Busy turns of 60 ms back to back: the loop is busy, yet not late past SCIM_MAX_EVENT_LOOP_LAG_MS.
      const hog = setInterval(() => blockEventLoop(60), 1);
      let busy: Awaited<ReturnType<ScimClient['post']>>[];
      let lightStatuses: number[];
      try {
        await pause(250);
        [busy, lightStatuses] = await Promise.all([
          Promise.all([0, 1, 2].map((lane) => heavy.post('/Bulk', bulk(`busy${lane}`)))),
          Promise.all([0, 1].map(() => light[0]!.get(`/Users/${lightUser.id}`).then((response) => response.status))),
        ]);
      } finally {
        clearInterval(hog);
      }
      expect(busy.map((response) => response.status).sort()).toEqual([200, 429, 429]);
      for (const response of busy.filter((refused) => refused.status === 429)) {
        expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        expect(response.body.detail).toContain("this tenant's SCIM requests run one at a time");
      }
      // A light tenant's two requests at once are both served.
      expect(lightStatuses).toEqual([200, 200]);

      await pause(300);
      expect(await heavyRound('after')).toEqual([200, 200, 200]);
    });
  });

  describe('past the per-tenant limit', () => {
    const limited = useScimHub({ SCIM_MAX_CONCURRENT_REQUESTS_PER_TENANT: '1', SCIM_MAX_QUEUE_WAIT_MS: '1' });

    it("a tenant's requests past its share that cannot wait are 429 with Retry-After naming the limit; another tenant is served meanwhile", async () => {
      const busy = await limited.client();
      const other = await limited.client();
      const otherUser = await other.createUser('other@example.com');
      const bulk = (batch: number) => ({
        schemas: [BULK_REQUEST],
        Operations: Array.from({ length: OPERATIONS_PER_BULK }, (_, index) => ({ method: 'POST', path: '/Users', bulkId: `u${index}`, data: { schemas: [USER_SCHEMA], userName: `b${batch}-${index}@example.com` } })),
      });
      const timed = async (batch: number) => {
        const started = performance.now();
        const response = await busy.post('/Bulk', bulk(batch));
        return Object.assign(response, { tookMs: performance.now() - started });
      };
      const [responses, otherResponse] = await Promise.all([Promise.all(Array.from({ length: 5 }, (_, batch) => timed(batch))), other.get(`/Users/${otherUser.id}`)]);
      expect(otherResponse.status).toBe(200);
      const refused = responses.filter((response) => response.status === 429);
      const served = responses.filter((response) => response.status === 200);
      expect(served.length).toBeGreaterThanOrEqual(1);
      expect(served[0].body.Operations.map((operation: { status: string }) => operation.status)).toEqual(Array(OPERATIONS_PER_BULK).fill('201'));
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(responses.every((response) => response.status === 200 || response.status === 429)).toBe(true);
      for (const response of refused) {
        expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        // Answered a second late: a client that ignores Retry-After cannot send hundreds a second.
        expect(response.tookMs).toBeGreaterThanOrEqual(950);
        // RFC 7644 defines scimType keywords for 400 only; 429 (RFC 6585) carries none.
        expect(response.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: expect.stringContaining('at most 1 SCIM requests of a tenant run at once') });
      }
    });
  });
});
