import { ConfigError, DEFAULT_SQLITE_PATH, loadConfig, parseDatabaseUrl } from '../../../src/config';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment: SQLite under ./data, port 4000', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'sqlite', path: DEFAULT_SQLITE_PATH });
    expect(config.port).toBe(4000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.sqliteSynchronous).toBe('FULL');
  });

  it.each([
    ['sqlite:/tmp/x.sqlite', { kind: 'sqlite', path: '/tmp/x.sqlite' }],
    ['sqlite://relative/x.sqlite', { kind: 'sqlite', path: 'relative/x.sqlite' }],
    ['postgres://postgres@127.0.0.1:5432/test', { kind: 'postgresql', url: 'postgres://postgres@127.0.0.1:5432/test' }],
    ['postgresql://u:p@db.example:6543/hub', { kind: 'postgresql', url: 'postgresql://u:p@db.example:6543/hub' }],
  ])('reads DATABASE_URL %s', (value, expected) => {
    expect(parseDatabaseUrl(value)).toEqual(expected);
  });

  it('lists every bad variable in one error', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SQLITE_SYNCHRONOUS: 'off', MAX_BODY_BYTES: '12', PUBLIC_URL: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/PORT.*eighty/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/SQLITE_SYNCHRONOUS/);
    expect(problems.join('\n')).toMatch(/MAX_BODY_BYTES/);
    expect(problems.join('\n')).toMatch(/PUBLIC_URL/);
    expect((caught as Error).message.split('\n')).toHaveLength(7);
  });

  it.each([
    [undefined, { addresses: ['loopback'] }],
    ['2', { hops: 2 }],
    ['0', { hops: 0 }],
    ['false', { hops: 0 }],
    ['loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.7,uniquelocal', { addresses: ['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7', 'uniquelocal'] }],
  ])('reads TRUST_PROXY %s as hops or trusted addresses', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'everything', '10.0.0.0/99', '300.1.1.1', 'loopback,,nope', '-1'])('refuses TRUST_PROXY %s', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it('reads the failed-authentication limits per address and per tenant, and refuses zero', () => {
    expect(loadConfig({})).toMatchObject({ authFailuresPerMinute: 30, authFailuresPerTenantPerMinute: 60 });
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '5', AUTH_FAILURES_PER_TENANT_PER_MINUTE: '7' })).toMatchObject({ authFailuresPerMinute: 5, authFailuresPerTenantPerMinute: 7 });
    expect(() => loadConfig({ AUTH_FAILURES_PER_TENANT_PER_MINUTE: '0' })).toThrow(/AUTH_FAILURES_PER_TENANT_PER_MINUTE must be between/);
  });

  it('refuses a port out of range and an empty sqlite path', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be between/);
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:' })).toThrow(/needs a path/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://' })).toThrow(/DATABASE_URL/);
  });
  it('reads the outbound allow-list and resolvers, naming each bad entry', () => {
    const config = loadConfig({ OUTBOUND_ALLOW_HOSTS: 'localhost, 127.0.0.1,10.0.0.0/8 ,fd00::/8', OUTBOUND_DNS_SERVERS: '127.0.0.1:5353,[::1]:53,10.0.0.2' });
    expect(config.outbound).toEqual({ allowHosts: ['localhost', '127.0.0.1', '10.0.0.0/8', 'fd00::/8'], dnsServers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.2'] });
    expect(loadConfig({}).outbound).toEqual({ allowHosts: [], dnsServers: [] });
    expect(() => loadConfig({ OUTBOUND_ALLOW_HOSTS: 'http://x/, 10.0.0.0/40', OUTBOUND_DNS_SERVERS: 'dns.example:53' })).toThrow(
      /OUTBOUND_ALLOW_HOSTS: "http:\/\/x\/" is not a host name, IP address or CIDR range[\s\S]*OUTBOUND_ALLOW_HOSTS: "10.0.0.0\/40" is not a host name, IP address or CIDR range[\s\S]*OUTBOUND_DNS_SERVERS: "dns.example:53" is not a resolver address/,
    );
  });

  it('reads the webhook concurrency caps and breaker settings', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ maxInFlight: 64, maxInFlightPerTenant: 8, maxInFlightPerEndpoint: 2, breakerThreshold: 10, breakerCooldownMs: 60_000 });
    expect(() => loadConfig({ WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '0' })).toThrow(/WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT must be between 1 and 100/);
  });
});
