import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import passport from 'passport';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { Database } from './persistence/database';
import { migrate, openOrm, type Orm } from './persistence/orm';
import { TenantService } from './services/tenant.service';
import { UserService } from './services/user.service';
import { GroupService } from './services/group.service';
import { ScimHandler } from './scim/handler';
import { createScimRouter } from './scim/router';
import { createDefaultSchemaRegistry } from './scim/protocol/schema-definitions';
import { createScimBearerStrategy, SCIM_STRATEGY } from './auth/scim-bearer.strategy';
import { requestContext } from './http/request-context';
import { FailedAuthThrottle } from './auth/failed-auth-throttle';

export interface Services {
  readonly tenants: TenantService;
  readonly users: UserService;
  readonly groups: GroupService;
}

export interface IdentityHub {
  readonly app: Express;
  readonly orm: Orm;
  readonly database: Database;
  readonly services: Services;
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Apply pending migrations before serving (server and tests do; the CLI decides per command). */
  readonly migrate?: boolean;
  readonly logger?: Logger;
}

/** The one composition root: server, CLI and tests all build the hub here. */
export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<IdentityHub> {
  const logger = options.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', '*.token', '*.scimToken', '*.adminApiKey'] });
  const orm = await openOrm(config.database, {
    sqliteSynchronous: config.sqliteSynchronous,
    log: (message) => logger.info({ component: 'orm' }, message.replace(/\u001b\[[0-9;]*m/g, '')),
  });
  if (options.migrate ?? true) await migrate(orm);
  const database = new Database(orm);
  const services: Services = {
    tenants: new TenantService(database),
    users: new UserService(database),
    groups: new GroupService(database),
  };

  passport.use(SCIM_STRATEGY, createScimBearerStrategy(services.tenants));
  const scimHandler = new ScimHandler({
    users: services.users,
    groups: services.groups,
    registry: createDefaultSchemaRegistry(),
    maxResults: config.scimMaxResults,
    maxPayloadSize: config.maxBodyBytes,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestContext(logger));
  app.use(passport.initialize());
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
  app.use(
    '/scim/v2',
    createScimRouter({
      handler: scimHandler,
      throttle: new FailedAuthThrottle({ maxFailures: config.authFailuresPerMinute, windowMs: 60_000 }),
      maxBodyBytes: config.maxBodyBytes,
      publicUrl: config.publicUrl,
    }),
  );
  app.use((request: Request, response: Response) => {
    response.status(404).json({ error: `nothing at ${request.method} ${request.path}` });
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    request.log.error({ err: error }, 'unhandled error');
    response.status(500).json({ error: 'internal error', requestId: request.requestId });
  });

  return {
    app,
    orm,
    database,
    services,
    logger,
    async close() {
      await orm.close(true);
    },
  };
}
