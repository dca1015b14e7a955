import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Where the hub may connect when it calls a URL a tenant configured (webhooks, JWKS): public unicast
 * addresses only. The ranges are ipaddr.js's special-purpose registries (IANA IPv4 and IPv6); what
 * this module adds is the IPv6 forms that carry an IPv4 address and the cloud metadata addresses
 * and names. An explicit allow-list (OUTBOUND_ALLOW_HOSTS) lets development and tests reach
 * local receivers.
 */

const IPV4_REASONS: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address (RFC 1918)',
  reserved: 'a reserved or documentation address',
  benchmarking: 'a benchmarking address',
  amt: 'a special-purpose address (AMT)',
  as112: 'a special-purpose address (AS112)',
};

const IPV6_REASONS: Record<string, string> = {
  unspecified: 'an unspecified address (::)',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  loopback: 'a loopback address',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  deprecatedSiteLocal: 'a site-local address',
  teredo: 'a Teredo tunnel address',
  reserved: 'a reserved or documentation address',
  benchmarking: 'a benchmarking address',
  discard: 'a discard-only address',
};

/** Instance metadata services: a request there can hand out the host's cloud credentials. */
const METADATA_ADDRESSES = new Set(
  [
    '169.254.169.254', // AWS, Azure, GCP, OpenStack, DigitalOcean, ...
    '169.254.170.2', // AWS ECS task metadata
    '169.254.169.253', // AWS VPC DNS
    '100.100.100.200', // Alibaba Cloud
    '192.0.0.192', // Oracle Cloud
    'fd00:ec2::254', // AWS IPv6
    'fd00:ec2::23', // AWS IPv6 DNS
  ].map((text) => ipaddr.parse(text).toNormalizedString()),
);

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);
/** Special-use and private-use names (RFC 6761, 6762, 8375; ICANN's .internal): never a public receiver. */
const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.localdomain'];

/** The IPv4 address an IPv6 address carries, and the form that carries it. */
function embeddedIpv4(address: ipaddr.IPv6): { readonly ipv4: ipaddr.IPv4; readonly form: string } | undefined {
  const parts = address.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (address.range()) {
    case 'ipv4Mapped':
      return { ipv4: address.toIPv4Address(), form: 'IPv4-mapped' };
    case 'rfc6145':
      return { ipv4: fromWords(parts[6], parts[7]), form: 'IPv4-translated' };
    case 'rfc6052':
      return { ipv4: fromWords(parts[6], parts[7]), form: 'NAT64' };
    case '6to4':
      return { ipv4: fromWords(parts[1], parts[2]), form: '6to4' };
    default:
      return undefined;
  }
}

function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  // ::a.b.c.d (deprecated by RFC 4291); :: and ::1 are the unspecified and loopback addresses.
  return address.parts.slice(0, 6).every((part) => part === 0) && (address.parts[6] !== 0 || address.parts[7] > 1);
}

function parsed(address: string): Address | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : undefined;
}

function classify(address: Address): string | undefined {
  if (METADATA_ADDRESSES.has(address.toNormalizedString())) return 'a cloud metadata address';
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast' ? undefined : (IPV4_REASONS[range] ?? `a special-purpose address (${range})`);
  }
  const ipv6 = address as ipaddr.IPv6;
  // A zone index (fe80::1%eth0) names an interface: link-local, never public.
  if (ipv6.zoneId) return 'a link-local address';
  if (isIpv4Compatible(ipv6)) return 'an IPv4-compatible IPv6 address (deprecated)';
  const embedded = embeddedIpv4(ipv6);
  if (embedded) {
    const inner = classify(embedded.ipv4);
    return inner === undefined ? undefined : `${inner} in ${embedded.form} IPv6 form`;
  }
  const range = ipv6.range();
  return range === 'unicast' ? undefined : (IPV6_REASONS[range] ?? `a special-purpose address (${range})`);
}

/** Why the hub may not connect to `address` (an IPv4 or IPv6 literal), or undefined for a public unicast address. */
export function refusedAddressReason(address: string): string | undefined {
  const value = parsed(address);
  return value === undefined ? 'not an IP address' : classify(value);
}

/** Whether `host` (as a URL's hostname gives it: IPv6 in brackets) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  return parsed(host) !== undefined;
}

/** Why a host name (not an IP literal) is refused before it is even resolved, or undefined. */
export function refusedHostNameReason(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return 'a cloud metadata host name';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'a loopback host name';
  if (!name.includes('.')) return 'a single-label (intranet) host name';
  const suffix = PRIVATE_SUFFIXES.find((candidate) => name.endsWith(candidate));
  return suffix === undefined ? undefined : `a private-use domain name (${suffix})`;
}

/**
 * OUTBOUND_ALLOW_HOSTS: host names (matched exactly, case-insensitively), IP addresses and CIDR ranges
 * the policy lets through. For development and tests: local receivers and identity providers.
 */
export class OutboundAllowList {
  private readonly names = new Set<string>();
  private readonly ranges: [Address, number][] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const problem = allowListEntryProblem(entry);
      if (problem) throw new Error(problem);
      const text = entry.trim().toLowerCase();
      if (text.includes('/')) this.ranges.push(ipaddr.parseCIDR(text));
      else if (isIpLiteral(text)) {
        const address = parsed(text) as Address;
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.names.add(text.replace(/\.$/, ''));
    }
  }

  get empty(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  /** A URL host the list names: by name, or an IP literal inside an allowed range. */
  allowsHost(host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, '');
    return this.names.has(name) || (isIpLiteral(name) && this.allowsAddress(name));
  }

  allowsAddress(address: string): boolean {
    const value = parsed(address);
    if (value === undefined) return false;
    // An IPv4-mapped IPv6 address is the IPv4 address for this purpose.
    const plain = value.kind() === 'ipv6' && (value as ipaddr.IPv6).isIPv4MappedAddress() ? (value as ipaddr.IPv6).toIPv4Address() : value;
    return this.ranges.some(([range, bits]) => range.kind() === plain.kind() && plain.match(range, bits));
  }
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** What is wrong with one OUTBOUND_ALLOW_HOSTS entry, or undefined. */
export function allowListEntryProblem(entry: string): string | undefined {
  const text = entry.trim();
  const valid = text.includes('/') ? ipaddr.isValidCIDR(text) : isIpLiteral(text) || HOST_NAME.test(text);
  return valid ? undefined : `"${text}" is not a host name, IP address or CIDR range`;
}

/** The outbound address policy: the fixed refusals, less what the allow-list lets through. */
export class OutboundAddressPolicy {
  constructor(readonly allowList: OutboundAllowList) {}

  /** Why a resolved address is refused, or undefined. */
  addressRefusal(address: string): string | undefined {
    if (this.allowList.allowsAddress(address)) return undefined;
    return refusedAddressReason(address);
  }

  /** Why a URL host is refused before resolution (literal addresses and special names), or undefined. */
  hostRefusal(host: string): string | undefined {
    if (this.allowList.allowsHost(host)) return undefined;
    return isIpLiteral(host) ? refusedAddressReason(host) : refusedHostNameReason(host);
  }
}
