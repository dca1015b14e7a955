/**
 * userName is unique per tenant after normalisation (RFC 7643 gives it caseExact: false). The stored
 * userName stays exactly as sent; this key is what uniqueness and lookups use.
 */
export function normalizeUserName(userName: string): string {
  return userName.normalize('NFKC').trim().toLowerCase();
}
