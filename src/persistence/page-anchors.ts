/**
 * Page anchors: an indexed equivalent of OFFSET for the default list order (created, then id). The RFC's
 * startIndex is an offset, and OFFSET k walks k index entries. A sparse set of anchors (the position of
 * every `step`-th row of a tenant's list) turns offset k into "after anchor ⌊k/step⌋, skip k mod step":
 * a seek plus fewer than `step` entries, whatever k is.
 *
 * Anchors hold only while no row of the list is inserted, deleted or moved. They are stamped with the
 * tenant_resource_counts version they were read at (the triggers bump it on every such change), and a
 * page read through them returns the current version in the same statement: a stale set is detected
 * without an extra round trip, in any process sharing the database, and the page is read again by offset.
 */

/** A row's place in the default order. */
export interface ListPosition {
  readonly createdAt: number;
  readonly id: string;
}

export interface PageAnchors {
  /** The tenant_resource_counts version the positions were read at. */
  readonly version: number;
  /** positions[j] is the row at 0-based offset (j + 1) × step - 1. */
  readonly positions: readonly ListPosition[];
}

/** Where a page starts: strictly after `after` (from the first row without it), then `offset` rows on. */
export interface Seek {
  readonly after?: ListPosition;
  readonly offset: number;
}

/** Rows between anchors: a page skips fewer than this many index entries; 1M rows keep 1,000 anchors (~100 KB). */
export const ANCHOR_STEP = 1000;
/** Lists (tenant × table) whose anchors one process keeps; the least recently used go first. */
export const ANCHOR_LISTS = 256;

/** The seek equivalent to OFFSET `offset` given `anchors` (read with `step`); without anchors, the offset itself. */
export function seekFor(anchors: PageAnchors | undefined, offset: number, step: number): Seek {
  const anchor = anchors ? Math.min(Math.floor(offset / step), anchors.positions.length) : 0;
  if (!anchors || anchor === 0) return { offset };
  return { after: anchors.positions[anchor - 1], offset: offset - anchor * step };
}

interface ListState {
  anchors?: PageAnchors;
  /** The version the last deep read of the list saw. */
  seenVersion?: number;
  building: boolean;
}

/**
 * The anchors one process holds, per list. Building them costs one index-only pass over the list, so it
 * is done only when it pays: when two deep reads in a row saw the same version (the list is not being
 * written to continuously), one at a time per list. Under steady writes, deep pages stay plain offsets.
 */
export class PageAnchorCache {
  private readonly lists = new Map<string, ListState>();

  constructor(
    readonly step: number = ANCHOR_STEP,
    private readonly capacity: number = ANCHOR_LISTS,
  ) {
    if (!Number.isInteger(step) || step < 1) throw new Error('the anchor step must be a positive integer');
  }

  /** The anchors held for `list`, if any (possibly stale: the read that uses them checks the version). */
  anchors(list: string): PageAnchors | undefined {
    return this.lists.get(list)?.anchors;
  }

  /**
   * Records the version a deep read of `list` saw (dropping anchors of another version) and says whether
   * to build anchors now: none are held or being built, and the previous deep read saw the same version.
   * The caller then builds them and calls `finishBuild`.
   */
  observe(list: string, version: number): boolean {
    const state = this.touch(list);
    if (state.anchors && state.anchors.version !== version) state.anchors = undefined;
    const steady = state.seenVersion === version;
    state.seenVersion = version;
    if (!steady || state.anchors || state.building) return false;
    state.building = true;
    return true;
  }

  /** Ends a build `observe` asked for: `anchors` when it succeeded, undefined when it failed. */
  finishBuild(list: string, anchors: PageAnchors | undefined): void {
    const state = this.touch(list);
    state.building = false;
    if (anchors) {
      state.anchors = anchors;
      state.seenVersion = anchors.version;
    }
  }

  /** The list's state, marked most recently used; the least recently used list goes when over capacity. */
  private touch(list: string): ListState {
    const state = this.lists.get(list) ?? { building: false };
    this.lists.delete(list);
    this.lists.set(list, state);
    if (this.lists.size > this.capacity) {
      const oldest = this.lists.keys().next().value;
      if (oldest !== undefined) this.lists.delete(oldest);
    }
    return state;
  }
}
