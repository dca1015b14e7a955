/**
 * The matching form of a case-insensitive value: Unicode NFKC, trimmed, lower-cased. userName
 * (RFC 7643 caseExact: false) and group displayName are unique per tenant in this form, emails are
 * looked up in it; the stored values themselves stay exactly as the IdP sent them.
 */
export function foldText(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}
