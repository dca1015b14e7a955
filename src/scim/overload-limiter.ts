import type { NextFunction, Request, Response } from 'express';
import { restToKeepShare } from '../domain/tenants/tenant-turns';
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

/** How often the loop's lateness and busy share are measured. */
const LOOP_SAMPLE_MS = 100;
/** What is left, after one sample, of the time a tenant's requests held places: a window of about half a second. */
const HELD_DECAY_PER_SAMPLE = 0.8;
/** Below this (ms) a tenant no longer counts as sending. */
const HELD_FORGOTTEN_MS = 0.5;
/** The event loop's busy share (over the last two samples) from which a heavy tenant gets one place. */
const HEAVY_FROM_BUSY = 0.5;
/** A tenant is heavy when its requests held places more than this many times the equal share of the tenants sending. */
const HEAVY_FROM_EQUAL_SHARES = 2;
/** A heavy tenant's share of its one place: after a request of `d` ms its next starts `d * (1 / share - 1)` ms later. */
const HEAVY_PLACE_SHARE = 0.5;

interface LoopWatch {
  /** How late the loop runs, in ms. */
  readonly lag: number;
  /** The share of the time the loop was busy, 0 to 1. */
  readonly busy: number;
}

/**
 * How late the event loop runs and how busy it is: the smaller figure of the last two ticks of a
 * recurring timer, so one long request (a big group read) does not count as overload, a loop that stays
 * behind (or busy) does. `onTick` runs at each sample.
 */
function watchEventLoop(onTick: () => void): LoopWatch {
  const watch = { lag: 0, busy: 0 };
  let previousLate = 0;
  let previousBusy = 0;
  let expected = performance.now() + LOOP_SAMPLE_MS;
  let utilization = performance.eventLoopUtilization();
  const tick = () => {
    const now = performance.now();
    const late = Math.max(0, now - expected);
    watch.lag = Math.min(late, previousLate);
    previousLate = late;
    const busy = performance.eventLoopUtilization(utilization).utilization;
    utilization = performance.eventLoopUtilization();
    watch.busy = Math.min(busy, previousBusy);
    previousBusy = busy;
    expected = now + LOOP_SAMPLE_MS;
    onTick();
    setTimeout(tick, LOOP_SAMPLE_MS).unref();
  };
  setTimeout(tick, LOOP_SAMPLE_MS).unref();
  return watch;
}

const MAX_RETRY_AFTER_SECONDS = 60;
/**
 * A request refused at once because its own tenant's line is full is answered this late: a client that
 * ignores Retry-After and sends again at once then sends one request a second per connection, not
 * hundreds (each refusal still costs the event loop and a provisioning log row). A client that honours
 * Retry-After waits at least a second anyway.
 */
const TENANT_REFUSAL_DELAY_MS = 1_000;
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
 * tenant's backlog (a flood of bulk writes) never stands ahead of another tenant's request. While the
 * loop is busy, a tenant whose requests held far more than an equal share of the places of late gets one
 * place, half of the time: sending back to back, it would otherwise take most of the server from the others. Under
 * overload an IdP is told to come back (429 with an integer Retry-After, the only form Okta honours)
 * instead of every request getting slower until the IdP's own timeout fails it: a request is served,
 * waits in a bounded line (refused at once when the line ahead would outlast the longest wait), or is
 * refused. Retry-After is how long the backlog would take to drain (the line ahead at the recent service
 * time, or the loop's lateness). `tenantOf` names a request's line (requests without credentials,
 * discovery, share one).
 */
export function limitOverload(limits: OverloadLimits, tenantOf: (request: Request) => string) {
  const perTenant = Math.min(limits.maxConcurrentPerTenant, limits.maxConcurrent);
  /** Per tenant sending of late: how long its requests held places (ms), decaying each sample. */
  const held = new Map<string, number>();
  /** While the loop is busy: the tenants whose requests held places far past an equal share. They get one place. */
  let heavy = new Set<string>();
  /** Heavy tenants resting after a request, until when (performance.now()). */
  const restingUntil = new Map<string, number>();
  let active = 0;
  let waiting = 0;
  let meanServiceMs = 10;
  /** Tenants with requests in progress or waiting, in turn order: the line served last goes to the back. */
  const lines = new Map<string, TenantLine>();
  const loop = watchEventLoop(() => {
    let total = 0;
    for (const [tenant, ms] of held) {
      const left = ms * HELD_DECAY_PER_SAMPLE;
      if (left < HELD_FORGOTTEN_MS) held.delete(tenant);
      else held.set(tenant, left);
      total += left;
    }
    heavy = new Set();
    if (loop.busy >= HEAVY_FROM_BUSY) {
      const heavyFromMs = (HEAVY_FROM_EQUAL_SHARES * total) / held.size;
      for (const [tenant, ms] of held) if (ms > heavyFromMs) heavy.add(tenant);
    }
    // A rest paces a heavy tenant: it ends when its time is up or the tenant is no longer heavy (an idle loop).
    const now = performance.now();
    for (const [tenant, until] of restingUntil) if (until <= now || !heavy.has(tenant)) restingUntil.delete(tenant);
    admitWaiting();
  });
  const placesOf = (tenant: string) => (heavy.has(tenant) ? 1 : perTenant);
  const restLeftMs = (tenant: string) => Math.max(0, (restingUntil.get(tenant) ?? 0) - performance.now());
  const hasPlace = (tenant: string, line: TenantLine) => line.active < placesOf(tenant) && restLeftMs(tenant) === 0;

  const globalDrainMs = () => Math.max(loop.lag, ((waiting + active) * meanServiceMs) / limits.maxConcurrent);
  const tenantDrainMs = (tenant: string, line: TenantLine) => Math.max(globalDrainMs(), ((line.waiting.length + line.active) * line.meanServiceMs) / placesOf(tenant));

  const refuse = (response: Response, drainMs: number, detail: string) => {
    response.status(429).setHeader('Retry-After', String(retryAfterSeconds(drainMs)));
    response.setHeader('Content-Type', 'application/scim+json; charset=utf-8');
    response.send(JSON.stringify(scimErrorBody(429, detail)));
  };
  /** Refuses for the tenant's own line, `delayMs` later (the figures are those of now). */
  const refuseForTenant = (response: Response, tenant: string, line: TenantLine, delayMs = 0) => {
    const drainMs = tenantDrainMs(tenant, line);
    const detail = heavy.has(tenant)
      ? `this tenant's SCIM requests run one at a time, resting as long as each took, while the server is busy: they held more than ${HEAVY_FROM_EQUAL_SHARES} times an equal share of it of late, and ${line.waiting.length} more are waiting; retry after the time in Retry-After`
      : `at most ${perTenant} SCIM requests of a tenant run at once, and this tenant has ${line.waiting.length} more waiting; retry after the time in Retry-After`;
    if (delayMs === 0) {
      refuse(response, drainMs, detail);
      return;
    }
    const timer = setTimeout(() => refuse(response, drainMs, detail), delayMs);
    response.once('close', () => clearTimeout(timer));
  };

  const dropIfIdle = (tenant: string, line: TenantLine) => {
    if (line.active === 0 && line.waiting.length === 0) lines.delete(tenant);
  };

  /** Gives each free place to the waiting line with the fewest requests in progress, the longest unserved first. */
  const admitWaiting = () => {
    while (active < limits.maxConcurrent) {
      let next: [string, TenantLine] | undefined;
      for (const entry of lines) {
        if (entry[1].waiting.length > 0 && hasPlace(entry[0], entry[1]) && (!next || entry[1].active < next[1].active)) next = entry;
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
      held.set(tenant, (held.get(tenant) ?? 0) + tookMs);
      if (heavy.has(tenant)) {
        const restMs = restToKeepShare(tookMs, HEAVY_PLACE_SHARE);
        restingUntil.set(tenant, performance.now() + restMs);
        setTimeout(admitWaiting, restMs).unref();
      }
      dropIfIdle(tenant, line);
      admitWaiting();
    });
    next();
  };

  return (request: Request, response: Response, next: NextFunction): void => {
    // A request finding nothing in progress is no backlog, however late the loop ran (a big group read just ended).
    if (loop.lag > limits.maxEventLoopLagMs && (active > 0 || waiting > 0)) {
      refuse(response, globalDrainMs(), BUSY);
      return;
    }
    const tenant = tenantOf(request);
    let line = lines.get(tenant);
    if (!line) {
      line = { active: 0, waiting: [], meanServiceMs };
      lines.set(tenant, line);
    }
    const tenantBound = !hasPlace(tenant, line);
    if (active < limits.maxConcurrent && !tenantBound && line.waiting.length === 0) {
      serve(tenant, line, response, next);
      return;
    }
    // A request that would wait past the limit at the recent pace is told so at once, not after the wait.
    const expectedWaitMs = tenantBound ? restLeftMs(tenant) + ((line.waiting.length + 1) * line.meanServiceMs) / placesOf(tenant) : ((waiting + 1) * meanServiceMs) / limits.maxConcurrent;
    if (tenantBound && expectedWaitMs > limits.maxWaitMs) {
      refuseForTenant(response, tenant, line, TENANT_REFUSAL_DELAY_MS);
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
        const tenantBoundNow = !hasPlace(tenant, queued);
        leave();
        if (tenantBoundNow) refuseForTenant(response, tenant, queued);
        else refuse(response, globalDrainMs(), BUSY);
      }, limits.maxWaitMs),
    };
    // A client that gives up while waiting leaves the line.
    response.once('close', leave);
    queued.waiting.push(place);
    waiting += 1;
  };
}
