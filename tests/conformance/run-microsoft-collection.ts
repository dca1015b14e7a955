// Runs Microsoft's SCIM Postman collection (AzureAD/SCIMReferenceCode, scim-clients.md §1.1, checklist S1)
// with newman against the real app on a fresh, empty database: SQLite by default, a scratch PostgreSQL
// database with `--postgres` or CONFORMANCE_DATABASE=postgresql. The collection is read from ../shared by
// path at run time, never copied into the project.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig, type DatabaseConfig } from '../../src/config';
import { createScratchPostgresDatabase } from '../support/scratch-database';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const COLLECTION_PATH = path.resolve(PROJECT_ROOT, '..', 'shared', 'scim-suites', 'azuread-scimreferencecode', 'PostmanCollection.json');
const SUMMARY_PATH = path.join(PROJECT_ROOT, '.test-output', 'conformance.json');
/** The folder that asks the reference server for a token; we pass the tenant's SCIM token instead. */
const TOKEN_FOLDER = 'Get Token';

/** The parts of a Postman v2.1 collection this script reads. */
interface PostmanItem {
  id?: string;
  name: string;
  item?: PostmanItem[];
  request?: { body?: { raw?: string } };
}
interface PostmanCollection {
  item: PostmanItem[];
}

/** The parts of newman's run summary this script reads (newman ships no type declarations). */
interface NewmanExecution {
  item: { id: string; name: string };
  response?: { code: number; stream?: Buffer };
  assertions?: { assertion: string; skipped?: boolean; error?: { message: string } }[];
  requestError?: { message: string };
  prerequestScript?: { error: { message: string } }[];
  testScript?: { error: { message: string } }[];
}
interface NewmanSummary {
  run: { executions: NewmanExecution[] };
  error?: { message: string };
}
interface Newman {
  run(
    options: { collection: PostmanCollection; envVar: { key: string; value: string }[]; reporters: string[]; timeoutRequest: number },
    callback: (error: Error | null, summary: NewmanSummary) => void,
  ): void;
}

interface Tally {
  passed: number;
  failed: number;
  expectedDifferences: number;
  total: number;
}

function wantsPostgres(): boolean {
  return process.argv.includes('--postgres') || process.env.CONFORMANCE_DATABASE === 'postgresql';
}

async function createDatabase(): Promise<{ config: DatabaseConfig; drop(): Promise<void> }> {
  if (wantsPostgres()) {
    const scratch = await createScratchPostgresDatabase();
    return { config: { kind: 'postgresql', url: scratch.url }, drop: () => scratch.drop() };
  }
  const file = path.join(os.tmpdir(), `identity-hub-conformance-${randomUUID()}.sqlite`);
  return {
    config: { kind: 'sqlite', path: file },
    async drop() {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}

/**
 * The collection's group PATCHes that add a member given as the bare string "string id N". By design
 * (scim-clients.md "Decisions already taken") an id naming no user or group is 400 invalidValue, where the
 * collection wants 204: these are the known, intended differences.
 */
function addsUnknownStringMember(item: PostmanItem): boolean {
  try {
    const body = JSON.parse(item.request?.body?.raw ?? '') as { Operations?: { op?: string; path?: string; value?: unknown }[] };
    return (body.Operations ?? []).some(
      (operation) => operation.op?.toLowerCase() === 'add' && operation.path === 'members' && typeof operation.value === 'string' && /^string id \d+$/.test(operation.value),
    );
  } catch {
    return false;
  }
}

/** A failure of an intended-difference request counts as expected only when the server refused it as designed. */
function refusedAsDesigned(execution: NewmanExecution): boolean {
  if (execution.response?.code !== 400 || !execution.response.stream) return false;
  try {
    return (JSON.parse(execution.response.stream.toString('utf8')) as { scimType?: string }).scimType === 'invalidValue';
  } catch {
    return false;
  }
}

function runNewman(collection: PostmanCollection, port: number, token: string): Promise<NewmanSummary> {
  // newman has no type declarations; the interface above names what is used.
  const newman = require('newman') as Newman;
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection,
        envVar: [
          { key: 'Protocol', value: 'http' },
          { key: 'Server', value: '127.0.0.1' },
          { key: 'Port', value: `:${port}` },
          { key: 'Api', value: 'scim/v2' },
          { key: 'token', value: token },
        ],
        // No reporter: the summary object is read below, which keeps the output to what failed.
        reporters: [],
        timeoutRequest: 30_000,
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

interface RequestInfo {
  /** "Folder / request", or the request name for a top-level request. */
  readonly label: string;
  readonly intendedDifference: boolean;
}

/**
 * Every top-level item but the token folder, in the collection's order (the folders, then the two loose
 * list requests), with an id on each request: the collection has none, and newman's executions name
 * only the runtime item, so the id is what leads back to the folder.
 */
function prepare(source: PostmanCollection): { collection: PostmanCollection; requests: Map<string, RequestInfo> } {
  const requests = new Map<string, RequestInfo>();
  const withIds = (items: PostmanItem[], folder: string | undefined): PostmanItem[] =>
    items.map((item) => {
      if (item.item) return { ...item, item: withIds(item.item, item.name) };
      const id = `request-${requests.size + 1}`;
      requests.set(id, { label: folder ? `${folder} / ${item.name}` : item.name, intendedDifference: addsUnknownStringMember(item) });
      return { ...item, id };
    });
  const item = withIds(
    source.item.filter((candidate) => candidate.name !== TOKEN_FOLDER),
    undefined,
  );
  return { collection: { ...source, item }, requests };
}

function tally(requests: Map<string, RequestInfo>, summary: NewmanSummary): Tally {
  const result: Tally = { passed: 0, failed: 0, expectedDifferences: 0, total: 0 };
  const failures: string[] = [];
  const expected: string[] = [];
  for (const execution of summary.run.executions) {
    const info = requests.get(execution.item.id);
    const name = info?.label ?? execution.item.name;
    // A request or script error hides the assertions after it; each counts as one failed assertion.
    const errors = [
      ...(execution.requestError ? [`request error: ${execution.requestError.message}`] : []),
      ...(execution.prerequestScript ?? []).map((script) => `pre-request script error: ${script.error.message}`),
      ...(execution.testScript ?? []).map((script) => `test script error: ${script.error.message}`),
    ];
    for (const error of errors) {
      result.total += 1;
      result.failed += 1;
      failures.push(`  ${name}: ${error}`);
    }
    for (const assertion of execution.assertions ?? []) {
      if (assertion.skipped) continue;
      result.total += 1;
      if (!assertion.error) result.passed += 1;
      else if (info?.intendedDifference && refusedAsDesigned(execution)) {
        result.expectedDifferences += 1;
        expected.push(`  ${name}: "${assertion.assertion}" - answered 400 invalidValue for an unknown member id (by design)`);
      } else {
        result.failed += 1;
        failures.push(`  ${name}: "${assertion.assertion}" - ${assertion.error.message}`);
      }
    }
  }
  if (failures.length > 0) console.log(`Failed assertions:\n${failures.join('\n')}`);
  if (expected.length > 0) console.log(`Expected differences:\n${expected.join('\n')}`);
  return result;
}

async function main(): Promise<number> {
  rmSync(SUMMARY_PATH, { force: true });
  if (!existsSync(COLLECTION_PATH)) {
    console.log(`Microsoft collection not found at ${COLLECTION_PATH}; skipped`);
    return 0;
  }
  const { collection, requests } = prepare(JSON.parse(readFileSync(COLLECTION_PATH, 'utf8')) as PostmanCollection);

  const database = await createDatabase();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' }), database: database.config };
  const hub = await createApp(config, { logger: pino({ level: 'silent' }) });
  let server: Server | undefined;
  try {
    server = hub.app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve).once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    const { tenant, scimToken } = await hub.services.tenants.createTenant({ slug: 'microsoft-collection' });
    // The collection requires 204 on User PATCH; the tenant setting provides it (scim-clients.md, decisions).
    await hub.services.tenants.updateSettings(tenant.slug, { userPatchStatus: 204 });

    const summary = await runNewman(collection, port, scimToken);
    if (summary.error) throw new Error(`newman aborted the run: ${summary.error.message}`);
    const result = tally(requests, summary);
    console.log(
      `Microsoft SCIM collection: ${result.passed} passed, ${result.failed} failed, ` +
        `${result.expectedDifferences} expected differences (of ${result.total} assertions)`,
    );
    mkdirSync(path.dirname(SUMMARY_PATH), { recursive: true });
    writeFileSync(SUMMARY_PATH, `${JSON.stringify(result, null, 2)}\n`);
    return result.failed === 0 ? 0 : 1;
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await hub.close();
    await database.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('Microsoft SCIM collection run failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
