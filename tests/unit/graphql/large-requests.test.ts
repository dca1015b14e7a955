import { EventEmitter } from 'node:events';
import { blockEventLoop } from '../../support/event-loop';
import type { Request, Response } from 'express';
import { LARGE_REQUEST_BYTES, LARGE_REQUEST_SHARE, oneLargeRequestPerTenant } from '../../../src/graphql/large-requests';

/** A large request of `tenantId` as the middleware sees it: headers, the principal, and the events it listens to. */
function largeRequest(tenantId: string) {
  const request = Object.assign(new EventEmitter(), { headers: { 'content-length': String(LARGE_REQUEST_BYTES + 1) }, user: { tenant: { id: tenantId } } });
  const response = new EventEmitter();
  return { request: request as unknown as Request, response: response as unknown as Response, end: () => request.emit('end'), finish: () => response.emit('finish') };
}


describe('oneLargeRequestPerTenant: pacing', () => {
  it(`starts a tenant's next large request only after the event loop had the rest of the time: ${1 / LARGE_REQUEST_SHARE} times what the last one kept it busy`, async () => {
    const middleware = oneLargeRequestPerTenant(() => undefined);
    const first = largeRequest('a');
    const second = largeRequest('a');
    const other = largeRequest('b');
    let secondStarted = 0;
    let firstStarted = false;
    middleware(first.request, first.response, () => (firstStarted = true));
    middleware(second.request, second.response, () => (secondStarted = performance.now()));
    expect(firstStarted).toBe(true);
    first.end();
    blockEventLoop(40);
    first.finish();
    const finished = performance.now();
    let otherStarted = false;
    middleware(other.request, other.response, () => (otherStarted = true));
    expect(otherStarted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondStarted).toBeGreaterThan(0);
    // 40 ms busy at a quarter of the time: the next one waits 120 ms, timers never fire early.
    expect(secondStarted - finished).toBeGreaterThanOrEqual(40 * (1 / LARGE_REQUEST_SHARE - 1) - 5);
  });

  it('does not charge a request for the time its body took to arrive', async () => {
    const middleware = oneLargeRequestPerTenant(() => undefined);
    const first = largeRequest('a');
    const second = largeRequest('a');
    let secondStarted = 0;
    middleware(first.request, first.response, () => undefined);
    middleware(second.request, second.response, () => (secondStarted = performance.now()));
    // Other work keeps the loop busy while the body is still arriving: charged, it would hold the next one 300 ms.
    blockEventLoop(100);
    first.end();
    first.finish();
    const finished = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(secondStarted).toBeGreaterThan(0);
    expect(secondStarted - finished).toBeLessThan(150);
  });
});
