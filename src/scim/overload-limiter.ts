import type { NextFunction, Request, Response } from 'express';
import { scimErrorBody } from './errors';

export interface OverloadLimits {
  /** SCIM requests served at once; the rest wait in line. */
  readonly maxConcurrent: number;
  /** Requests waiting at most; one more is answered 429 at once. */
  readonly maxQueued: number;
  /** A request that waited this long without being served is answered 429 (Entra gives up after 60 s). */
  readonly maxWaitMs: number;
  /**
   * Requests are answered 429 while the event loop keeps running this late. On SQLite (a synchronous
   * driver) most of a request runs within one turn of the loop, so overload shows less as requests in
   * progress than as requests waiting unread in their sockets: the loop falling behind is how that is seen.
   */
  readonly maxEventLoopLagMs: number;
  /**
   * Requests of one tenant served at once; its others wait in its own line (counted in `maxQueued`, and
   * refused at once when its own line would outlast `maxWaitMs` at its own recent pace).
   */
  readonly maxConcurrentPerTenant: number;
}

/** How often the loop's lateness is measured. */
const LAG_SAMPLE_MS = 100;

/**
 * How late the event loop runs, in ms: the smaller lateness of the last two ticks of a recurring timer,
 * so one long request (a big group read) does not count as overload, a loop that stays behind does.
 */
function watchEventLoopLag(): { readonly current: number } {
  const lag = { current: 0 };
  let previous = 0;
  let expected = performance.now() + LAG_SAMPLE_MS;
  const tick = () => {
    const now = performance.now();
    const late = Math.max(0, now - expected);
    lag.current = Math.min(late, previous);
    previous = late;
    expected = now + LAG_SAMPLE_MS;
    setTimeout(tick, LAG_SAMPLE_MS).unref();
  };
  setTimeout(tick, LAG_SAMPLE_MS).unref();
  return lag;
}

const MAX_RETRY_AFTER_SECONDS = 60;
/** Weight of the newest request in the running mean of service times. */
const SMOOTHING = 0.1;
const BUSY = 'the server is busy; retry after the time in Retry-After';

interface Waiter {
  readonly admit: () => void;
  readonly timer: NodeJS.Timeout;
}

/** One tenant's requests in progress and waiting, and how long its requests took of late. */
interface TenantLine {
  active: number;
  readonly waiting: Waiter[];
  meanServiceMs: number;
}

/** Whole seconds, 1 at least, MAX_RETRY_AFTER_SECONDS at most. */
function retryAfterSeconds(drainMs: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(drainMs / 1000)));
}

/**
 * Admits SCIM requests after authentication: bounds the requests in progress, in all and per tenant, and
 * sheds load while the event loop falls behind. A tenant's requests past its share wait in its own line,
 * and a place that frees up goes to the waiting line with the fewest requests in progress, so one
 * tenant's backlog (a flood of bulk writes) never stands ahead of another tenant's request. Under
 * overload an IdP is told to come back (429 with an integer Retry-After, the only form Okta honours)
 * instead of every request getting slower until the IdP's own timeout fails it: a request is served,
 * waits in a bounded line (refused at once when the line ahead would outlast the longest wait), or is
 * refused. Retry-After is how long the backlog would take to drain (the line ahead at the recent service
 * time, or the loop's lateness). `tenantOf` names a request's line (requests without credentials,
 * discovery, share one).
 */
export function limitOverload(limits: OverloadLimits, tenantOf: (request: Request) => string) {
  const perTenant = Math.min(limits.maxConcurrentPerTenant, limits.maxConcurrent);
  let active = 0;
  let waiting = 0;
  let meanServiceMs = 10;
  /** Tenants with requests in progress or waiting, in turn order: the line served last goes to the back. */
  const lines = new Map<string, TenantLine>();
  const lag = watchEventLoopLag();

  const globalDrainMs = () => Math.max(lag.current, ((waiting + active) * meanServiceMs) / limits.maxConcurrent);
  const tenantDrainMs = (line: TenantLine) => Math.max(globalDrainMs(), ((line.waiting.length + line.active) * line.meanServiceMs) / perTenant);

  const refuse = (response: Response, drainMs: number, detail: string) => {
    response.status(429).setHeader('Retry-After', String(retryAfterSeconds(drainMs)));
    response.setHeader('Content-Type', 'application/scim+json; charset=utf-8');
    response.send(JSON.stringify(scimErrorBody(429, detail)));
  };
  const refuseForTenant = (response: Response, line: TenantLine) =>
    refuse(response, tenantDrainMs(line), `at most ${perTenant} SCIM requests of a tenant run at once, and this tenant has ${line.waiting.length} more waiting; retry after the time in Retry-After`);

  const dropIfIdle = (tenant: string, line: TenantLine) => {
    if (line.active === 0 && line.waiting.length === 0) lines.delete(tenant);
  };

  /** Gives each free place to the waiting line with the fewest requests in progress, the longest unserved first. */
  const admitWaiting = () => {
    while (active < limits.maxConcurrent) {
      let next: [string, TenantLine] | undefined;
      for (const entry of lines) {
        if (entry[1].waiting.length > 0 && entry[1].active < perTenant && (!next || entry[1].active < next[1].active)) next = entry;
      }
      if (!next) return;
      const [tenant, line] = next;
      lines.delete(tenant);
      lines.set(tenant, line);
      const waiter = line.waiting.shift() as Waiter;
      waiting -= 1;
      clearTimeout(waiter.timer);
      waiter.admit();
    }
  };

  const serve = (tenant: string, line: TenantLine, response: Response, next: NextFunction) => {
    active += 1;
    line.active += 1;
    const started = performance.now();
    // 'close' also comes when the client went away before the answer was complete.
    response.once('close', () => {
      const tookMs = performance.now() - started;
      active -= 1;
      line.active -= 1;
      meanServiceMs += SMOOTHING * (tookMs - meanServiceMs);
      line.meanServiceMs += SMOOTHING * (tookMs - line.meanServiceMs);
      dropIfIdle(tenant, line);
      admitWaiting();
    });
    next();
  };

  return (request: Request, response: Response, next: NextFunction): void => {
    // A request finding nothing in progress is no backlog, however late the loop ran (a big group read just ended).
    if (lag.current > limits.maxEventLoopLagMs && (active > 0 || waiting > 0)) {
      refuse(response, globalDrainMs(), BUSY);
      return;
    }
    const tenant = tenantOf(request);
    let line = lines.get(tenant);
    if (!line) {
      line = { active: 0, waiting: [], meanServiceMs };
      lines.set(tenant, line);
    }
    if (active < limits.maxConcurrent && line.active < perTenant && line.waiting.length === 0) {
      serve(tenant, line, response, next);
      return;
    }
    // A request that would wait past the limit at the recent pace is told so at once, not after the wait.
    const tenantBound = line.active >= perTenant;
    const expectedWaitMs = tenantBound ? ((line.waiting.length + 1) * line.meanServiceMs) / perTenant : ((waiting + 1) * meanServiceMs) / limits.maxConcurrent;
    if (tenantBound && expectedWaitMs > limits.maxWaitMs) {
      refuseForTenant(response, line);
      dropIfIdle(tenant, line);
      return;
    }
    if (waiting >= limits.maxQueued || expectedWaitMs > limits.maxWaitMs) {
      refuse(response, globalDrainMs(), BUSY);
      dropIfIdle(tenant, line);
      return;
    }
    const queued = line;
    const leave = () => {
      queued.waiting.splice(queued.waiting.indexOf(place), 1);
      waiting -= 1;
      clearTimeout(place.timer);
      response.off('close', leave);
      dropIfIdle(tenant, queued);
    };
    const place: Waiter = {
      admit: () => {
        response.off('close', leave);
        serve(tenant, queued, response, next);
      },
      timer: setTimeout(() => {
        const tenantBoundNow = queued.active >= perTenant;
        leave();
        if (tenantBoundNow) refuseForTenant(response, queued);
        else refuse(response, globalDrainMs(), BUSY);
      }, limits.maxWaitMs),
    };
    // A client that gives up while waiting leaves the line.
    response.once('close', leave);
    queued.waiting.push(place);
    waiting += 1;
  };
}
