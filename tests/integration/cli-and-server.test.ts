import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { databaseUrl, freePort, runCli, startServer } from '../support/processes';

/** The operator's view: the CLI and the server as processes, on this project's database. */
describe(`CLI and server processes on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: databaseUrl(database.config), PUBLIC_URL: 'https://hub.example.com' };
  });
  afterAll(async () => {
    await database.drop();
  });

  it('migrate applies the migrations once', async () => {
    const first = await runCli(['migrate', '--json'], env);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await runCli(['migrate', '--json'], env);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
  });

  it('tenant create --json prints the tenant, SCIM base URL, SCIM token and admin API key; token rotate replaces the token', async () => {
    const created = await runCli(['tenant', 'create', 'acme', '--name', 'Acme Corp', '--json'], env);
    expect(created.status).toBe(0);
    const tenant = JSON.parse(created.stdout);
    expect(tenant.tenant).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), slug: 'acme', name: 'Acme Corp' });
    expect(tenant.scimBaseUrl).toBe('https://hub.example.com/scim/v2');
    expect(tenant.scimToken).toMatch(/^ihscim_/);
    expect(tenant.adminApiKey).toMatch(/^ihapi_/);

    const duplicate = await runCli(['tenant', 'create', 'acme', '--json'], env);
    expect(duplicate.status).not.toBe(0);
    expect(duplicate.stderr).toContain('already exists');

    const rotated = await runCli(['token', 'rotate', 'acme', '--expires-in-days', '30', '--json'], env);
    expect(rotated.status).toBe(0);
    const rotation = JSON.parse(rotated.stdout);
    expect(rotation.scimToken).toMatch(/^ihscim_/);
    expect(rotation.scimToken).not.toBe(tenant.scimToken);
    const expiresInDays = (Date.parse(rotation.expiresAt) - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(29.9);
    expect(expiresInDays).toBeLessThanOrEqual(30);

    const port = await freePort();
    const server = await startServer(env, port);
    try {
      const scim = (token: string) => fetch(`${server.baseUrl}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await scim(tenant.scimToken)).status).toBe(401);
      expect((await scim(rotation.scimToken)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it.each([
    [[]],
    [['tenant']],
    [['tenant', 'create']],
    [['tenant', 'create', 'Not A Slug']],
    [['token', 'rotate', 'acme', '--expires-in-days', 'soon']],
    [['token', 'rotate', 'nobody']],
    [['frobnicate', 'x', 'y']],
    [['tenant', 'create', 'x', '--colour', 'red']],
  ])('bad arguments %j get a message and a non-zero exit', async (args) => {
    const result = await runCli(args, env);
    expect(result.status).not.toBe(0);
    expect(result.stderr.length).toBeGreaterThan(0);
  });

  it('mapping validate checks a YAML mapping file offline and prints each error with its position', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'mapping-'));
    const good = path.join(directory, 'good.yaml');
    const bad = path.join(directory, 'bad.yaml');
    writeFileSync(good, ['rules:', '  - id: role', '    target: appRoles', '    from: userType', '    pipe: [trim, { map: { admin: Admin, user: Contributor }, default: Viewer }]', ''].join('\n'));
    writeFileSync(bad, ['rules:', '  - id: role', '    target: appRoles', "    expr: 'lower(src.userType'", '  - id: x', '    target: nope', '    from: title', ''].join('\n'));
    const valid = await runCli(['mapping', 'validate', good], env);
    expect(valid.status).toBe(0);
    expect(valid.stdout).toContain('valid');
    const invalid = await runCli(['mapping', 'validate', bad], env);
    expect(invalid.status).not.toBe(0);
    expect(invalid.stdout).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: error: .*\\[rules\\[0\\]\\.expr\\]`));
    expect(invalid.stdout).toMatch(/:6:\d+: error: target 'nope'/);
    // Issue 13: many single-use anchors are refused at once, with the limit and its line.
    const anchors = path.join(directory, 'anchors.yaml');
    writeFileSync(anchors, `rules: [${Array.from({ length: 15_000 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]\n`);
    const refused = await runCli(['mapping', 'validate', anchors], env);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toContain(`${anchors}:1:`);
    expect(refused.stdout).toContain('error: the file has more than 100 anchors and aliases');
  });

  it('a bad environment stops the server with one message naming every bad variable', async () => {
    const result = await runCli(['migrate'], { ...env, PORT: 'abc', DATABASE_URL: 'mysql://nope' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/DATABASE_URL/);
  });
});

describe(`server start-up and shutdown on ${testDatabaseKind()}`, () => {
  it('on an empty database it creates the demo tenant, prints its URL and secrets once, and serves them; SIGTERM finishes in-flight requests', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: databaseUrl(database.config) };
    try {
      const port = await freePort();
      const server = await startServer(env, port);
      const output = server.output();
      expect(output).toContain(`http://127.0.0.1:${port}/scim/v2`);
      const token = /SCIM token \(secret token\):\s+(\S+)/.exec(output)?.[1];
      const apiKey = /Admin API key \(GraphQL\):\s+(\S+)/.exec(output)?.[1];
      expect(token).toMatch(/^ihscim_/);
      expect(apiKey).toMatch(/^ihapi_/);
      const created = await fetch(`${server.baseUrl}/scim/v2/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ userName: 'first@example.com' }),
      });
      expect(created.status).toBe(201);
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);

      const inFlight = fetch(`${server.baseUrl}/scim/v2/Users?count=10`, { headers: { Authorization: `Bearer ${token}` } });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const exitCode = await server.stop('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(exitCode).toBe(0);
      expect(server.output()).not.toContain('Error');

      const again = await startServer(env, await freePort());
      try {
        expect(again.output()).not.toContain('SCIM token');
      } finally {
        await again.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
