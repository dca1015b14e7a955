import { testDatabaseKind } from '../support/test-app';
import { USER_SCHEMA, useScimHub } from '../support/scim-client';

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
      const [responses, otherResponse] = await Promise.all([Promise.all(Array.from({ length: 5 }, (_, batch) => busy.post('/Bulk', bulk(batch)))), other.get(`/Users/${otherUser.id}`)]);
      expect(otherResponse.status).toBe(200);
      const refused = responses.filter((response) => response.status === 429);
      const served = responses.filter((response) => response.status === 200);
      expect(served.length).toBeGreaterThanOrEqual(1);
      expect(served[0].body.Operations.map((operation: { status: string }) => operation.status)).toEqual(Array(OPERATIONS_PER_BULK).fill('201'));
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(responses.every((response) => response.status === 200 || response.status === 429)).toBe(true);
      for (const response of refused) {
        expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
        // RFC 7644 defines scimType keywords for 400 only; 429 (RFC 6585) carries none.
        expect(response.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: expect.stringContaining('at most 1 SCIM requests of a tenant run at once') });
      }
    });
  });
});
