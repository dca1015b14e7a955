import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, serverBaseUrl, type Config } from './config';
import type { Express } from 'express';
import { createApp } from './app';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The listening server, or the listen error: express 5's app.listen hands that error to its callback, which reads like success. */
function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
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

  const hub = await createApp(config);
  const baseUrl = serverBaseUrl(config);
  // The port first: a busy one ends the process before anything is written.
  let server: Server;
  try {
    server = await listen(hub.app, config.port, config.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges this process lacks' : `cannot be listened on (${(error as Error).message})`;
    console.error(`identity-hub failed to start: ${config.host}:${config.port} ${reason}; set PORT (and HOST) to a free one`);
    await hub.close().catch(() => undefined);
    process.exit(1);
  }
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
  let metricsServer: Server | undefined;
  if (hub.metrics && config.metrics.port !== undefined) {
    try {
      metricsServer = await listen(hub.metrics.standaloneApp(config.metrics.token), config.metrics.port, config.metrics.host);
    } catch (error) {
      console.error(`identity-hub failed to start: metrics on ${config.metrics.host}:${config.metrics.port}: ${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use' : (error as Error).message}; set METRICS_PORT to a free one`);
      process.exit(1);
    }
  }
  console.log(`identity-hub listening: SCIM ${baseUrl}/scim/v2  GraphQL ${baseUrl}/graphql  health ${baseUrl}/healthz`);
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
    metricsServer?.close();
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
