import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bearer, createTestHub, testDatabaseKind, type TestHub } from '../support/test-app';
import { PROJECT_ROOT } from '../support/processes';

const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'graphiql');
const asBrowser = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** GraphiQL at /graphql for browsers: bundled from npm (no CDN), on in development, off in production unless GRAPHIQL=true. */
describe(`GraphiQL on ${testDatabaseKind()}`, () => {
  const hubs: TestHub[] = [];
  const hubWith = async (env: Record<string, string>) => {
    const hub = await createTestHub(env, { backgroundJobs: false });
    hubs.push(hub);
    return hub;
  };

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-graphiql.js'), '--if-missing'], { cwd: PROJECT_ROOT });
  });
  afterAll(async () => {
    for (const hub of hubs) await hub.close();
  });

  it('serves the explorer page and its bundle in development; API clients still get the API', async () => {
    const hub = await hubWith({ NODE_ENV: 'development' });
    const page = await hub.http.get('/graphql').set(asBrowser);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets).toEqual(['/graphql/graphiql/main.css', '/graphql/graphiql/main.js']);
    for (const asset of assets) {
      const served = await hub.http.get(asset);
      expect(served.status).toBe(200);
      expect(Number(served.headers['content-length'] ?? served.text?.length ?? 0)).toBeGreaterThan(1000);
    }
    expect((await hub.http.get('/graphql/graphiql/nothing.js')).status).toBe(404);
    // No CDN: the bundle is the page's only script, and it names no script host.
    const script = readFileSync(path.join(BUNDLE, 'main.js'), 'utf8');
    expect(script).not.toMatch(/unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com/);
    expect(script).toContain('graphiql');

    const credentials = await hub.createTenant();
    const api = await hub.http.post('/graphql').set(bearer(credentials.adminApiKey)).send({ query: '{ viewer { scopes } }' });
    expect(api.body.data.viewer.scopes).toContain('ADMIN');
    expect((await hub.http.get('/graphql').set('Accept', 'application/json')).status).toBe(401);
  });

  it('is off in production unless GRAPHIQL=true', async () => {
    const production = await hubWith({ NODE_ENV: 'production' });
    const refused = await production.http.get('/graphql').set(asBrowser);
    expect(refused.status).toBe(401);
    expect(refused.text).not.toContain('GraphiQL');
    const enabled = await hubWith({ NODE_ENV: 'production', GRAPHIQL: 'true' });
    expect((await enabled.http.get('/graphql').set(asBrowser)).status).toBe(200);
    expect(existsSync(path.join(BUNDLE, 'main.css'))).toBe(true);
  });
});
