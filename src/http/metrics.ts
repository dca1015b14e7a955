import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScimPrincipal } from '../services/tenant.service';
import type { PlatformStatusService } from '../services/platform-status.service';
import { safeEqual } from '../domain/tenants/secret-token';

export interface MetricsOptions {
  readonly status: PlatformStatusService;
  readonly logger: Logger;
  /** Tenants that get their own label on identityhub_scim_requests_total (the busiest ones); 0: no tenant label. */
  readonly tenantLabels: number;
}

/** The route family of a path: the label that keeps request metrics' cardinality fixed. */
export function routeFamily(path: string): string {
  if (path.startsWith('/scim/v2/oauth/token')) return 'scim_oauth';
  if (path.startsWith('/scim/v2')) return 'scim';
  if (path.startsWith('/operator/graphql')) return 'operator_graphql';
  if (path.startsWith('/graphql')) return 'graphql';
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path.startsWith('/console')) return 'console';
  return 'other';
}

// Tenant slugs never start with an underscore, so this cannot be one of them.
const OTHER_TENANTS = '_other';
/** Tenants whose SCIM request counts are remembered for ranking; past it the rest count as "other". */
const MAX_RANKED_TENANTS = 100_000;

/**
 * Prometheus metrics (prom-client), all prefixed identityhub_: requests and latency by route family and
 * status, SCIM requests (by tenant only for the METRICS_TENANT_LABELS busiest, the rest as "other", so
 * cardinality stays bounded), the webhook backlog and its lag, mapping jobs, the database pool and the
 * Node.js runtime (event-loop lag among it).
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;
  private readonly logger: Logger;
  /** Tenant slug -> status -> SCIM requests since start; rendered at scrape time with the busiest labelled. */
  private readonly scimByTenant = new Map<string, Map<string, number>>();

  constructor(options: MetricsOptions) {
    this.logger = options.logger;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'identityhub_' });
    this.requests = new Counter({ name: 'identityhub_http_requests_total', help: 'HTTP requests by route family, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.duration = new Histogram({
      name: 'identityhub_http_request_duration_seconds',
      help: 'HTTP request latency by route family and method',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const scimByTenant = this.scimByTenant;
    const tenantLabels = options.tenantLabels;
    new Counter({
      name: 'identityhub_scim_requests_total',
      help: `SCIM requests by tenant (the ${tenantLabels} busiest since start; the rest as "${OTHER_TENANTS}") and status`,
      labelNames: ['tenant', 'status'],
      registers,
      collect() {
        this.reset();
        const ranked = [...scimByTenant.entries()].map(([tenant, statuses]) => ({ tenant, statuses, total: [...statuses.values()].reduce((sum, count) => sum + count, 0) }));
        ranked.sort((left, right) => right.total - left.total || left.tenant.localeCompare(right.tenant));
        ranked.forEach((entry, rank) => {
          const tenant = rank < tenantLabels ? entry.tenant : OTHER_TENANTS;
          for (const [status, count] of entry.statuses) this.inc({ tenant, status }, count);
        });
      },
    });
    const status = options.status;
    new Gauge({
      name: 'identityhub_webhook_deliveries_pending',
      help: 'Webhook deliveries waiting to be delivered (all tenants)',
      registers,
      async collect() {
        this.set((await status.deliveryBacklog()).pending);
      },
    });
    new Gauge({
      name: 'identityhub_webhook_delivery_lag_seconds',
      help: 'Age of the oldest pending webhook delivery; 0 when none is pending',
      registers,
      async collect() {
        const { oldestPendingAt } = await status.deliveryBacklog();
        this.set(oldestPendingAt === null ? 0 : Math.max(0, (Date.now() - oldestPendingAt) / 1000));
      },
    });
    new Gauge({
      name: 'identityhub_mapping_jobs',
      help: 'Mapping jobs (impact diffs, re-applies) by state',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const [state, count] of Object.entries((await status.mappingJobs()).byState)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'identityhub_mapping_job_users',
      help: 'Users processed and in all by the queued and running mapping jobs',
      labelNames: ['progress'],
      registers,
      async collect() {
        const jobs = await status.mappingJobs();
        this.set({ progress: 'processed' }, jobs.activeProcessed);
        this.set({ progress: 'total' }, jobs.activeTotal);
      },
    });
    new Gauge({
      name: 'identityhub_db_pool_connections',
      help: 'Database pool connections: used, free, and acquisitions pending',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = status.poolConnections();
        this.set({ state: 'used' }, pool.used);
        this.set({ state: 'free' }, pool.free);
        this.set({ state: 'pending' }, pool.pending);
      },
    });
  }

  /** Counts every request when its response is done. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const stop = this.duration.startTimer();
    const route = routeFamily(request.path);
    response.once('finish', () => {
      const method = request.method;
      const status = String(response.statusCode);
      this.requests.inc({ route, method, status });
      stop({ route, method });
      const principal = request.user as ScimPrincipal | undefined;
      if (route === 'scim') this.countScim(principal?.connection ? principal.tenant.slug : undefined, status);
    });
    next();
  };

  private countScim(tenant: string | undefined, status: string): void {
    // Unauthenticated requests belong to no tenant; beyond the ranking's memory, new tenants count as other.
    const key = tenant !== undefined && (this.scimByTenant.has(tenant) || this.scimByTenant.size < MAX_RANKED_TENANTS) ? tenant : OTHER_TENANTS;
    const statuses = this.scimByTenant.get(key) ?? new Map<string, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.scimByTenant.set(key, statuses);
  }

  /** GET /metrics in the Prometheus text format; with `token`, only for `Authorization: Bearer <token>`. */
  handler(token?: string) {
    return async (request: Request, response: Response): Promise<void> => {
      response.setHeader('Cache-Control', 'no-store');
      if (token !== undefined) {
        const presented = /^Bearer\s+(\S+)$/i.exec(request.get('authorization') ?? '')?.[1];
        if (presented === undefined || !safeEqual(presented, token)) {
          response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
          response.status(401).type('text/plain').send('metrics need "Authorization: Bearer <METRICS_TOKEN>"\n');
          return;
        }
      }
      try {
        response.type(this.registry.contentType).send(await this.registry.metrics());
      } catch (error) {
        this.logger.error({ err: error }, 'collecting metrics failed');
        response.status(503).type('text/plain').send('metrics unavailable; see the server log\n');
      }
    };
  }

  /** The metrics port's whole app (METRICS_PORT): GET /metrics, nothing else. */
  standaloneApp(token?: string): Express {
    const app = express();
    app.disable('x-powered-by');
    app.get('/metrics', this.handler(token));
    app.use((_request: Request, response: Response) => {
      response.status(404).type('text/plain').send('only GET /metrics is served here\n');
    });
    return app;
  }
}
