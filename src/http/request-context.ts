import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    log: Logger;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/** Gives every request an id (echoed as X-Request-Id) and a logger that stamps it on every line. */
export function requestContext(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction) => {
    const incoming = request.get('x-request-id');
    request.requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    request.log = logger.child({ requestId: request.requestId });
    response.setHeader('X-Request-Id', request.requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // The path without its query: filters can carry personal data, and the Authorization header is never logged.
      request.log.info({ method: request.method, path: request.path, status: response.statusCode, durationMs: Math.round(durationMs * 10) / 10 }, 'request');
    });
    next();
  };
}
