import http from 'node:http';
import { testDatabaseKind } from '../support/test-app';
import { GRAPHQL, useGraphqlHub } from '../graphql/graphql-hub';
import { LARGE_REQUEST_BYTES, LARGE_REQUESTS_WAITING_PER_TENANT } from '../../src/graphql/large-requests';

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** `{ viewer { tenant { id } } }` with an unused variable that makes the body `bytes` long. */
function paddedQuery(bytes: number): Buffer {
  const shell = JSON.stringify({ query: '{ viewer { tenant { id } } }', variables: { pad: '' } });
  return Buffer.from(JSON.stringify({ query: '{ viewer { tenant { id } } }', variables: { pad: 'x'.repeat(bytes - shell.length) } }));
}

/** Sends `body` to /graphql; with `holdBack`, the last bytes wait until `release` is called. */
function send(baseUrl: string, key: string, body: Buffer, holdBack = false): { answer: Promise<Answer>; release: () => void } {
  const url = new URL(GRAPHQL, baseUrl);
  const client = http.request(url, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Content-Length': String(body.length) } });
  const answer = new Promise<Answer>((resolve, reject) => {
    client.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body: JSON.parse(text) as Answer['body'] }));
    });
    client.on('error', reject);
  });
  const cut = holdBack ? body.length - 10 : body.length;
  client.write(body.subarray(0, cut));
  const release = () => client.end(body.subarray(cut));
  if (!holdBack) release();
  return { answer, release };
}

/** Issue 13: one tenant's large GraphQL requests are served one at a time; nobody else waits for them. */
describe(`GraphQL large requests on ${testDatabaseKind()}`, () => {
  const graphql = useGraphqlHub();

  it(`serves a tenant's requests over ${LARGE_REQUEST_BYTES} bytes one at a time, ${LARGE_REQUESTS_WAITING_PER_TENANT} waiting and one more refused with 429; small ones and other tenants' go on`, async () => {
    const tenant = await graphql.tenant();
    const other = await graphql.tenant();
    const key = tenant.credentials.adminApiKey;
    const large = paddedQuery(LARGE_REQUEST_BYTES + 1_000);
    const answered: string[] = [];

    const first = send(graphql.hub.baseUrl, key, large, true);
    let waiting: Promise<Answer>[] = [];
    try {
      // The first one's body is still arriving: it is in progress, and the next ones wait for it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      waiting = Array.from({ length: LARGE_REQUESTS_WAITING_PER_TENANT }, (_, index) =>
        send(graphql.hub.baseUrl, key, large).answer.then((answer) => {
          answered.push(`waiting ${index}`);
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await send(graphql.hub.baseUrl, key, large).answer;
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBe('1');
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY');
      expect(refused.body.errors?.[0]?.message).toContain(`one request over ${LARGE_REQUEST_BYTES} bytes of a tenant is served at a time`);

      const small = await send(graphql.hub.baseUrl, key, paddedQuery(2_000)).answer;
      expect(small.status).toBe(200);
      const otherTenant = await send(graphql.hub.baseUrl, other.credentials.adminApiKey, large).answer;
      expect(otherTenant.status).toBe(200);
      expect(answered).toEqual([]);
    } finally {
      // Its body completes whatever happened: the hub can close.
      first.release();
    }
    expect((await first.answer).status).toBe(200);
    const after = await Promise.all(waiting);
    expect(after.map((answer) => answer.status)).toEqual(Array.from({ length: LARGE_REQUESTS_WAITING_PER_TENANT }, () => 200));
    expect(after[0]!.body.data).toEqual({ viewer: { tenant: { id: expect.any(String) } } });
  });
});
