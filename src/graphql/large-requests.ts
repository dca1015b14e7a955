import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GraphqlPrincipal } from '../auth/graphql-principal';

/** A GraphQL request body above this many bytes (or of unannounced length) is large. */
export const LARGE_REQUEST_BYTES = 64 * 1024;
/** A tenant's large requests waiting for their turn at most; one more is refused. */
export const LARGE_REQUESTS_WAITING_PER_TENANT = 8;
/** What a refused large request is told to wait, in seconds. */
const RETRY_AFTER_SECONDS = 1;

/**
 * One large GraphQL request of a tenant at a time, per process; the tenant's others wait with their
 * bodies unread (TCP holds the sender back), at most LARGE_REQUESTS_WAITING_PER_TENANT, and one more is
 * refused with 429. Decoding such a body, checking its strings and coercing its variables run on the
 * event loop (a dry run of 100 payloads is 70-700 KB): a tenant sending them back to back on four
 * connections kept that loop busy for everyone (issue 13's noisy-neighbour gate, preview phase).
 * Refusing at once instead made the sender repeat them at once, and every refused body was still read
 * and thrown away. What the admin console and the CLI send is far smaller, and one at a time.
 */
export function oneLargeRequestPerTenant(refuse: (response: Response, retryAfterSeconds: number, message: string) => void): RequestHandler {
  /** Per tenant with a large request in progress: the turns of those waiting. */
  const lines = new Map<string, (() => void)[]>();
  return (request: Request, response: Response, next: NextFunction) => {
    const length = request.headers['content-length'];
    const large = length === undefined ? request.headers['transfer-encoding'] !== undefined : Number(length) > LARGE_REQUEST_BYTES;
    if (!large) {
      next();
      return;
    }
    const tenantId = (request.user as GraphqlPrincipal).tenant.id;
    const begin = () => {
      let done = false;
      const passTurn = () => {
        if (done) return;
        done = true;
        const waiting = lines.get(tenantId);
        const following = waiting?.shift();
        if (following) following();
        else lines.delete(tenantId);
      };
      response.once('finish', passTurn);
      response.once('close', passTurn);
      next();
    };
    const waiting = lines.get(tenantId);
    if (!waiting) {
      lines.set(tenantId, []);
      begin();
      return;
    }
    if (waiting.length >= LARGE_REQUESTS_WAITING_PER_TENANT) {
      refuse(response, RETRY_AFTER_SECONDS, `one request over ${LARGE_REQUEST_BYTES} bytes of a tenant is served at a time and ${LARGE_REQUESTS_WAITING_PER_TENANT} wait; retry when those have been answered`);
      return;
    }
    waiting.push(begin);
    // A client that gives up while waiting leaves the line.
    response.once('close', () => {
      const at = waiting.indexOf(begin);
      if (at >= 0) waiting.splice(at, 1);
    });
  };
}
