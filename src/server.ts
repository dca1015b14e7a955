import 'reflect-metadata';
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { ConfigError, loadConfig, serverBaseUrl, type Config } from './config';
import { createApp, type IdentityHub } from './app';
import { runWorkerProcesses } from './worker-processes';
import { ensureConsoleBundle } from './console/console-bundle';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The listening server, or the listen error: express 5's app.listen hands that error to its callback, which reads like success. */
function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** A one-time setup link into the console for the demo tenant, minted at each start (none once the demo tenant is gone). */
async function demoConsoleLink(hub: IdentityHub, config: Config): Promise<string | undefined> {
  const demo = await hub.services.tenants.getTenantBySlug('demo').catch(() => undefined);
  if (!demo) return undefined;
  const link = await hub.services.consoleAccess.mintSetupLink(demo.id, {}, { actor: { type: 'system', id: 'server start' } });
  return hub.services.consoleAccess.setupLinkUrl(link.token, serverBaseUrl(config));
}

/** Migrations and, on an empty database, the demo tenant (whose secrets are printed once). */
async function prepare(config: Config): Promise<string | undefined> {
  const hub = await createApp(config, { backgroundJobs: false });
  try {
    await announceDemoTenant(hub, config);
    return await demoConsoleLink(hub, config);
  } finally {
    await hub.close();
  }
}

async function announceDemoTenant(hub: IdentityHub, config: Config): Promise<void> {
  if ((await hub.services.tenants.countTenants()) > 0) return;
  const baseUrl = serverBaseUrl(config);
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

function announceListening(config: Config, consoleLink: string | undefined): void {
  const baseUrl = serverBaseUrl(config);
  console.log(`identity-hub listening: SCIM ${baseUrl}/scim/v2  GraphQL ${baseUrl}/graphql  health ${baseUrl}/healthz`);
  if (consoleLink) console.log(`Admin console (demo tenant, one use): ${consoleLink}`);
}

/** The one line a start that cannot listen prints before it exits non-zero. */
function cannotListen(config: Config, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges this process lacks' : `cannot be listened on (${(error as Error).message})`;
  console.error(`identity-hub failed to start: ${config.host}:${config.port} ${reason}; set PORT (and HOST) to a free one`);
  process.exit(1);
}

/** The primary of several workers checks the port before it prepares anything: its workers share it. */
async function ensurePortFree(config: Config): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(config.port, config.host, () => probe.close(() => resolve()));
  }).catch((error: unknown) => cannotListen(config, error));
}

/** Serves the app in this process (the only one, or one worker of several: then the primary announces). */
async function serve(config: Config, worker: boolean): Promise<void> {
  const hub = await createApp(config);
  // The port first: a busy one ends the process before anything is written.
  let server: Server;
  try {
    server = await listen(hub.app, config.port, config.host);
  } catch (error) {
    await hub.close().catch(() => undefined);
    cannotListen(config, error);
  }
  if (!worker) await announceDemoTenant(hub, config);
  let metricsServer: Server | undefined;
  if (hub.metrics && config.metrics.port !== undefined) {
    try {
      metricsServer = await listen(hub.metrics.standaloneApp(config.metrics.token), config.metrics.port, config.metrics.host);
    } catch (error) {
      console.error(`identity-hub failed to start: metrics on ${config.metrics.host}:${config.metrics.port}: ${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use' : (error as Error).message}; set METRICS_PORT to a free one`);
      process.exit(1);
    }
  }
  if (!worker) announceListening(config, await demoConsoleLink(hub, config));
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
  if (cluster.isPrimary) {
    // The console's pages are built here when missing or older than their source: still two commands.
    // A failed build leaves SCIM and GraphQL serving; /console then says it is not built.
    await ensureConsoleBundle().then(
      (outcome) => outcome === 'built' && console.log('built the admin console (console/dist)'),
      (error: unknown) => console.error('the admin console could not be built:', error instanceof Error ? error.message : error),
    );
  }
  if (config.webConcurrency === 1) return serve(config, false);
  if (!cluster.isPrimary) return serve(config, true);
  await ensurePortFree(config);
  const consoleLink = await prepare(config);
  runWorkerProcesses({ count: config.webConcurrency, onListening: () => announceListening(config, consoleLink), log: (message) => console.error(message) });
}

main().catch((error: unknown) => {
  console.error('identity-hub failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
