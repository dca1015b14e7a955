/** Holds this process's event loop (and so an in-process hub's) busy for `ms`, as a long request would. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
