import { allowListEntryProblem, OutboundAddressPolicy, OutboundAllowList, refusedAddressReason, refusedHostNameReason } from '../../../src/outbound/address-policy';

/** The host a URL names after WHATWG parsing: what the hub checks, whatever form the admin typed. */
function hostOf(url: string): string {
  const { hostname } = new URL(url);
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

describe('outbound address policy', () => {
  const policy = new OutboundAddressPolicy(new OutboundAllowList([]));

  it.each([
    ['https://127.0.0.1:1/x', 'a loopback address'],
    ['https://[::1]:1/', 'a loopback address'],
    ['https://169.254.169.254/latest/meta-data/', 'a cloud metadata address'],
    ['https://2130706433/', 'a loopback address'],
    ['https://0x7f000001/', 'a loopback address'],
    ['https://[::ffff:127.0.0.1]/', 'a loopback address in IPv4-mapped IPv6 form'],
    ['https://127.1/', 'a loopback address'],
    ['https://0/', 'an unspecified address (0.0.0.0/8)'],
    ['https://0177.0.0.1/', 'a loopback address'],
    ['https://10.1.2.3/', 'a private address (RFC 1918)'],
    ['https://172.16.0.1/', 'a private address (RFC 1918)'],
    ['https://192.168.1.1/', 'a private address (RFC 1918)'],
    ['https://100.64.0.1/', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['https://100.100.100.200/', 'a cloud metadata address'],
    ['https://169.254.1.1/', 'a link-local address'],
    ['https://224.0.0.1/', 'a multicast address'],
    ['https://255.255.255.255/', 'the broadcast address'],
    ['https://192.0.2.1/', 'a reserved or documentation address'],
    ['https://198.51.100.7/', 'a reserved or documentation address'],
    ['https://203.0.113.9/', 'a reserved or documentation address'],
    ['https://240.0.0.1/', 'a reserved or documentation address'],
    ['https://[fe80::1]/', 'a link-local address'],
    ['https://[fc00::1]/', 'a unique-local address (fc00::/7)'],
    ['https://[fd00:ec2::254]/', 'a cloud metadata address'],
    ['https://[ff02::1]/', 'a multicast address'],
    ['https://[::]/', 'an unspecified address (::)'],
    ['https://[2001:db8::1]/', 'a reserved or documentation address'],
    ['https://[::127.0.0.1]/', 'an IPv4-compatible IPv6 address (deprecated)'],
    ['https://[::ffff:10.0.0.1]/', 'a private address (RFC 1918) in IPv4-mapped IPv6 form'],
    ['https://[::ffff:169.254.169.254]/', 'a cloud metadata address in IPv4-mapped IPv6 form'],
    ['https://[64:ff9b::7f00:1]/', 'a loopback address in NAT64 IPv6 form'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'a cloud metadata address in NAT64 IPv6 form'],
    ['https://[2002:7f00:1::]/', 'a loopback address in 6to4 IPv6 form'],
    ['https://[2002:c0a8:101::1]/', 'a private address (RFC 1918) in 6to4 IPv6 form'],
    ['https://[::ffff:0:7f00:1]/', 'a loopback address in IPv4-translated IPv6 form'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'a Teredo tunnel address'],
  ])('refuses %s: %s', (url, reason) => {
    expect(policy.hostRefusal(hostOf(url))).toBe(reason);
  });

  it.each(['https://93.184.216.34/', 'https://8.8.8.8/', 'https://[2606:4700:4700::1111]/', 'https://[::ffff:8.8.8.8]/', 'https://[64:ff9b::808:808]/', 'https://[2002:808:808::1]/'])(
    'lets a public address through: %s',
    (url) => {
      expect(policy.hostRefusal(hostOf(url))).toBeUndefined();
    },
  );

  it.each([
    ['https://localhost/', 'a loopback host name'],
    ['https://LOCALHOST./', 'a loopback host name'],
    ['https://api.localhost/', 'a loopback host name'],
    ['https://metadata.google.internal/computeMetadata/v1/', 'a cloud metadata host name'],
    ['https://metadata/', 'a cloud metadata host name'],
    ['https://intranet/', 'a single-label (intranet) host name'],
    ['https://printer.local/', 'a private-use domain name (.local)'],
    ['https://db.corp.internal/', 'a private-use domain name (.internal)'],
    ['https://router.home.arpa/', 'a private-use domain name (.home.arpa)'],
  ])('refuses the name %s before resolving it: %s', (url, reason) => {
    expect(policy.hostRefusal(hostOf(url))).toBe(reason);
  });

  it('lets public names through to resolution', () => {
    expect(refusedHostNameReason('hooks.example.com')).toBeUndefined();
    expect(refusedHostNameReason('login.microsoftonline.com')).toBeUndefined();
  });

  it('lets allow-listed names, addresses and ranges through, and nothing else', () => {
    const allowing = new OutboundAddressPolicy(new OutboundAllowList(['localhost', '127.0.0.1', '10.20.0.0/16', 'fd12::/16']));
    expect(allowing.hostRefusal('localhost')).toBeUndefined();
    expect(allowing.hostRefusal('127.0.0.1')).toBeUndefined();
    expect(allowing.addressRefusal('127.0.0.1')).toBeUndefined();
    expect(allowing.addressRefusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(allowing.addressRefusal('10.20.3.4')).toBeUndefined();
    expect(allowing.addressRefusal('fd12::9')).toBeUndefined();
    expect(allowing.addressRefusal('127.0.0.2')).toBe('a loopback address');
    expect(allowing.addressRefusal('10.21.0.1')).toBe('a private address (RFC 1918)');
    expect(allowing.hostRefusal('api.localhost')).toBe('a loopback host name');
    expect(allowing.hostRefusal('169.254.169.254')).toBe('a cloud metadata address');
  });

  it('names what is wrong with an allow-list entry', () => {
    expect(allowListEntryProblem('10.0.0.0/8')).toBeUndefined();
    expect(allowListEntryProblem('::1')).toBeUndefined();
    expect(allowListEntryProblem('receiver.test')).toBeUndefined();
    expect(allowListEntryProblem('10.0.0.0/33')).toBe('"10.0.0.0/33" is not a host name, IP address or CIDR range');
    expect(allowListEntryProblem('bad host!')).toBe('"bad host!" is not a host name, IP address or CIDR range');
    expect(refusedAddressReason('not-an-ip')).toBe('not an IP address');
  });
});
