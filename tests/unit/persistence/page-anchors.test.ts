import { PageAnchorCache, seekFor, type PageAnchors } from '../../../src/persistence/page-anchors';

/** Anchors over a list whose row at offset n has position (n, `r${n}`), read with `step`. */
function anchorsOver(rows: number, step: number, version = 1): PageAnchors {
  const positions = [];
  for (let offset = step - 1; offset < rows; offset += step) positions.push({ createdAt: offset, id: `r${offset}` });
  return { version, positions };
}

/** The offset a seek lands on in that list: the row after its anchor, plus its own offset. */
function landsOn(seek: ReturnType<typeof seekFor>): number {
  return (seek.after ? seek.after.createdAt + 1 : 0) + seek.offset;
}

describe('seekFor', () => {
  it('without anchors is the offset itself', () => {
    for (const offset of [0, 1, 999, 1000, 123_456]) expect(seekFor(undefined, offset, 1000)).toEqual({ offset });
  });

  it('lands on the same row as the offset, skipping fewer than `step` rows, for every offset of the list and beyond it', () => {
    for (const step of [1, 2, 7, 10]) {
      const anchors = anchorsOver(95, step);
      for (let offset = 0; offset <= 130; offset += 1) {
        const seek = seekFor(anchors, offset, step);
        expect(landsOn(seek)).toBe(offset);
        if (offset < anchors.positions.length * step + step) expect(seek.offset).toBeLessThan(step);
      }
    }
  });

  it('an offset below the first anchor reads from the start', () => {
    expect(seekFor(anchorsOver(50, 10), 9, 10)).toEqual({ offset: 9 });
  });

  it('an offset at an anchor boundary starts right after the anchor before it', () => {
    expect(seekFor(anchorsOver(50, 10), 20, 10)).toEqual({ after: { createdAt: 19, id: 'r19' }, offset: 0 });
    expect(seekFor(anchorsOver(50, 10), 29, 10)).toEqual({ after: { createdAt: 19, id: 'r19' }, offset: 9 });
  });

  it('an offset past the last anchor seeks from the last one', () => {
    expect(seekFor(anchorsOver(50, 10), 1000, 10)).toEqual({ after: { createdAt: 49, id: 'r49' }, offset: 950 });
  });

  it('empty anchors (a list shorter than a step) keep the offset', () => {
    expect(seekFor({ version: 3, positions: [] }, 500, 10)).toEqual({ offset: 500 });
  });
});

describe('PageAnchorCache', () => {
  it('rejects a step that is not a positive integer', () => {
    expect(() => new PageAnchorCache(0)).toThrow('positive integer');
    expect(() => new PageAnchorCache(2.5)).toThrow('positive integer');
  });

  it('asks for a build only on the second read that saw the same version', () => {
    const cache = new PageAnchorCache(10);
    expect(cache.observe('users|t1', 4)).toBe(false);
    expect(cache.observe('users|t1', 5)).toBe(false);
    expect(cache.observe('users|t1', 5)).toBe(true);
  });

  it('builds one at a time per list, and again after a failed build', () => {
    const cache = new PageAnchorCache(10);
    cache.observe('users|t1', 1);
    expect(cache.observe('users|t1', 1)).toBe(true);
    expect(cache.observe('users|t1', 1)).toBe(false);
    expect(cache.observe('groups|t1', 1)).toBe(false);
    expect(cache.observe('groups|t1', 1)).toBe(true);
    cache.finishBuild('users|t1', undefined);
    expect(cache.anchors('users|t1')).toBeUndefined();
    expect(cache.observe('users|t1', 1)).toBe(true);
  });

  it('keeps built anchors while the version holds and drops them when another version is seen', () => {
    const cache = new PageAnchorCache(10);
    cache.observe('users|t1', 7);
    cache.observe('users|t1', 7);
    const anchors = anchorsOver(100, 10, 7);
    cache.finishBuild('users|t1', anchors);
    expect(cache.anchors('users|t1')).toBe(anchors);
    expect(cache.observe('users|t1', 7)).toBe(false);
    expect(cache.anchors('users|t1')).toBe(anchors);
    expect(cache.observe('users|t1', 8)).toBe(false);
    expect(cache.anchors('users|t1')).toBeUndefined();
    expect(cache.observe('users|t1', 8)).toBe(true);
  });

  it('a build that finished at a version newer than the last read is stamped with its own version', () => {
    const cache = new PageAnchorCache(10);
    cache.observe('users|t1', 1);
    cache.observe('users|t1', 1);
    cache.finishBuild('users|t1', anchorsOver(30, 10, 2));
    expect(cache.observe('users|t1', 2)).toBe(false);
    expect(cache.anchors('users|t1')?.version).toBe(2);
  });

  it('keeps at most `capacity` lists, forgetting the least recently used', () => {
    const cache = new PageAnchorCache(10, 2);
    for (const list of ['a', 'b']) {
      cache.observe(list, 1);
      cache.observe(list, 1);
      cache.finishBuild(list, anchorsOver(20, 10, 1));
    }
    cache.observe('a', 1);
    cache.observe('c', 1);
    expect(cache.anchors('a')).toBeDefined();
    expect(cache.anchors('b')).toBeUndefined();
  });
});
