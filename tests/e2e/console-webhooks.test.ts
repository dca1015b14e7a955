import { startHealthyReceiver, type HealthyReceiver } from '../support/webhook-receivers';
import { useConsoleTestBed } from './console-browser';

describe('console: webhook endpoints, deliveries and replay (Chromium)', () => {
  // One attempt per delivery, so a refused one is FAILED at once; the receiver listens on 127.0.0.1 (allowed in tests).
  const bed = useConsoleTestBed({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_POLL_INTERVAL_MS: '100' });
  let status = 500;
  let receiver: HealthyReceiver;
  beforeAll(async () => {
    receiver = await startHealthyReceiver({ status: () => status });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('adds an endpoint (signing secret shown once), lists a failed delivery and replays it', async () => {
    const { tenant, page, context } = await bed.signedIn();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Apps' }).click();
    await page.getByRole('textbox', { name: 'Endpoint URL' }).fill(receiver.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByRole('textbox', { name: 'Signing secret' }).inputValue()).resolves.toMatch(/^ihwhsec_/);

    await tenant.scim.createUser('hooked@example.com');
    await page.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = page.getByRole('table').filter({ hasText: 'Attempts' });
    for (let tries = 0; tries < 40 && !(await deliveries.getByText('failed').count()); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.getByRole('button', { name: 'Refresh deliveries' }).click();
    }
    await deliveries.getByText('failed').first().waitFor();

    status = 200;
    await page.getByRole('button', { name: 'Replay failed deliveries' }).click();
    await page.getByText(/\d+ deliveries queued again/).waitFor();
    for (let tries = 0; tries < 40 && !(await deliveries.getByText('delivered').count()); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await page.getByRole('button', { name: 'Refresh deliveries' }).click();
    }
    await deliveries.getByText('delivered').first().waitFor();
    expect(receiver.received.length).toBeGreaterThan(0);
    await context.close();
  });
});
