import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { createApp, type IdentityHub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestDatabase, testDatabaseKind, TEST_OUTBOUND_ALLOW_HOSTS, type TestDatabase } from '../support/test-app';
import { databaseUrl } from '../support/processes';
import { DATA_LANGUAGES, docPages, DOCS_ROOT, readDocFences, RUNNABLE_LANGUAGES, type DocFence } from '../support/doc-fences';

const SNIPPET_DIR = path.join(DOCS_ROOT, '.test-output', 'doc-snippets');
/** Fences marked `norun` at most: a snippet nobody runs is a snippet that rots. */
const MAX_NOT_RUN = 8;
const METRICS_TOKEN = 'docs-metrics-token-0123456789';

function run(command: string, args: string[], env: Record<string, string>, input?: string): Promise<{ status: number | null; output: string }> {
  const child = spawn(command, args, { cwd: DOCS_ROOT, env: { ...process.env, ...env }, timeout: 90_000 });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  if (input !== undefined) child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

const fences = docPages().flatMap(readDocFences);
const where = (fence: DocFence) => `${fence.file}:${fence.line}`;

/**
 * Every code snippet of README.md and docs/ runs here against a live hub, in page order: sh with bash
 * (-e, -o pipefail), ts with Node 20 through swc, graphql as a request to /graphql (or /operator/graphql
 * when marked `operator`). JSON and YAML blocks must parse. The variables the pages tell readers to set
 * (HUB_URL, SCIM_TOKEN, API_KEY, OPERATOR_KEY, TENANT, METRICS_TOKEN) point at the live hub.
 */
describe(`docs snippets on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let hub: IdentityHub;
  let server: Server;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = { ...loadConfig({ LOG_LEVEL: 'silent', WEBHOOK_ALLOW_HTTP: 'true', OUTBOUND_ALLOW_HOSTS: TEST_OUTBOUND_ALLOW_HOSTS, METRICS_TOKEN }), database: database.config };
    hub = await createApp(config, { logger: pino({ level: 'silent' }) });
    server = hub.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    hub.attachSubscriptions(server, { credentialRecheckMs: 60_000 });
    const hubUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const tenant = await hub.services.tenants.createTenant({ slug: 'docs-tenant', name: 'Docs' });
    env = {
      HUB_URL: hubUrl,
      TENANT: tenant.tenant.slug,
      SCIM_TOKEN: tenant.scimToken,
      API_KEY: tenant.adminApiKey,
      OPERATOR_KEY: (await hub.services.operator.createKey('docs')).secret,
      DATABASE_URL: databaseUrl(database.config),
      PUBLIC_URL: hubUrl,
      METRICS_TOKEN,
      LOG_LEVEL: 'silent',
      WEBHOOK_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_HOSTS: TEST_OUTBOUND_ALLOW_HOSTS,
    };
    mkdirSync(SNIPPET_DIR, { recursive: true });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await hub.close();
    await database.drop();
  });

  it('every fence is runnable, data, or explicitly marked norun (and those are rare)', () => {
    const unknown = fences.filter((fence) => !fence.flags.includes('norun') && !RUNNABLE_LANGUAGES.has(fence.language) && !DATA_LANGUAGES.has(fence.language));
    expect(unknown.map((fence) => `${where(fence)} \`\`\`${fence.language}`)).toEqual([]);
    expect(fences.filter((fence) => fence.flags.includes('norun')).length).toBeLessThanOrEqual(MAX_NOT_RUN);
    expect(fences.filter((fence) => RUNNABLE_LANGUAGES.has(fence.language) && !fence.flags.includes('norun')).length).toBeGreaterThan(10);
  });

  const runnable = fences.filter((fence) => !fence.flags.includes('norun') && (RUNNABLE_LANGUAGES.has(fence.language) || fence.language === 'json' || fence.language === 'yaml'));
  it.each(runnable.map((fence) => [`${where(fence)} ${fence.language}`, fence] as const))('%s', async (_name, fence) => {
    if (fence.language === 'json') {
      // A block of NDJSON lines, or one document.
      const documents = fence.code.trim().startsWith('{"') && fence.code.trim().includes('\n{') ? fence.code.trim().split('\n') : [fence.code];
      for (const document of documents) expect(() => JSON.parse(document)).not.toThrow();
      return;
    }
    if (fence.language === 'yaml') {
      expect(() => parseYaml(fence.code)).not.toThrow();
      return;
    }
    if (fence.language === 'graphql') {
      const operator = fence.flags.includes('operator');
      const response = await fetch(`${env.HUB_URL}${operator ? '/operator/graphql' : '/graphql'}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${operator ? env.OPERATOR_KEY : env.API_KEY}` },
        body: JSON.stringify({ query: fence.code }),
      });
      const body = (await response.json()) as { errors?: unknown };
      expect({ at: where(fence), errors: body.errors }).toEqual({ at: where(fence), errors: undefined });
      return;
    }
    if (fence.language === 'sh') {
      const result = await run('bash', ['-e', '-o', 'pipefail', '-c', fence.code], env);
      expect({ at: where(fence), status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ at: where(fence), status: 0, output: '' });
      return;
    }
    const file = path.join(SNIPPET_DIR, `${fence.file.replace(/[^a-z0-9]+/gi, '-')}-${fence.line}.ts`);
    writeFileSync(file, fence.code);
    const result = await run(process.execPath, ['-r', '@swc-node/register', file], env);
    expect({ at: where(fence), status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ at: where(fence), status: 0, output: '' });
  });
});
