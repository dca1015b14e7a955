import { promises as dns, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { OutboundAddressPolicy } from './address-policy';

/**
 * The first wait for a DNS answer, and how often a query is sent, before the name counts as
 * unresolvable: c-ares doubles the wait for the second try, so a resolver that never answers costs
 * about 3.7 s (measured), an answer normally a few milliseconds.
 */
const DNS_TIMEOUT_MS = 1_000;
const DNS_TRIES = 2;

/** The hub refused to connect: the address or name is not public (or not allowed for this scheme). */
export class OutboundRefusedError extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';

  constructor(readonly reason: string) {
    super(`refused by outbound policy: ${reason}`);
    this.name = 'OutboundRefusedError';
  }
}

/** The name has no address (NXDOMAIN, no A/AAAA records) or DNS did not answer in time. */
export class HostNotFoundError extends Error {
  readonly code = 'ERR_OUTBOUND_HOST_NOT_FOUND';

  constructor(readonly host: string) {
    super(`host not found: ${host}`);
    this.name = 'HostNotFoundError';
  }
}

export interface OutboundResolverOptions {
  /** Resolvers to ask (`ip` or `ip:port`); empty: the system's (resolv.conf). */
  readonly dnsServers: readonly string[];
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Resolves the host names of outbound URLs and checks every address against the policy. The same
 * resolution runs at registration and inside the HTTP client's connect (its `lookup`), so the address
 * checked is the address connected to: a name that answers a public address first and a loopback one
 * later (DNS rebinding) is refused at connect time.
 *
 * Names go to DNS directly (c-ares, bounded as DNS_TIMEOUT_MS says), not through getaddrinfo: that runs on
 * libuv's four-thread pool, which a tenant's slow-resolving names could fill for every other tenant
 * and for file I/O. Names on the allow-list resolve through the system (so /etc/hosts works in
 * development); they are not checked.
 */
export class OutboundResolver {
  private readonly resolver: dns.Resolver;

  constructor(
    private readonly policy: OutboundAddressPolicy,
    options: OutboundResolverOptions,
  ) {
    this.resolver = new dns.Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
    if (options.dnsServers.length > 0) this.resolver.setServers([...options.dnsServers]);
  }

  /** Every address of `host`, each allowed by the policy; throws OutboundRefusedError or HostNotFoundError. */
  async resolveAllowed(host: string): Promise<LookupAddress[]> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const hostRefusal = this.policy.hostRefusal(bare);
    if (hostRefusal !== undefined) throw new OutboundRefusedError(`${bare} is ${hostRefusal}`);
    if (isIP(bare)) return [{ address: bare, family: isIP(bare) }];
    if (this.policy.allowList.allowsHost(bare)) return this.systemLookup(bare);
    const addresses = await this.dnsLookup(bare);
    for (const { address } of addresses) {
      const refusal = this.policy.addressRefusal(address);
      // The address itself stays out of the message: it would tell a tenant what internal DNS answers.
      if (refusal !== undefined) throw new OutboundRefusedError(`${bare} resolves to ${refusal}`);
    }
    return addresses;
  }

  /** `lookup` for net.connect / tls.connect (undici's connect options): the checked resolution above. */
  readonly lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    this.resolveAllowed(hostname).then(
      (addresses) => {
        const family = typeof options.family === 'number' && options.family !== 0 ? options.family : undefined;
        const usable = family === undefined ? addresses : addresses.filter((entry) => entry.family === family);
        if (usable.length === 0) {
          callback(Object.assign(new HostNotFoundError(hostname), { code: 'ENOTFOUND' }), []);
          return;
        }
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };

  private async systemLookup(host: string): Promise<LookupAddress[]> {
    try {
      return await dns.lookup(host, { all: true, verbatim: true });
    } catch {
      throw new HostNotFoundError(host);
    }
  }

  private async dnsLookup(host: string): Promise<LookupAddress[]> {
    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(host), this.resolver.resolve6(host)]);
    const addresses: LookupAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length === 0) throw new HostNotFoundError(host);
    return addresses;
  }
}
