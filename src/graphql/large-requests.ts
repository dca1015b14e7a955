import type { EventLoopUtilization } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GraphqlPrincipal } from '../auth/graphql-principal';
import { TenantTurns } from '../domain/tenants/tenant-turns';

/** A GraphQL request body above this many bytes (or of unannounced length) is large. */
export const LARGE_REQUEST_BYTES = 64 * 1024;
/** A tenant's large requests waiting for their turn at most; one more is refused. */
export const LARGE_REQUESTS_WAITING_PER_TENANT = 8;
/**
 * The share of the event loop's time one tenant's large requests may take: after one kept the loop busy
 * `b` ms (from its body's arrival to its answer), the tenant's next starts `b * (1 / share - 1)` ms later.
 */
export const LARGE_REQUEST_SHARE = 0.25;
/** What a refused large request is told to wait, in seconds. */
const RETRY_AFTER_SECONDS = 1;

/**
 * One large GraphQL request of a tenant at a time, per process, paced to LARGE_REQUEST_SHARE of the
 * event loop's time; the tenant's others wait with their bodies unread (TCP holds the sender back), at
 * most LARGE_REQUESTS_WAITING_PER_TENANT, and one more is refused with 429. Decoding such a body, checking its strings and coercing its variables run on the
 * event loop (a dry run of 100 payloads is 70-700 KB): a tenant sending them back to back on four
 * connections kept that loop busy for everyone (issue 13's noisy-neighbour gate, preview phase).
 * Refusing at once instead made the sender repeat them at once, and every refused body was still read
 * and thrown away. One at a time alone still let them take the loop back to back: a dry run of 100
 * payloads costs 16-20 ms of it (decoding, coercing its variables twice, their garbage).
 * What the admin console and the CLI send is far smaller, and one at a time.
 */
export function oneLargeRequestPerTenant(refuse: (response: Response, retryAfterSeconds: number, message: string) => void): RequestHandler {
  const turns = new TenantTurns(LARGE_REQUESTS_WAITING_PER_TENANT, { share: LARGE_REQUEST_SHARE, fromMs: 0 });
  return (request: Request, response: Response, next: NextFunction) => {
    const length = request.headers['content-length'];
    const large = length === undefined ? request.headers['transfer-encoding'] !== undefined : Number(length) > LARGE_REQUEST_BYTES;
    if (!large) {
      next();
      return;
    }
    let begun = false;
    const place = turns.enter((request.user as GraphqlPrincipal).tenant.id, (turn) => {
      begun = true;
      // Counted from the body's arrival: a slow upload costs the loop little, and the others' work meanwhile is not this request's.
      let arrived: EventLoopUtilization | undefined;
      request.once('end', () => (arrived = performance.eventLoopUtilization()));
      const passTurn = () => {
        turn.pass(turns.restAfter(arrived ? performance.eventLoopUtilization(arrived).active : 0));
      };
      response.once('finish', passTurn);
      response.once('close', passTurn);
      next();
    });
    if (!place) {
      refuse(response, RETRY_AFTER_SECONDS, `one request over ${LARGE_REQUEST_BYTES} bytes of a tenant is served at a time and ${LARGE_REQUESTS_WAITING_PER_TENANT} wait; retry when those have been answered`);
      return;
    }
    // A client that gives up while waiting leaves the line (leaving once served does nothing).
    if (!begun) response.once('close', () => place.leave());
  };
}
