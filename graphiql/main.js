// The GraphQL explorer served at /graphql to browsers (development, or GRAPHIQL=true): GraphiQL from npm,
// bundled by scripts/build-graphiql.js into dist/graphiql; nothing is loaded from a CDN.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

/** Queries and mutations over HTTP with the headers typed in the Headers tab (the API key goes there). */
async function fetcher(params, options) {
  const response = await fetch(window.location.pathname, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

const defaultQuery = `# Put your API key in the Headers tab below: { "Authorization": "Bearer ihapi_..." }
{
  viewer { tenant { slug } scopes }
  users(first: 10) { totalCount nodes { userName email department appRoles } }
}
`;

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    defaultHeaders: '{\n  "Authorization": "Bearer ihapi_..."\n}',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }),
);
