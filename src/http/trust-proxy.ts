import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Which hops in front of the hub are proxies whose X-Forwarded-For entries are believed (express
 * `trust proxy` semantics): the last `hops` addresses, or the addresses, CIDRs and names (loopback,
 * linklocal, uniquelocal) listed. `{ hops: 0 }` believes no header: the peer is the client.
 */
export type TrustProxy = { readonly hops: number } | { readonly addresses: readonly string[] };

export type TrustFunction = (address: string, hop: number) => boolean;

export const DEFAULT_TRUST_PROXY: TrustProxy = { addresses: ['loopback'] };

/** Reads TRUST_PROXY: `false`, a hop count, or a comma-separated list of addresses, CIDRs and names. */
export function parseTrustProxy(raw: string): TrustProxy | { readonly problem: string } {
  const value = raw.trim();
  if (/^false$/i.test(value)) return { hops: 0 };
  if (/^\d{1,3}$/.test(value)) return { hops: Number(value) };
  if (/^true$/i.test(value)) {
    return { problem: 'true would believe any X-Forwarded-For, so every client could name its own address: give the number of proxies in front of the hub, or their addresses' };
  }
  const addresses = value.split(',').map((entry) => entry.trim());
  for (const address of addresses) {
    try {
      proxyAddr.compile(address);
    } catch {
      return { problem: `"${address}" is not an IP address, a CIDR, or one of loopback, linklocal, uniquelocal` };
    }
  }
  return { addresses };
}

export function compileTrustProxy(trust: TrustProxy): TrustFunction {
  if ('hops' in trust) {
    const { hops } = trust;
    return (_address, hop) => hop < hops;
  }
  return proxyAddr.compile([...trust.addresses]);
}

/** The client's address for requests that do not pass through express (subscription sockets' upgrade requests). */
export function clientAddress(request: IncomingMessage, trust: TrustFunction): string {
  return proxyAddr(request, trust);
}
