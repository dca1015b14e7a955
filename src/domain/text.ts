/** Unicode Default_Ignorable_Code_Point: zero-width spaces and joiners, soft hyphen, word joiner, BOM, variation selectors, tags ... */
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The value without the characters that render as nothing (issue 13: `alice@acme.com\u200b` was a second
 * alice). externalId (case-exact) is matched in this form.
 */
export function stripDefaultIgnorables(value: string): string {
  return value.replace(DEFAULT_IGNORABLE, '');
}

/**
 * The matching form of a case-insensitive value: Unicode NFKC, without default-ignorable characters,
 * trimmed, lower-cased. userName (RFC 7643 caseExact: false) and group displayName are unique per
 * tenant in this form, emails are looked up in it; the stored values themselves stay exactly as the IdP
 * sent them.
 */
export function foldText(value: string): string {
  return foldUntrimmed(value).trim();
}

/** foldText without trimming: the operand of a substring or ordering comparison, where spaces count. */
export function foldUntrimmed(value: string): string {
  return stripDefaultIgnorables(value.normalize('NFKC')).toLowerCase();
}
