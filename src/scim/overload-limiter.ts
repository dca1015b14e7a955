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

/**
 * Bounds the SCIM requests in progress and sheds load while the event loop falls behind. Under overload
 * an IdP is told to come back (429 with an integer Retry-After, the only form Okta honours) instead of
 * every request getting slower until the IdP's own timeout fails it: a request is served, waits in a
 * bounded line (refused at once when the line ahead would outlast the longest wait), or is refused. Retry-After is how long the backlog would take to drain (the line ahead
 * at the recent service time, or the loop's lateness), in whole seconds, 1 at least.
 */
export function limitOverload(limits: OverloadLimits) {
  let active = 0;
  const waiting: { admit: () => void; timer: NodeJS.Timeout }[] = [];
  let meanServiceMs = 10;
  const lag = watchEventLoopLag();

  const refuse = (response: Response, detail: string) => {
    const drainMs = Math.max(lag.current, ((waiting.length + active) * meanServiceMs) / limits.maxConcurrent);
    const retryAfter = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(drainMs / 1000)));
    response.status(429).setHeader('Retry-After', String(retryAfter));
    response.setHeader('Content-Type', 'application/scim+json; charset=utf-8');
    response.send(JSON.stringify(scimErrorBody(429, detail)));
  };

  const serve = (response: Response, next: NextFunction) => {
    active += 1;
    const started = performance.now();
    // 'close' also comes when the client went away before the answer was complete.
    response.once('close', () => {
      active -= 1;
      meanServiceMs += SMOOTHING * (performance.now() - started - meanServiceMs);
      const following = waiting.shift();
      if (following) {
        clearTimeout(following.timer);
        following.admit();
      }
    });
    next();
  };

  return (_request: Request, response: Response, next: NextFunction): void => {
    // A request finding nothing in progress is no backlog, however late the loop ran (a big group read just ended).
    if (lag.current > limits.maxEventLoopLagMs && (active > 0 || waiting.length > 0)) {
      refuse(response, 'the server is busy; retry after the time in Retry-After');
      return;
    }
    if (active < limits.maxConcurrent && waiting.length === 0) {
      serve(response, next);
      return;
    }
    // A request that would wait past the limit at the recent pace is told so at once, not after the wait.
    if (waiting.length >= limits.maxQueued || ((waiting.length + 1) * meanServiceMs) / limits.maxConcurrent > limits.maxWaitMs) {
      refuse(response, 'the server is busy; retry after the time in Retry-After');
      return;
    }
    const leave = () => {
      waiting.splice(waiting.indexOf(place), 1);
      clearTimeout(place.timer);
      response.off('close', leave);
    };
    const place = {
      admit: () => {
        response.off('close', leave);
        serve(response, next);
      },
      timer: setTimeout(() => {
        leave();
        refuse(response, 'the server is busy; retry after the time in Retry-After');
      }, limits.maxWaitMs),
    };
    // A client that gives up while waiting leaves the line.
    response.once('close', leave);
    waiting.push(place);
  };
}
