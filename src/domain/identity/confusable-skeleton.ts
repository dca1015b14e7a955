import unhomoglyph from 'unhomoglyph';
import { foldText, stripDefaultIgnorables, truncateUtf8 } from '../text';

/** Bytes of a skeleton kept (it can be longer than the name: `m` is `rn`); with the tenant it fits a PostgreSQL btree entry. */
const SKELETON_BYTES = 1024;

/** Sets of look-alike names listed as admin warnings, and the shared skeletons read to find them (ASCII-only ones are passed over). */
export const LOOKALIKE_SETS_LISTED = 50;
export const LOOKALIKE_SKELETONS_READ = 500;

/**
 * The UTS #39 skeleton of a value: NFD, default-ignorable code points removed, every code point replaced
 * by its prototype (Unicode confusables.txt, through unhomoglyph), NFD again. Two strings that look
 * alike have the same skeleton (Cyrillic `а` and Latin `a`; `rn` and `m`).
 */
export function confusableSkeleton(value: string): string {
  return unhomoglyph(stripDefaultIgnorables(value.normalize('NFD'))).normalize('NFD');
}

/**
 * The stored, indexed key of a userName's or group displayName's skeleton: of its folded form, so case
 * and width never make a look-alike, cut to SKELETON_BYTES. The key finds the candidates; looksAlike then
 * compares the whole names.
 */
export function nameSkeletonKey(name: string): string {
  return truncateUtf8(confusableSkeleton(foldText(name)), SKELETON_BYTES);
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * Two names an admin should look at: different names (folded) that look the same, one of them with
 * a character beyond plain ASCII. ASCII-only pairs (`arnie` and `amie`, `bill1` and `billl`) are names
 * people type and have: listing them would bury the spoofs.
 */
export function looksAlike(first: string, second: string): boolean {
  const [a, b] = [foldText(first), foldText(second)];
  if (a === b || (PLAIN_ASCII.test(a) && PLAIN_ASCII.test(b))) return false;
  return confusableSkeleton(a) === confusableSkeleton(b);
}

/** Two stored names with one folded form: only rows stored before the fold dropped invisible characters (the migration kept both). */
function invisiblyDuplicated(first: string, second: string): boolean {
  return foldText(first) === foldText(second);
}

/**
 * Of the sets of rows sharing a skeleton, those an admin should see (at least one pair looks alike or
 * differs only invisibly), at most LOOKALIKE_SETS_LISTED.
 */
export function lookalikeSets<T>(sets: readonly (readonly T[])[], nameOf: (row: T) => string): T[][] {
  const listed = (first: T, second: T) => looksAlike(nameOf(first), nameOf(second)) || invisiblyDuplicated(nameOf(first), nameOf(second));
  return sets
    .filter((rows) => rows.some((row, index) => rows.slice(index + 1).some((other) => listed(row, other))))
    .slice(0, LOOKALIKE_SETS_LISTED)
    .map((rows) => [...rows]);
}
