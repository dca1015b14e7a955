import unhomoglyph from 'unhomoglyph';
import { foldText, stripDefaultIgnorables } from '../text';

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
 * The skeleton a userName or group displayName is compared in: of its folded form, so case and width
 * never make a look-alike.
 */
function nameSkeleton(name: string): string {
  return confusableSkeleton(foldText(name));
}

/**
 * Code points of a skeleton kept in a stored key: one character can have a skeleton of 18 (U+FDFA), so a
 * whole skeleton overflows a column and PostgreSQL's index row. 256 code points (at most 1 KiB) find the
 * candidates; looksAlike then compares the whole names.
 */
const SKELETON_KEY_LENGTH = 256;

/** The stored, indexed key of a name's skeleton: its first SKELETON_KEY_LENGTH code points. */
export function nameSkeletonKey(name: string): string {
  return Array.from(nameSkeleton(name)).slice(0, SKELETON_KEY_LENGTH).join('');
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
