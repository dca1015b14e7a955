import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** Where scripts/build-graphiql.js writes the bundle: dist/graphiql under the project (found from here, compiled or not). */
function bundleDirectory(): string {
  let directory = __dirname;
  while (!existsSync(path.join(directory, 'package.json')) && path.dirname(directory) !== directory) directory = path.dirname(directory);
  return path.join(directory, 'dist', 'graphiql');
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>identity-hub GraphQL explorer</title>
<link rel="stylesheet" href="/graphql/graphiql/main.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL...</div>
<script src="/graphql/graphiql/main.js"></script>
</body>
</html>
`;

const NOT_BUILT = 'GraphiQL is not built: run `npm run build:graphiql` (npm start and npm run build do it).\n';

/**
 * GraphiQL for browsers at /graphql: a GET that prefers HTML (and asks no query) gets the explorer page;
 * everything else (API clients, POSTs, WebSocket upgrades) passes on to the API. Its script and styles are
 * served from the bundle, same origin, so the page's CSP allows nothing else.
 */
export function createGraphiqlRouter(directory = bundleDirectory()): Router {
  const router = express.Router();
  router.get('/', (request: Request, response: Response, next: NextFunction) => {
    if (request.query.query !== undefined || request.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    if (!existsSync(path.join(directory, 'main.js'))) {
      response.status(503).type('text/plain').send(NOT_BUILT);
      return;
    }
    response.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'");
    response.setHeader('Cache-Control', 'no-store');
    response.type('html').send(PAGE);
  });
  router.use('/graphiql', express.static(directory, { index: false, maxAge: '1h' }), (_request: Request, response: Response) => {
    response.status(404).type('text/plain').send('no such GraphiQL asset\n');
  });
  return router;
}
