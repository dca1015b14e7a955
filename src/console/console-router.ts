import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isDomainError } from '../domain/errors';
import type { ConsoleAccessService } from '../services/console-access.service';
import { clearConsoleCookie, csrfProblem, readConsoleCookie, setConsoleCookie } from './console-session-cookie';

export interface ConsoleRouterOptions {
  readonly access: ConsoleAccessService;
  /** The built pages (console/dist): index.html and assets/. */
  readonly bundleDir: string;
  /** Extra sign-in routes (the tenant IdP's OIDC flow), mounted under /console/auth. */
  readonly signInRoutes?: Router;
}

const SMALL_JSON = '4kb';

function sendError(response: Response, status: number, message: string): void {
  response.status(status).json({ error: message });
}

function sameOrigin(request: Request): boolean {
  const origin = request.get('origin');
  return origin === undefined || origin === `${request.protocol}://${request.get('host')}`;
}

/**
 * /console: the admin console's pages (a single-page app served from the built bundle) and its sign-in
 * endpoints. Everything else the pages do goes through /graphql with the session cookie.
 */
export function createConsoleRouter(options: ConsoleRouterOptions): Router {
  const { access } = options;
  const router = express.Router();
  router.use('/auth', (_request, response, next) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.post('/auth/setup-link', express.json({ limit: SMALL_JSON }), async (request, response, next) => {
    if (!sameOrigin(request)) return sendError(response, 403, 'the request comes from another origin');
    const token = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') return sendError(response, 400, 'send the setup link token as {"token": "..."}');
    try {
      const { session, cookieToken } = await access.redeemSetupLink(token, request.requestId);
      setConsoleCookie(request, response, cookieToken, session.expiresAt);
      response.json({ signedIn: true });
    } catch (error) {
      if (isDomainError(error) && error.code === 'UNAUTHENTICATED') return sendError(response, 401, error.message);
      next(error);
    }
  });

  router.get('/auth/session', async (request, response, next) => {
    try {
      const cookie = readConsoleCookie(request);
      const found = cookie === undefined ? undefined : await access.authenticate(cookie);
      if (!found) return sendError(response, 401, 'not signed in');
      const { session, tenant } = found;
      response.json({
        tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
        subject: session.subject,
        method: session.method,
        csrfToken: session.csrfToken,
        expiresAt: new Date(session.expiresAt).toISOString(),
      });
    } catch (error) {
      next(error);
    }
  });

  router.post('/auth/sign-out', async (request, response, next) => {
    try {
      const cookie = readConsoleCookie(request);
      const found = cookie === undefined ? undefined : await access.authenticate(cookie);
      if (found) {
        const problem = csrfProblem(request, found.session.csrfToken);
        if (problem) return sendError(response, 403, problem);
        await access.signOut(found.session, request.requestId);
      }
      clearConsoleCookie(request, response);
      response.json({ signedOut: true });
    } catch (error) {
      next(error);
    }
  });

  if (options.signInRoutes) router.use('/auth', options.signInRoutes);
  router.use('/auth', (request: Request, response: Response) => sendError(response, 404, `nothing at ${request.method} /console/auth${request.path}`));

  const indexFile = path.join(options.bundleDir, 'index.html');
  router.use('/assets', express.static(path.join(options.bundleDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  // Every other path is a page of the single-page app: the same index.html, never cached (it names the hashed assets).
  router.get(/.*/, (_request: Request, response: Response, next: NextFunction) => {
    if (!existsSync(indexFile)) return sendError(response, 503, 'the console is not built: run npm run console:build (npm start builds it when missing)');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    response.setHeader('X-Frame-Options', 'DENY');
    response.sendFile(indexFile, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
