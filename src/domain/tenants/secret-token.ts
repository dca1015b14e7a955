import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets: a recognisable prefix (so leak scanners can find them), 256 bits of randomness and a
 * checksum (so a mistyped token is refused without a lookup). Only the SHA-256 hash is stored.
 */
export type SecretKind = 'scim' | 'api' | 'webhook' | 'operator' | 'scimClient' | 'consoleSetup' | 'consoleSession';

// The webhook secret is an HMAC key the hub keeps readable (it signs with it), but it leaks like any other.
const PREFIXES: Record<SecretKind, string> = {
  scim: 'ihscim_',
  api: 'ihapi_',
  webhook: 'ihwhsec_',
  operator: 'ihop_',
  scimClient: 'ihcsec_',
  consoleSetup: 'ihsetup_',
  consoleSession: 'ihcon_',
};
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;

function toBase62(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let text = '';
  while (text.length < length) {
    text = ALPHABET[Number(value % 62n)] + text;
    value /= 62n;
  }
  return text;
}

function checksum(body: string): string {
  return toBase62(createHash('sha256').update(body).digest().subarray(0, 8), CHECKSUM_LENGTH);
}

export function generateSecret(kind: SecretKind): string {
  const body = `${PREFIXES[kind]}${toBase62(randomBytes(32), BODY_LENGTH)}`;
  return `${body}${checksum(body)}`;
}

/** True when the secret has the shape and checksum of one we issued of this kind. */
export function isWellFormedSecret(kind: SecretKind, secret: string): boolean {
  const prefix = PREFIXES[kind];
  if (!secret.startsWith(prefix) || secret.length !== prefix.length + BODY_LENGTH + CHECKSUM_LENGTH) return false;
  const body = secret.slice(0, -CHECKSUM_LENGTH);
  return safeEqual(checksum(body), secret.slice(-CHECKSUM_LENGTH));
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function safeEqual(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}
