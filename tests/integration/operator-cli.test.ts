import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/test-app';
import { databaseUrl, runCli } from '../support/processes';

/** CLI parity with the operator API: operator keys, tenant lifecycle, tenant API keys, SCIM OAuth clients. */
describe(`operator CLI on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const result = await runCli(args, env);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return args.includes('--json') ? JSON.parse(result.stdout) : result.stdout;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: databaseUrl(database.config), PUBLIC_URL: 'https://hub.example.com' };
    await runCli(['migrate'], env);
  });
  afterAll(async () => {
    await database.drop();
  });

  it('operator-key create, list and revoke', async () => {
    const created = await cli('operator-key', 'create', '--name', 'billing backend', '--json');
    expect(created).toEqual({ id: expect.any(String), name: 'billing backend', key: expect.stringMatching(/^ihop_/) });
    expect((await cli('operator-key', 'list', '--json')).keys).toEqual([expect.objectContaining({ id: created.id, revokedAt: null })]);
    await cli('operator-key', 'revoke', created.id);
    expect((await cli('operator-key', 'list', '--json')).keys[0].revokedAt).toEqual(expect.any(String));
    expect((await runCli(['operator-key', 'revoke', created.id], env)).status).not.toBe(0);
  });

  it('tenant list, suspend, resume and delete; apikey create, list and revoke; oauth-client create and revoke', async () => {
    const tenant = await cli('tenant', 'create', 'cli-acme', '--json');
    const listed = (await cli('tenant', 'list', '--json')).tenants;
    expect(listed).toEqual([expect.objectContaining({ slug: 'cli-acme', suspended: false, users: 0, groups: 0, lastScimRequestAt: null })]);

    expect(await cli('tenant', 'suspend', 'cli-acme', '--reason', 'trial ended', '--json')).toEqual({ slug: 'cli-acme', suspendedAt: expect.any(String) });
    expect((await cli('tenant', 'list', '--json')).tenants[0].suspended).toBe(true);
    await cli('tenant', 'resume', 'cli-acme');
    expect((await cli('tenant', 'list', '--json')).tenants[0].suspended).toBe(false);

    const key = await cli('apikey', 'create', 'cli-acme', '--name', 'reporting', '--scopes', 'read', '--json');
    expect(key).toMatchObject({ name: 'reporting', scopes: ['read'], key: expect.stringMatching(/^ihapi_/) });
    expect((await cli('apikey', 'list', 'cli-acme', '--json')).keys.map((entry: { name: string }) => entry.name).sort()).toEqual(['admin (created with the tenant)', 'reporting']);
    await cli('apikey', 'revoke', 'cli-acme', key.id);
    expect((await cli('apikey', 'list', 'cli-acme', '--json')).keys.find((entry: { id: string }) => entry.id === key.id).revokedAt).toEqual(expect.any(String));
    expect((await runCli(['apikey', 'create', 'cli-acme', '--name', 'x', '--scopes', 'root'], env)).stderr).toContain('--scopes');

    const client = await cli('oauth-client', 'create', 'cli-acme', '--token-lifetime-minutes', '120', '--json');
    expect(client).toEqual({ tokenEndpoint: 'https://hub.example.com/scim/v2/oauth/token', clientId: expect.stringMatching(/^ihcid_/), clientSecret: expect.stringMatching(/^ihcsec_/), tokenLifetimeMinutes: 120 });
    expect((await runCli(['oauth-client', 'create', 'cli-acme', '--token-lifetime-minutes', '10'], env)).stderr).toContain('60 to 360');
    await cli('oauth-client', 'revoke', 'cli-acme');

    expect((await runCli(['tenant', 'delete', 'cli-acme'], env)).stderr).toContain('--confirm');
    const deleted = await cli('tenant', 'delete', 'cli-acme', '--confirm', 'cli-acme', '--json');
    expect(deleted.slug).toBe('cli-acme');
    expect(deleted.deletedRows).toMatchObject({ tenants: 1, connections: 1, api_keys: 2 });
    expect((await cli('tenant', 'list', '--json')).tenants).toEqual([]);
    expect(tenant.tenant.slug).toBe('cli-acme');
  });
});
