import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-IdentityHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `${t}.${body}` with the endpoint's secret. The timestamp inside the signed text lets receivers refuse
 * replays of an old delivery; `v1` names the scheme so a new one can be added beside it.
 */
export const SIGNATURE_HEADER = 'X-IdentityHub-Signature';
export const EVENT_ID_HEADER = 'X-IdentityHub-Event-Id';
export const EVENT_TYPE_HEADER = 'X-IdentityHub-Event-Type';
export const ATTEMPT_HEADER = 'X-IdentityHub-Delivery-Attempt';

/** Receivers should refuse signatures older (or newer) than this. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`;
}

/**
 * What a receiver runs: true when `header` holds a v1 signature of `body` made with `secret` at a time
 * within `toleranceSeconds` of `nowSeconds`. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return parts
    .filter(([name, value]) => name === 'v1' && /^[0-9a-f]{64}$/.test(value ?? ''))
    .some(([, value]) => timingSafeEqual(Buffer.from(value, 'hex'), expected));
}
