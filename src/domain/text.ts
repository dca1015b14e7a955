const UTF8 = new TextEncoder();

/** Bytes of a mapped value's folded text kept for lookups (user_values.value_text): with the tenant and field it fits a PostgreSQL btree entry. */
const VALUE_KEY_BYTES = 1024;

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

/** The lookup key of a mapped value: its folded text, cut to VALUE_KEY_BYTES. */
export function valueKey(value: string): string {
  return truncateUtf8(foldText(value), VALUE_KEY_BYTES);
}

/** The longest prefix of `text` of at most `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (!utf8LongerThan(text, maxBytes)) return text;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = UTF8.encode(character).length;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}

export function utf8LongerThan(text: string, maxBytes: number): boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so short strings need no encoding.
  return text.length * 3 > maxBytes && UTF8.encode(text).length > maxBytes;
}
