import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import passport from 'passport';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { Database } from './persistence/database';
import { migrate, openOrm, type Orm } from './persistence/orm';
import { TenantService, type ApiPrincipal } from './services/tenant.service';
import { UserService } from './services/user.service';
import { GroupService } from './services/group.service';
import { MappingService } from './services/mapping.service';
import { ChangeRecorder } from './services/change-recorder';
import { extractUserFields } from './scim/protocol/resource-fields';
import { MappingLifecycleService } from './services/mapping-lifecycle.service';
import { MappingJobRunner } from './services/mapping-jobs.service';
import { replayUserRequests } from './scim/protocol/replay-user-requests';
import { DirectoryService } from './services/directory.service';
import { ApiAccessService } from './services/api-access.service';
import { createGraphqlEndpoint, type SubscriptionTuning } from './graphql/graphql-server';
import { ScimBulkHandler } from './scim/bulk';
import { createScimRouter } from './scim/router';
import { TenantRegistries } from './scim/tenant-registries';
import { createScimBearerStrategy, SCIM_STRATEGY } from './auth/scim-bearer.strategy';
import { requestContext } from './http/request-context';
import { FailedAuthThrottle } from './auth/failed-auth-throttle';
import { compileTrustProxy } from './http/trust-proxy';
import { AuditService } from './services/audit.service';
import { OptionListService } from './services/option-list.service';
import { OutboxService } from './services/outbox.service';
import { OwnershipService } from './services/ownership.service';
import { ProvisioningLogService } from './services/provisioning-log.service';
import { WebhookEndpointService } from './services/webhook-endpoint.service';
import { WebhookDeliveryWorker } from './services/webhook-delivery';
import { BackgroundJobs } from './services/background-jobs';
import { JobLeases } from './services/job-leases';
import { AdminWarningsService } from './services/admin-warnings.service';
import { EventFeed } from './services/event-feed';
import { ManualEditService } from './services/manual-edit.service';
import { CORE_GROUP_SCHEMA } from './scim/protocol/schema-definitions';
import type { Server } from 'node:http';
import type { GraphqlSubscriptionServer } from './graphql/subscription-server';
import { BulkImportService } from './services/bulk-import.service';
import { RecentRequestsService } from './services/recent-requests.service';
import { redactSecrets } from './scim/protocol/provisioning-record';
import { CredentialCache } from './services/credential-cache';
import { OutboundHttp } from './outbound/outbound-http';
import { OidcTokenVerifier } from './auth/oidc-token.strategy';
import { OffloadPool } from './services/offload/offload-pool';
import { OperatorService } from './services/operator.service';
import { ScimOAuthService } from './services/scim-oauth.service';
import { createOperatorEndpoint } from './graphql/operator/operator-server';
import { createOAuthTokenEndpoint } from './scim/oauth-token-endpoint';
import { SCIM_BASE_PATH, scimBaseUrl } from './scim/scim-base-url';
import { HubMetrics } from './http/metrics';
import { PlatformStatusService } from './services/platform-status.service';
import { createGraphiqlRouter } from './http/graphiql';
import { ConsoleAccessService } from './services/console-access.service';
import { ConsoleSignInService } from './services/console-sign-in.service';
import { createConsoleRouter } from './console/console-router';
import { createConsoleOidcRoutes } from './console/console-oidc';
import { consolePrincipalResolver } from './console/console-principal';
import { CONSOLE_BUNDLE_DIR } from './console/console-bundle';
import { PostgresCredentialListener, SqliteChangeCounter, type CredentialChanges } from './persistence/credential-changes';

export interface Services {
  readonly tenants: TenantService;
  readonly users: UserService;
  readonly groups: GroupService;
  readonly mapping: MappingService;
  readonly mappingLifecycle: MappingLifecycleService;
  readonly mappingJobs: MappingJobRunner;
  readonly directory: DirectoryService;
  readonly access: ApiAccessService;
  readonly audit: AuditService;
  readonly outbox: OutboxService;
  readonly ownership: OwnershipService;
  readonly webhooks: WebhookEndpointService;
  readonly provisioningLog: ProvisioningLogService;
  readonly warnings: AdminWarningsService;
  readonly events: EventFeed;
  readonly manualEdits: ManualEditService;
  readonly bulkImport: BulkImportService;
  readonly operator: OperatorService;
  readonly scimOAuth: ScimOAuthService;
  readonly consoleAccess: ConsoleAccessService;
  readonly consoleSignIn: ConsoleSignInService;
  readonly optionLists: OptionListService;
  readonly recentRequests: RecentRequestsService;
}

export interface IdentityHub {
  readonly app: Express;
  readonly orm: Orm;
  readonly database: Database;
  readonly services: Services;
  readonly logger: Logger;
  /** Prometheus metrics, when configured (METRICS_PORT or METRICS_TOKEN): server.ts serves METRICS_PORT. */
  readonly metrics: HubMetrics | undefined;
  /** Serves GraphQL subscriptions (graphql-ws) on the listening server's /graphql; closed by close(). */
  attachSubscriptions(server: Server, options?: SubscriptionTuning): GraphqlSubscriptionServer;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Apply pending migrations before serving (server and tests do; the CLI decides per command). */
  readonly migrate?: boolean;
  readonly logger?: Logger;
  /** Run webhook delivery and the periodic checks and sweeps in this process (default true). */
  readonly backgroundJobs?: boolean;
}

const HOUR_MS = 60 * 60 * 1000;
/** Users per mapping job batch: a re-apply batch is one transaction, short enough that SCIM writes barely wait. */
const MAPPING_JOB_BATCH = 500;
/** A job's node renews its lease with every batch; a job not renewed for this long is resumed elsewhere. */
const MAPPING_JOB_LEASE_MS = 60_000;
const MAPPING_JOB_POLL_MS = 5_000;
/** Subscriptions see a committed event within about this long. */
const EVENT_POLL_INTERVAL_MS = 200;
/**
 * A commit's deliveries are claimed within this long: the commits and settled attempts of a burst share
 * one claim. Woken at once, the worker claimed 25-33 times a second under the noisy-neighbour gate's
 * steady traffic, and planning its claim took 6% of a core of PostgreSQL.
 */
const WEBHOOK_WAKE_WITHIN_MS = 100;
/** A change whose transaction commits later than this after its event was stamped may be missed live (not on resume). */
const EVENT_LOOKBACK_MS = 5_000;
/** How long an authenticated API key is trusted without a lookup (changes made anywhere drop it at once: credential-changes.ts). */
const CREDENTIAL_CACHE_TTL_MS = 5000;

/** PostgreSQL: a LISTEN connection for the credential tables' notifications; SQLite: the file's change counter. */
async function watchCredentialChanges(databaseConfig: Config['database'], database: Database, logger: Logger): Promise<CredentialChanges> {
  if (databaseConfig.kind === 'sqlite') return new SqliteChangeCounter(database);
  const listener = new PostgresCredentialListener(databaseConfig.url, {
    onError: (error) => logger.warn({ err: error }, 'credential change listener lost; credentials are read from the database until it is back'),
  });
  await listener.start();
  return listener;
}

/** The one composition root: server, CLI and tests all build the hub here. */
export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<IdentityHub> {
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.token', '*.scimToken', '*.adminApiKey'] });
  const orm = await openOrm(config.database, {
    sqliteSynchronous: config.sqliteSynchronous,
    log: (message) => logger.info({ component: 'orm' }, message.replace(/\u001b\[[0-9;]*m/g, '')),
  });
  if (options.migrate ?? true) await migrate(orm);
  const database = new Database(orm, config.budgets.filterReadMs);
  // Every call to a URL a tenant configured (webhooks, JWKS) goes through this client and its address policy.
  const outbound = new OutboundHttp(config.outbound);
  const offload = new OffloadPool(config.budgets.offload);
  const audit = new AuditService(database);
  const runBackgroundJobs = options.backgroundJobs ?? true;
  const outbox = new OutboxService(database, {
    retentionDays: config.retention.outboxDays,
    onDeliveriesCommitted: runBackgroundJobs ? () => backgroundJobs.wake('webhook-delivery') : undefined,
  });
  const ownership = new OwnershipService(database, audit, outbox);
  const changes = new ChangeRecorder(audit, outbox, ownership);
  const mapping = new MappingService(database, changes);
  if (options.migrate ?? true) await mapping.seedMissingDefaults();
  const registries = new TenantRegistries(mapping);
  const mappingJobs = new MappingJobRunner(database, mapping, audit, {
    batchSize: MAPPING_JOB_BATCH,
    leaseMs: MAPPING_JOB_LEASE_MS,
    onError: (error, job) => logger.error({ err: error, jobId: job?.id, tenantId: job?.tenantId }, 'mapping job failed'),
  });
  const credentialChanges = await watchCredentialChanges(config.database, database, logger);
  const apiKeyCache = new CredentialCache<ApiPrincipal>({ ttlMs: CREDENTIAL_CACHE_TTL_MS, maxEntries: 10_000, changes: credentialChanges });
  const tenants = new TenantService(database, { audit, outbox, mapping, apiKeyCache, credentialChanges });
  const groups = new GroupService(database, mapping, changes);
  const users = new UserService(database, mapping, changes, extractUserFields);
  const directory = new DirectoryService(database);
  const consoleSignIn = new ConsoleSignInService(database, audit, directory, mapping, config.graphql.allowHttpJwks);
  const consoleAccess = new ConsoleAccessService(database, audit, config.console, (tenantId, userId) => consoleSignIn.isAdmin(tenantId, userId), config.publicUrl);
  const webhooks = new WebhookEndpointService(database, audit, { allowHttp: config.webhooks.allowHttp, outbound });
  const recentRequests = new RecentRequestsService(database, {
    kept: config.retention.recentRequestsKept,
    retentionHours: config.retention.recentRequestsHours,
    redact: (value) => redactSecrets(value) as Record<string, unknown>,
    onDropped: (count, reason) => logger.warn({ err: reason, count }, 'recent requests for mapping previews dropped'),
  });
  const services: Services = {
    tenants,
    users,
    groups,
    mapping,
    mappingLifecycle: new MappingLifecycleService(database, mapping, audit, changes, {
      replay: async (tenant, connection, sequence) => replayUserRequests(await registries.registryFor({ tenant, connection }), sequence),
      recentRequests,
      offload,
      onJobQueued: runBackgroundJobs ? () => mappingJobs.wake() : undefined,
    }),
    mappingJobs,
    directory,
    access: new ApiAccessService(database, audit, { allowHttpJwks: config.graphql.allowHttpJwks, apiKeyCache, outbound }),
    audit,
    outbox,
    ownership,
    webhooks,
    provisioningLog: new ProvisioningLogService(database, {
      retentionDays: config.retention.provisioningLogDays,
      onDropped: (count, reason) => logger.warn({ err: reason, count }, 'provisioning log entries dropped'),
    }),
    warnings: new AdminWarningsService(tenants, ownership, webhooks, users, groups),
    manualEdits: new ManualEditService(database, groups, users, audit, {
      newGroup: (fields) => ({ schemas: [CORE_GROUP_SCHEMA], displayName: fields.displayName, ...(fields.externalId === null ? {} : { externalId: fields.externalId }) }),
      userFields: extractUserFields,
    }),
    events: new EventFeed(database, { pollIntervalMs: EVENT_POLL_INTERVAL_MS, lookbackMs: EVENT_LOOKBACK_MS }, (error) => logger.error({ err: error }, 'reading the outbox for subscriptions failed')),
    bulkImport: new BulkImportService(database, mapping, changes),
    operator: new OperatorService(database, { audit, outbox, apiKeyCache }),
    scimOAuth: new ScimOAuthService(database, audit, { credentialChanges }),
    consoleAccess,
    consoleSignIn,
    optionLists: new OptionListService(database, mapping, audit),
    recentRequests,
  };

  const deliveryWorker = new WebhookDeliveryWorker(database, outbound, config.webhooks, {
    // A settled attempt frees capacity and may unblock its resource's next event: look again at once.
    onSettled: () => backgroundJobs.wake('webhook-delivery'),
    onCircuitOpened: (endpoint) => logger.warn(endpoint, 'webhook endpoint circuit opened: its deliveries wait for a probe'),
    onAttemptFailed: (attempt) => logger.info(attempt, 'webhook attempt failed'),
    onError: (error) => logger.error({ err: error }, 'recording a webhook attempt failed'),
  });
  const jobLeases = new JobLeases(database);
  const backgroundJobs = new BackgroundJobs(
    [
      // Claims what is due up to the free capacity and returns without waiting for the attempts; again at once while it filled that capacity.
      {
        name: 'webhook-delivery',
        intervalMs: config.webhooks.pollIntervalMs,
        wakeWithinMs: WEBHOOK_WAKE_WITHIN_MS,
        run: async () => (await deliveryWorker.deliverDue()).more,
        interrupt: () => deliveryWorker.interrupt(),
      },
      {
        name: 'token-expiry-check',
        intervalMs: HOUR_MS,
        exclusive: true,
        firstRunAfterMs: 10_000,
        run: async () => {
          await services.tenants.announceExpiringScimTokens();
          return false;
        },
      },
      // Impact diffs and re-applies queued on any node, and those whose node died (lease ran out).
      { name: 'mapping-jobs', intervalMs: MAPPING_JOB_POLL_MS, run: () => mappingJobs.runAvailable(), interrupt: () => mappingJobs.interrupt() },
      {
        name: 'retention-sweep',
        intervalMs: HOUR_MS,
        exclusive: true,
        firstRunAfterMs: 60_000,
        run: async () => {
          await services.provisioningLog.sweep();
          await recentRequests.sweep();
          await outbox.sweep();
          return false;
        },
      },
    ],
    (job, error) => logger.error({ err: error, job }, 'background job failed'),
    (job) => jobLeases.claim(job.name, job.intervalMs),
  );
  // No passport.initialize(): every authenticate() here runs with a callback and no session, which needs none of what it installs.
  passport.use(SCIM_STRATEGY, createScimBearerStrategy(services.tenants, services.scimOAuth, (request) => scimBaseUrl(config.publicUrl, request)));
  const scimHandler = new ScimBulkHandler({
    users: services.users,
    groups: services.groups,
    registryFor: (principal) => registries.registryFor(principal),
    maxResults: config.scimMaxResults,
    maxPayloadSize: config.maxBodyBytes,
  }, config.maxBodyBytes);

  // One throttle for SCIM and GraphQL: a client guessing credentials, or a tenant's stale ones tried, is slowed on both.
  const authThrottle = new FailedAuthThrottle({ maxFailures: config.authFailuresPerMinute, maxFailuresPerTenant: config.authFailuresPerTenantPerMinute, windowMs: 60_000 });
  const trustProxy = compileTrustProxy(config.trustProxy);
  const graphql = await createGraphqlEndpoint({
    services,
    logger,
    throttle: authThrottle,
    trustProxy,
    oidc: new OidcTokenVerifier(services.access, { outbound, allowHttpJwks: config.graphql.allowHttpJwks }),
    maxBodyBytes: config.maxBodyBytes,
    introspection: config.graphql.introspection,
    fieldSuggestions: config.graphql.fieldSuggestions,
    exposeStacktrace: config.graphql.exposeStacktrace,
    limits: config.graphql,
    consolePrincipal: consolePrincipalResolver(consoleAccess),
  });
  const operatorGraphql = await createOperatorEndpoint({
    services,
    logger,
    throttle: authThrottle,
    publicUrl: config.publicUrl,
    maxBodyBytes: config.maxBodyBytes,
    introspection: config.graphql.introspection,
    exposeStacktrace: config.graphql.exposeStacktrace,
    limits: config.graphql,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(requestContext(app, logger));
  const metrics =
    config.metrics.port !== undefined || config.metrics.token !== undefined
      ? new HubMetrics({ status: new PlatformStatusService(database), tenantLabels: config.metrics.tenantLabels, logger })
      : undefined;
  if (metrics) app.use(metrics.middleware);
  // On the public port only behind METRICS_TOKEN; with METRICS_PORT they are served there instead.
  if (metrics && config.metrics.port === undefined) app.get('/metrics', metrics.handler(config.metrics.token));
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (request, response) => {
    try {
      await database.ping();
      response.json({ status: 'ready' });
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      response.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(`${SCIM_BASE_PATH}/oauth/token`, createOAuthTokenEndpoint({ oauth: services.scimOAuth, throttle: authThrottle, publicUrl: config.publicUrl }));
  app.use(
    SCIM_BASE_PATH,
    createScimRouter({
      handler: scimHandler,
      throttle: authThrottle,
      maxBodyBytes: config.maxBodyBytes,
      publicUrl: config.publicUrl,
      provisioningLog: services.provisioningLog,
      recentRequests,
      overload: config.scimOverload,
    }),
  );
  // Before the API's authentication: a browser opening /graphql gets the explorer, which then sends the key it is given.
  if (config.graphiql) app.use('/graphql', createGraphiqlRouter());
  app.use('/graphql', graphql.router);
  app.use('/operator/graphql', operatorGraphql.router);
  const consoleSignInRoutes = createConsoleOidcRoutes({
    tenants,
    signIn: consoleSignIn,
    access: consoleAccess,
    directory,
    outbound,
    allowHttp: config.graphql.allowHttpJwks,
    publicUrl: config.publicUrl,
  });
  app.use('/console', createConsoleRouter({ access: consoleAccess, bundleDir: CONSOLE_BUNDLE_DIR, signInRoutes: consoleSignInRoutes }));
  // A newcomer who opens the server's address finds the console.
  app.get(['/', '/admin'], (_request, response) => response.redirect(302, '/console/'));
  app.use((request: Request, response: Response) => {
    response.status(404).json({ error: `nothing at ${request.method} ${request.path}` });
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    request.log.error({ err: error }, 'unhandled error');
    response.status(500).json({ error: 'internal error', requestId: request.requestId });
  });

  const subscriptionServers: GraphqlSubscriptionServer[] = [];
  // Last, so nothing runs in the background of an app that failed to build.
  if (runBackgroundJobs) backgroundJobs.start();
  return {
    app,
    orm,
    database,
    services,
    logger,
    metrics,
    attachSubscriptions(server, tuning) {
      const subscriptions = graphql.attachSubscriptions(server, tuning);
      subscriptionServers.push(subscriptions);
      // Revocations close open sockets at once: made elsewhere (notified), or here (written).
      credentialChanges.subscribe((tenantId) => subscriptions.credentialsChanged(tenantId));
      database.watchWrites(['tenants', 'api_keys', 'oidc_providers'], () => subscriptions.credentialsChanged(undefined));
      return subscriptions;
    },
    async close() {
      for (const subscriptions of subscriptionServers) await subscriptions.close();
      await services.events.close();
      await backgroundJobs.stop();
      await deliveryWorker.drain();
      await outbound.close();
      await mappingJobs.stop();
      await offload.close();
      await services.provisioningLog.flush();
      await recentRequests.flush();
      await graphql.stop();
      await operatorGraphql.stop();
      await credentialChanges.close();
      await database.close();
      await orm.close(true);
    },
  };
}
