import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    log: Logger;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Gives every request of `app` an id (echoed as X-Request-Id) and a logger that stamps it on every line.
 * The request's child logger is made the first time something logs through it: most requests only
 * write their one access line, which names the id itself.
 */
export function requestContext(app: Express, logger: Logger) {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request): Logger {
      const log = logger.child({ requestId: this.requestId });
      Object.defineProperty(this, 'log', { value: log, writable: true, configurable: true });
      return log;
    },
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const incoming = request.get('x-request-id');
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    request.requestId = requestId;
    response.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // The path without its query: filters can carry personal data, and the Authorization header is never logged.
      logger.info({ requestId, method: request.method, path: request.path, status: response.statusCode, durationMs: Math.round(durationMs * 10) / 10 }, 'request');
    });
    next();
  };
}
