import { createHmac } from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature } from '../../../src/services/webhook-signature';

describe('webhook signatures', () => {
  const secret = 'ihwhsec_test-secret';
  const body = '{"id":"e-1","type":"user.created"}';

  it('is HMAC-SHA256 over "<timestamp>.<body>" in the t=...,v1=... form', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies a fresh signature and refuses a changed body, another secret or a stale timestamp', () => {
    const header = signWebhookBody(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: 1_700_000_100 })).toBe(true);
    expect(verifyWebhookSignature(secret, header, `${body} `, { nowSeconds: 1_700_000_100 })).toBe(false);
    expect(verifyWebhookSignature('ihwhsec_other', header, body, { nowSeconds: 1_700_000_100 })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: 1_700_000_301 })).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, { nowSeconds: 1_700_000_301, toleranceSeconds: 600 })).toBe(true);
  });

  it('refuses malformed headers and accepts any matching v1 among several (secret rotation on the receiver)', () => {
    const header = signWebhookBody(secret, body, 1_700_000_000);
    const options = { nowSeconds: 1_700_000_000 };
    expect(verifyWebhookSignature(secret, undefined, body, options)).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', body, options)).toBe(false);
    expect(verifyWebhookSignature(secret, 't=1700000000,v1=zz', body, options)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace('t=1700000000', 't=1700000001'), body, options)).toBe(false);
    const other = signWebhookBody('ihwhsec_old', body, 1_700_000_000).split(',')[1];
    expect(verifyWebhookSignature(secret, `${header},${other}`, body, options)).toBe(true);
  });
});
