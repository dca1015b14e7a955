import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { createApp } from './app';
import { ensureConsoleBundle } from './console/console-bundle';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

function localUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host}:${config.port}`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  // The console's pages are built here when missing or older than their source: still two commands.
  // A failed build leaves SCIM and GraphQL serving; /console then says it is not built.
  await ensureConsoleBundle().then(
    (outcome) => outcome === 'built' && console.log('built the admin console (console/dist)'),
    (error: unknown) => console.error('the admin console could not be built:', error instanceof Error ? error.message : error),
  );
  const hub = await createApp(config);
  const baseUrl = localUrl(config);
  if ((await hub.services.tenants.countTenants()) === 0) {
    const demo = await hub.services.tenants.createTenant({ slug: 'demo', name: 'Demo' });
    // Printed once on purpose: only hashes are stored. `npm run cli -- token rotate demo` issues a new token.
    console.log(
      [
        '',
        'Created the demo tenant. These secrets are shown only now:',
        `  SCIM base URL (tenant URL): ${baseUrl}/scim/v2`,
        `  SCIM token (secret token):  ${demo.scimToken}`,
        `  Admin API key (GraphQL):    ${demo.adminApiKey}`,
        '',
      ].join('\n'),
    );
  }

  const demo = await hub.services.tenants.getTenantBySlug('demo').catch(() => undefined);
  const consoleLink = demo && (await hub.services.consoleAccess.mintSetupLink(demo.id, {}, { actor: { type: 'system', id: 'server start' } }));
  const server: Server = hub.app.listen(config.port, config.host, () => {
    console.log(`identity-hub listening: SCIM ${baseUrl}/scim/v2  GraphQL ${baseUrl}/graphql  health ${baseUrl}/healthz`);
    if (consoleLink) console.log(`Admin console (demo tenant, one use): ${hub.services.consoleAccess.setupLinkUrl(consoleLink.token, baseUrl)}`);
  });
  const subscriptions = hub.attachSubscriptions(server);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    // Subscription sockets would hold the server open: they close first, and clients resume elsewhere.
    void subscriptions.close();
    server.close(() => {
      hub.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('identity-hub failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
