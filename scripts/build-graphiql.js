#!/usr/bin/env node
// Bundles the GraphQL explorer (graphiql/main.js: GraphiQL, React, its CSS and fonts) into dist/graphiql,
// which the server serves at /graphql to browsers. `--if-missing` (npm start's prestart) builds only when
// there is no bundle yet. Prints nothing unless it fails.
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'dist', 'graphiql');

async function main() {
  if (process.argv.includes('--if-missing') && existsSync(path.join(outdir, 'main.js')) && existsSync(path.join(outdir, 'main.css'))) return;
  const esbuild = require('esbuild');
  await esbuild.build({
    entryPoints: [path.join(root, 'graphiql', 'main.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    outdir,
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
}

main().catch((error) => {
  console.error(`building GraphiQL failed: ${error.message}`);
  process.exit(1);
});
