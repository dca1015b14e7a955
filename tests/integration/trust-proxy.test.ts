import { testDatabaseKind } from '../support/test-app';
import { SCIM, useScimHub } from '../support/scim-client';
import { createGraphqlTestHub, type GraphqlTestHub } from '../graphql/graphql-hub';
import { connectionOutcome } from '../support/graphql-ws-connect';

/** Failures one client address may make before further ones are 429: small, so tests see whose address counted. */
const PER_SOURCE = 2;

/**
 * Issue 13: `TRUST_PROXY` decides which X-Forwarded-For entries name the client (express `trust proxy`
 * semantics: a hop count, or trusted proxy addresses, CIDRs and the names loopback, linklocal,
 * uniquelocal). The failed-authentication throttle shows which address a request was counted under:
 * failures under one address turn 429 after PER_SOURCE, failures spread over many stay 401.
 */
describe(`TRUST_PROXY on ${testDatabaseKind()}`, () => {
  /** Statuses of failed SCIM requests, one per X-Forwarded-For value. */
  async function failuresFrom(hub: ReturnType<typeof useScimHub>, forwardedFor: string[]): Promise<number[]> {
    const statuses: number[] = [];
    for (const value of forwardedFor) statuses.push((await hub.hub.http.get(`${SCIM}/Users`).set('Authorization', 'Bearer wrong').set('X-Forwarded-For', value)).status);
    return statuses;
  }
  const spread = (last: (index: number) => string) => Array.from({ length: PER_SOURCE + 2 }, (_, index) => last(index));
  const countedTogether = [...Array<number>(PER_SOURCE).fill(401), 429, 429];
  const countedApart = Array<number>(PER_SOURCE + 2).fill(401);

  describe('unset: the loopback proxy is trusted', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE) });
    it('X-Forwarded-For from loopback names the client', async () => {
      expect(await failuresFrom(hub, spread((index) => `198.51.100.${index}`))).toEqual(countedApart);
    });
  });

  describe('false: no proxy', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), TRUST_PROXY: 'false' });
    it('X-Forwarded-For is ignored: the peer address is the client', async () => {
      expect(await failuresFrom(hub, spread((index) => `198.51.100.${index}`))).toEqual(countedTogether);
    });
  });

  describe('CIDRs that do not include the peer', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), TRUST_PROXY: '10.0.0.0/8' });
    it('X-Forwarded-For from an untrusted peer is ignored', async () => {
      expect(await failuresFrom(hub, spread((index) => `198.51.100.${index}`))).toEqual(countedTogether);
    });
  });

  describe('one hop', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), TRUST_PROXY: '1' });
    it('the entry the one proxy appended names the client; what the client wrote before it is not believed', async () => {
      expect(await failuresFrom(hub, spread((index) => `203.0.113.${index}, 198.51.100.9`))).toEqual(countedTogether);
    });
  });

  describe('two hops', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), TRUST_PROXY: '2' });
    it('the entry before the last proxy names the client', async () => {
      expect(await failuresFrom(hub, spread((index) => `203.0.113.${index}, 198.51.100.9`))).toEqual(countedApart);
    });
  });

  describe('loopback and a load balancer address', () => {
    const hub = useScimHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE), TRUST_PROXY: 'loopback, 10.9.9.0/24' });
    it('X-Forwarded-For is followed back through trusted hops only', async () => {
      expect(await failuresFrom(hub, spread((index) => `203.0.113.${index}, 10.9.9.9`))).toEqual(countedApart);
      expect(await failuresFrom(hub, spread((index) => `203.0.113.${index}, 10.8.8.8`))).toEqual(countedTogether);
    });
  });

  describe('subscription sockets', () => {
    let graphql: GraphqlTestHub;
    beforeAll(async () => {
      graphql = await createGraphqlTestHub({ AUTH_FAILURES_PER_MINUTE: String(PER_SOURCE) });
    });
    afterAll(async () => {
      await graphql.close();
    });
    it('count failures under the address X-Forwarded-For names, like HTTP', async () => {
      for (let attempt = 0; attempt < PER_SOURCE; attempt += 1) {
        expect(await connectionOutcome(graphql.wsUrl, 'ihapi_unknown', { 'X-Forwarded-For': '198.51.100.77' })).toBe(4403);
      }
      const viewer = (source: string) => graphql.http.post('/graphql').set('Content-Type', 'application/json').set('Authorization', 'Bearer ihapi_unknown').set('X-Forwarded-For', source).send('{"query":"{ viewer { scopes } }"}');
      expect((await viewer('198.51.100.77')).status).toBe(429);
      expect((await viewer('198.51.100.78')).status).toBe(401);
    });
  });
});
