import { testDatabaseKind } from '../support/test-app';
import { blockEventLoop } from '../support/event-loop';
import { USER_SCHEMA, expectStatus, useScimHub, type ScimClient } from '../support/scim-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

function expectBusy(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }): void {
  expect(response.status).toBe(429);
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '429' });
}

function createUsers(client: ScimClient, prefix: string, count: number) {
  return Array.from({ length: count }, (_, index) => client.post('/Users', { schemas: [USER_SCHEMA], userName: `${prefix}${index}@example.com` }));
}

/**
 * Overload (issue 6, S8): SCIM answers 429 with an integer Retry-After instead of letting requests wait
 * ever longer. On PostgreSQL requests overlap and queue in the limiter; on SQLite (a synchronous driver)
 * each is served within one turn of the event loop, so there the backlog shows as the loop running late.
 */
describe(`SCIM overload on ${testDatabaseKind()}`, () => {
  describe('an event loop running late', () => {
    const scim = useScimHub({ SCIM_MAX_EVENT_LOOP_LAG_MS: '100' });

    it('refuses requests with 429 + Retry-After while the loop stays behind, stores what it served, then serves again', async () => {
      const client = await scim.client();
      // Busy turns of 250 ms, back to back: the loop stays behind, as under a flood of requests.
      const hog = setInterval(() => blockEventLoop(250), 1);
      let responses: Awaited<ReturnType<ScimClient['post']>>[];
      try {
        await new Promise((resolve) => setTimeout(resolve, 400));
        responses = await Promise.all(createUsers(client, 'late', 10));
      } finally {
        clearInterval(hog);
      }
      const created = responses.filter((response) => response.status === 201);
      const refused = responses.filter((response) => response.status !== 201);
      expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) expectBusy(response);
      // The loop has caught up once its lateness is measured again.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await client.filterUsers('userName sw "late"')).totalResults).toBe(created.length);
      expectStatus(await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'after@example.com' }), 201);
    });

    it('a request arriving while nothing is in progress is served, however late the loop runs (one client reading big groups)', async () => {
      const client = await scim.client();
      const hog = setInterval(() => blockEventLoop(250), 1);
      const statuses: number[] = [];
      try {
        await new Promise((resolve) => setTimeout(resolve, 400));
        for (let index = 0; index < 3; index += 1) statuses.push((await client.post('/Users', { schemas: [USER_SCHEMA], userName: `alone${index}@example.com` })).status);
      } finally {
        clearInterval(hog);
      }
      expect(statuses).toEqual([201, 201, 201]);
      // Let the loop's lateness be measured again before the next test.
      await new Promise((resolve) => setTimeout(resolve, 400));
    });

    it('a single long turn of the loop is not overload', async () => {
      const client = await scim.client();
      const pending = Promise.all(createUsers(client, 'once', 5));
      blockEventLoop(400);
      expect((await pending).map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    });
  });

  describe('a full line', () => {
    const scim = useScimHub({ SCIM_MAX_CONCURRENT_REQUESTS: '1', SCIM_MAX_QUEUED_REQUESTS: '2', SCIM_MAX_QUEUE_WAIT_MS: '55000' });

    it('refuses what does not fit with 429 + Retry-After; what was served is stored; every place is given back', async () => {
      const client = await scim.client();
      const responses = await Promise.all(createUsers(client, 'burst', 30));
      const created = responses.filter((response) => response.status === 201);
      const refused = responses.filter((response) => response.status !== 201);
      expect(created.length).toBeGreaterThanOrEqual(3);
      if (testDatabaseKind() === 'postgresql') expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) expectBusy(response);
      expect((await client.filterUsers('userName sw "burst"')).totalResults).toBe(created.length);
      for (let index = 0; index < 5; index += 1) expectStatus(await client.post('/Users', { schemas: [USER_SCHEMA], userName: `after${index}@example.com` }), 201);
    });
  });

  describe('a long wait', () => {
    const scim = useScimHub({ SCIM_MAX_CONCURRENT_REQUESTS: '1', SCIM_MAX_QUEUED_REQUESTS: '1000', SCIM_MAX_QUEUE_WAIT_MS: '1' });

    it('answers 429 to a request that waited past the limit, never 5xx', async () => {
      const client = await scim.client();
      const responses = await Promise.all(createUsers(client, 'waiting', 30));
      expect(responses.filter((response) => response.status >= 500)).toEqual([]);
      const refused = responses.filter((response) => response.status !== 201);
      if (testDatabaseKind() === 'postgresql') expect(refused.length).toBeGreaterThan(0);
      for (const response of refused) expectBusy(response);
      expectStatus(await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'alone@example.com' }), 201);
    });
  });
});
