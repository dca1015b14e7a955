import unhomoglyph from 'unhomoglyph';
import { foldText, stripDefaultIgnorables, truncateUtf8 } from '../text';

/** Bytes of a skeleton kept (it can be longer than the name: `m` is `rn`); with the tenant it fits a PostgreSQL btree entry. */
const SKELETON_BYTES = 1024;

/**
 * The UTS #39 skeleton of a value: NFD, default-ignorable code points removed, every code point replaced
 * by its prototype (Unicode confusables.txt, through unhomoglyph), NFD again. Two strings that look
 * alike have the same skeleton (Cyrillic `а` and Latin `a`; `rn` and `m`).
 */
export function confusableSkeleton(value: string): string {
  return unhomoglyph(stripDefaultIgnorables(value.normalize('NFD'))).normalize('NFD');
}

/**
 * The skeleton a userName is compared in: of its folded form, so case and width never make a look-alike;
 * cut to SKELETON_BYTES (names that long and alike up to there are listed too).
 */
export function userNameSkeleton(userName: string): string {
  return truncateUtf8(confusableSkeleton(foldText(userName)), SKELETON_BYTES);
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * Two userNames an admin should look at: different names (folded) that look the same, one of them with
 * a character beyond plain ASCII. ASCII-only pairs (`arnie` and `amie`, `bill1` and `billl`) are names
 * people type and have: listing them would bury the spoofs.
 */
export function looksAlike(first: string, second: string): boolean {
  const [a, b] = [foldText(first), foldText(second)];
  if (a === b || (PLAIN_ASCII.test(a) && PLAIN_ASCII.test(b))) return false;
  return confusableSkeleton(a) === confusableSkeleton(b);
}
