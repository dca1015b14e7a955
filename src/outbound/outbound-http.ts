import type { Agent } from 'undici';
import { DomainError } from '../domain/errors';
import { OutboundAddressPolicy, OutboundAllowList } from './address-policy';
import { HostNotFoundError, OutboundRefusedError, OutboundResolver } from './outbound-resolver';

/** Longest wait for a TCP (and TLS) connection; an attempt's own deadline may end it sooner. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Idle connections to one origin are kept this long for the next attempt. */
const KEEP_ALIVE_MS = 4_000;
/** Sockets open to one origin at once (the webhook per-endpoint cap is lower). */
const CONNECTIONS_PER_ORIGIN = 8;
/** Bytes of a response the client will read at all; a body kept for a caller is capped lower by it. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface OutboundConfig {
  /** OUTBOUND_ALLOW_HOSTS: host names, IP addresses and CIDR ranges let through the policy. */
  readonly allowHosts: readonly string[];
  /** OUTBOUND_DNS_SERVERS: resolvers for outbound names; empty: the system's. */
  readonly dnsServers: readonly string[];
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The whole exchange, connection to the last byte read, ends by then: a timer of its own, not a signal's. */
  readonly deadlineMs: number;
  /** Plain http:// for hosts on the allow-list (development); refused otherwise. */
  readonly allowHttp: boolean;
  /** Aborts the exchange (a stopping worker); the error is then OutboundInterruptedError. */
  readonly signal?: AbortSignal;
  /** Bytes of the body to return; more is an error. Absent: the body is read and discarded. */
  readonly keepBodyBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly body: string;
}

/** No HTTP answer: connection refused, reset, unreachable, TLS failure or a timeout; deliberately one kind. */
export class OutboundUnreachableError extends Error {
  readonly code = 'ERR_OUTBOUND_UNREACHABLE';

  constructor(
    readonly deadlineMs: number,
    /** What happened, for the operator's log only. */
    readonly detail: string,
  ) {
    // One text for every failure below HTTP: which one it was would tell a tenant whether a port is open.
    super(`no HTTP response: could not connect, or no complete answer within ${deadlineMs} ms`);
    this.name = 'OutboundUnreachableError';
  }
}

export class OutboundInterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'OutboundInterruptedError';
  }
}

/** What a caller may tell a tenant about a failed call: never the address or which low-level error it was. */
export function describeOutboundFailure(error: unknown): string | undefined {
  if (error instanceof OutboundRefusedError || error instanceof OutboundUnreachableError) return error.message;
  if (error instanceof HostNotFoundError) return 'host not found';
  return undefined;
}

/**
 * The one HTTP client for URLs tenants configure (webhook endpoints, OIDC JWKS): every call goes through
 * the outbound address policy before DNS, after DNS and at connect time, follows no redirect, and
 * ends by its deadline whatever the peer does. undici's dispatcher gives connect, headers and body
 * timeouts of its own; the deadline is a plain timer held until the exchange settles, because
 * Node 20 lost `AbortSignal.timeout` timers to garbage collection while a request waited (issue 13).
 */
export class OutboundHttp {
  private readonly policy: OutboundAddressPolicy;
  private readonly resolver: OutboundResolver;
  private agent: Agent | undefined;

  constructor(config: OutboundConfig) {
    this.policy = new OutboundAddressPolicy(new OutboundAllowList(config.allowHosts));
    this.resolver = new OutboundResolver(this.policy, { dnsServers: config.dnsServers });
  }

  /** undici is loaded on the first call: CLI commands that call nothing start without it. */
  private dispatcher(): { agent: Agent; request: typeof import('undici').request } {
    const undici = require('undici') as typeof import('undici');
    this.agent ??= new undici.Agent({
      connect: { lookup: this.resolver.lookup, timeout: CONNECT_TIMEOUT_MS },
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      connections: CONNECTIONS_PER_ORIGIN,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
    return { agent: this.agent, request: undici.request };
  }

  /**
   * Checks a URL a tenant admin configures: plain http only where allowed and for allow-listed hosts,
   * the host and every address it resolves to public. A name that does not resolve (yet) is accepted:
   * every call checks again. Throws DomainError OUTBOUND_ADDRESS_REFUSED naming why.
   */
  async checkDestination(url: string, options: { readonly allowHttp: boolean; readonly label: string }): Promise<void> {
    try {
      const target = this.target(url, options.allowHttp);
      await this.resolver.resolveAllowed(target.hostname);
    } catch (error) {
      if (error instanceof OutboundRefusedError) throw new DomainError('OUTBOUND_ADDRESS_REFUSED', `${options.label} is refused by the outbound address policy: ${error.reason}`);
      if (error instanceof HostNotFoundError) return;
      throw error;
    }
  }

  /** One exchange; throws OutboundRefusedError, HostNotFoundError, OutboundUnreachableError or OutboundInterruptedError. */
  async send(url: string, outbound: OutboundRequest): Promise<OutboundResponse> {
    const target = this.target(url, outbound.allowHttp);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), outbound.deadlineMs);
    const interrupt = () => deadline.abort(outbound.signal?.reason);
    outbound.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      if (outbound.signal?.aborted) throw new OutboundInterruptedError();
      const { agent, request } = this.dispatcher();
      const response = await request(target, {
        dispatcher: agent,
        method: outbound.method,
        headers: outbound.headers,
        body: outbound.body,
        signal: deadline.signal,
        headersTimeout: outbound.deadlineMs,
        bodyTimeout: outbound.deadlineMs,
      });
      const limit = outbound.keepBodyBytes;
      if (limit === undefined) {
        await response.body.dump({ limit: MAX_RESPONSE_BYTES });
        return { status: response.statusCode, body: '' };
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of response.body) {
        bytes += (chunk as Buffer).length;
        if (bytes > limit) {
          response.body.destroy();
          throw new OutboundUnreachableError(outbound.deadlineMs, `response body over ${limit} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      return { status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') };
    } catch (error) {
      if (outbound.signal?.aborted) throw new OutboundInterruptedError();
      if (error instanceof OutboundRefusedError || error instanceof HostNotFoundError || error instanceof OutboundUnreachableError) throw error;
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError || cause instanceof HostNotFoundError) throw cause;
      throw new OutboundUnreachableError(outbound.deadlineMs, deadline.signal.aborted ? 'deadline' : describeLowLevel(error));
    } finally {
      clearTimeout(timer);
      outbound.signal?.removeEventListener('abort', interrupt);
    }
  }

  /**
   * A `fetch` for jose's and openid-client's `customFetch`: GET, or POST with a form or JSON body (token
   * requests), through `send`, the body read within the deadline and capped, handed back as a JSON Response.
   */
  fetcher(options: { readonly allowHttp: boolean; readonly deadlineMs: number; readonly maxBodyBytes: number }) {
    return async (url: string, init: { method?: string; body?: unknown; headers?: ConstructorParameters<typeof Headers>[0]; signal?: AbortSignal | null }): Promise<Response> => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const method = (init.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'POST') throw new OutboundRefusedError(`${method} requests are not sent`);
      const body = init.body === undefined || init.body === null ? undefined : String(init.body);
      const response = await this.send(url, { method, headers, body, allowHttp: options.allowHttp, deadlineMs: options.deadlineMs, signal: init.signal ?? undefined, keepBodyBytes: options.maxBodyBytes });
      const empty = [204, 205, 304].includes(response.status);
      return new Response(empty ? null : response.body, { status: response.status, headers: { 'content-type': 'application/json' } });
    };
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  /** The URL to call, after the checks that need no DNS: scheme, credentials, literal addresses, special names. */
  private target(url: string, allowHttp: boolean): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new OutboundRefusedError('not a URL');
    }
    if (target.username || target.password) throw new OutboundRefusedError('the URL carries credentials');
    if (target.protocol === 'http:') {
      if (!allowHttp || !this.policy.allowList.allowsHost(bareHost(target.hostname))) throw new OutboundRefusedError('plain http:// is allowed only for hosts the operator allows (development)');
    } else if (target.protocol !== 'https:') {
      throw new OutboundRefusedError(`${target.protocol} URLs are not called`);
    }
    const refusal = this.policy.hostRefusal(bareHost(target.hostname));
    if (refusal !== undefined) throw new OutboundRefusedError(`${bareHost(target.hostname)} is ${refusal}`);
    return target;
  }
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function describeLowLevel(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ?? message ?? String(error);
}
