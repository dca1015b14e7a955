import 'reflect-metadata';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultDomainSchema, createDefaultOptionLists, customSchemaUrnFor } from './domain/mapping/presets';
import { formatMappingFileIssues, parseMappingFile, renderMappingFile, validateMappingFile } from './services/mapping-file';
import type { AuditContext } from './domain/audit';
import type { UserRequestSequence } from './domain/mapping/dialect-samples';
import type { Tenant } from './domain/tenants/tenant';
import { createDefaultSchemaRegistry } from './scim/protocol/schema-definitions';
import { buildTenantExtension } from './scim/protocol/tenant-extension';
import { linesOf, readImportRecords } from './scim/import-file';
import type { ImportSummary } from './services/bulk-import.service';
import { ConfigError, loadConfig, serverBaseUrl } from './config';
import { createApp, type CreateAppOptions, type IdentityHub } from './app';
import { isDomainError } from './domain/errors';
import { migrate } from './persistence/orm';
import { isOperatorCommand, OPERATOR_USAGE, OperatorUsageError, runOperatorCommand } from './operator-cli';
import { SCIM_BASE_PATH } from './scim/scim-base-url';

const USAGE = `usage: npm run cli -- <command>

  migrate                                   apply pending database migrations
  tenant create <slug> [--name "..."] [--dialect entra|okta|onelogin|generic] [--json]
                                            create a tenant and its IdP connection in that dialect (default
                                            generic); prints its SCIM URL, SCIM token and admin API key once
  tenant settings <slug> [--user-patch-status 200|204] [--json]
                                            change tenant settings
  mapping validate <file.yaml> [--tenant <slug>]
                                            check a mapping file against the tenant's active domain schema
                                            (without --tenant: offline, the default one); prints each error
                                            as file:line:column
  mapping export <slug> [--version N]      print a mapping version (default: the active one) as YAML
  mapping import <slug> <file.yaml> [--comment "..."]
                                            store the file as a new draft version of the tenant's mapping
  mapping preview <slug> <file.yaml> --payload <file.json>
                                            dry run: print (JSON) what the file's mapping makes of each payload;
                                            a payload is a SCIM POST body or {"post": {...}, "patches": [PatchOp bodies]},
                                            or a list of those; nothing is stored
  mapping activate <slug> <version>         activate a version (a draft is validated first)
  mapping reapply <slug>                    recompute every user's values with the active version, in this process
  import --tenant <id|slug> [--connection <id>] [--chunk-size N] [--max-errors N] [--json] <file.ndjson>
                                            create or update users and groups from NDJSON (one SCIM resource a
                                            line, see README), mapped like SCIM writes, in chunked transactions;
                                            prints each rejected line as file:line: reason
  setup-link <slug> [--expires-in-hours N] [--json]
                                            mint a one-time link that opens the admin console for the tenant
                                            (default expiry CONSOLE_SETUP_LINK_HOURS); --json prints {"url": ...}
  token rotate <slug> [--expires-in-days N] [--json]
                                            issue a new SCIM token; the previous one stops working at once${OPERATOR_USAGE}

Environment: DATABASE_URL (default SQLite at ./data/identity-hub.sqlite), PUBLIC_URL, or HOST and PORT (for printed URLs).`;

class UsageError extends Error {}

class ValidationFailed extends Error {}

const CLI: AuditContext = { actor: { type: 'system', id: 'cli' } };

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
}

/** Parses a mapping file, printing its errors as file:line:column. */
function readMappingFile(file: string) {
  const parsed = parseMappingFile(readText(file));
  if (!parsed.definition || parsed.errors.length > 0) {
    for (const line of formatMappingFileIssues(file, parsed.errors)) console.log(line);
    throw new ValidationFailed(`${parsed.errors.length} error(s)`);
  }
  return parsed.definition;
}

/** The SCIM schemas of a tenant's requests: the RFC ones plus its extension. */
async function tenantRegistry(hub: IdentityHub, tenant: Tenant) {
  return createDefaultSchemaRegistry([buildTenantExtension(await hub.services.mapping.activeSchema(tenant.id))]);
}

/**
 * `import`: streams the file line by line (memory follows the chunk size, not the file size). Exit 2
 * when any line was rejected; the chunks without a bad line are committed.
 */
async function importFile(hub: IdentityHub, file: string, options: { tenant: string; connection?: string; chunkSize?: number; maxErrors?: number; json: boolean }): Promise<void> {
  if (!existsSync(file)) throw new UsageError(`cannot read ${file}`);
  const target = await hub.services.bulkImport.resolveTarget(options.tenant, options.connection);
  const registry = await tenantRegistry(hub, target.tenant);
  const lines = linesOf(createReadStream(file, { encoding: 'utf8' }));
  const started = performance.now();
  const summary: ImportSummary = await hub.services.bulkImport.import(target, readImportRecords(lines, registry), {
    context: CLI,
    source: path.basename(file),
    chunkSize: options.chunkSize,
    maxErrors: options.maxErrors,
  });
  const seconds = (performance.now() - started) / 1000;
  const counts = (kind: 'users' | 'groups') => `${summary[kind].created} created, ${summary[kind].updated} updated, ${summary[kind].unchanged} unchanged`;
  print(options.json, { ...summary, seconds }, [
    ...summary.errors.map((error) => `${file}:${error.line}: ${error.reason}`),
    `${file}: ${summary.lines} lines in ${seconds.toFixed(1)} s; users ${counts('users')}; groups ${counts('groups')}; memberships ${summary.memberships.added} added, ${summary.memberships.removed} removed`,
    ...(summary.chunks.rejected.length > 0 ? [`not written (a chunk with a rejected line writes nothing): lines ${summary.chunks.rejected.map((chunk) => `${chunk.firstLine}-${chunk.lastLine}`).join(', ')}`] : []),
    ...(summary.stoppedEarly ? [`stopped after ${summary.errors.length} rejected lines (--max-errors)`] : []),
  ]);
  if (summary.errors.length > 0) throw new ValidationFailed(`${summary.errors.length} line(s) rejected`);
}

/**
 * The payload file as request sequences: a SCIM POST body, or {"post": {...}, "patches": [PatchOp bodies]},
 * or a list of those. The lifecycle replays them as the SCIM layer would store them.
 */
function previewSequences(file: string): UserRequestSequence[] {
  let document: unknown;
  try {
    document = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not JSON`);
  }
  const entries = Array.isArray(document) ? document : [document];
  return entries.map((entry: Record<string, unknown>, index) => {
    const sequence = 'post' in entry ? { post: entry.post, patches: (entry.patches as unknown[] | undefined) ?? [] } : { post: entry, patches: [] };
    return { label: `payload ${index + 1}`, requests: [{ method: 'POST' as const, body: sequence.post }, ...sequence.patches.map((body) => ({ method: 'PATCH' as const, body }))] };
  });
}

/**
 * The file against a domain schema and its option lists: with a tenant, that tenant's active ones (read
 * from the database); without, offline, the preset a new tenant starts with.
 */
async function validateMappingFileCommand(file: string, tenantSlug: string | undefined): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const against = tenantSlug === undefined ? { schema: createDefaultDomainSchema(customSchemaUrnFor('tenant')), optionLists: createDefaultOptionLists() } : await tenantSchema(tenantSlug);
  const result = validateMappingFile(text, against.schema, against.optionLists);
  for (const line of formatMappingFileIssues(file, [...result.errors, ...result.warnings])) console.log(line);
  if (result.errors.length > 0) throw new ValidationFailed(`${result.errors.length} error(s)`);
  console.log(`${file}: valid (${result.warnings.length} warning(s))`);
}

async function tenantSchema(slug: string) {
  const hub = await createApp(loadConfig(process.env), { migrate: false, backgroundJobs: false });
  try {
    const tenant = await hub.services.tenants.getTenantBySlug(slug);
    return await hub.services.mapping.activeSchemaAndLists(tenant.id);
  } finally {
    await hub.close();
  }
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return number;
}

function print(json: boolean, value: Record<string, unknown>, lines: string[]): void {
  console.log(json ? JSON.stringify(value, null, 2) : lines.join('\n'));
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      dialect: { type: 'string' },
      json: { type: 'boolean', default: false },
      'expires-in-days': { type: 'string' },
      'expires-in-hours': { type: 'string' },
      'user-patch-status': { type: 'string' },
      tenant: { type: 'string' },
      version: { type: 'string' },
      comment: { type: 'string' },
      payload: { type: 'string' },
      connection: { type: 'string' },
      'chunk-size': { type: 'string' },
      'max-errors': { type: 'string' },
      reason: { type: 'string' },
      confirm: { type: 'string' },
      scopes: { type: 'string' },
      'token-lifetime-minutes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, subcommand, slug, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  if (command === 'mapping' && subcommand === 'validate') {
    if (!slug || rest.length > 0) throw new UsageError('mapping validate takes one file');
    await validateMappingFileCommand(slug, values.tenant);
    return;
  }
  const config = loadConfig(process.env);
  const baseUrl = serverBaseUrl(config);
  const scimBase = `${baseUrl}${SCIM_BASE_PATH}`;

  const withHub = async (work: (hub: IdentityHub) => Promise<void>, options: CreateAppOptions = {}) => {
    const hub = await createApp(config, options);
    try {
      await work(hub);
    } finally {
      await hub.close();
    }
  };

  if (isOperatorCommand(command, subcommand)) {
    await withHub((hub) => runOperatorCommand(hub, { command, subcommand, args: positionals.slice(2), values, scimBaseUrl: scimBase }), { backgroundJobs: false });
    return;
  }

  if (command === 'mapping' && slug && ['export', 'import', 'preview', 'activate', 'reapply'].includes(subcommand ?? '')) {
    const [argument, ...extra] = rest;
    if (extra.length > 0 || ['export', 'reapply'].includes(subcommand!) !== (argument === undefined)) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    await withHub(async (hub) => {
      const lifecycle = hub.services.mappingLifecycle;
      const tenant = await hub.services.tenants.getTenantBySlug(slug);
      const connection = await lifecycle.connectionOf(tenant);
      if (subcommand === 'export') {
        const { definition } = await lifecycle.definitionOf(tenant, connection, positiveNumber('--version', values.version));
        process.stdout.write(renderMappingFile(definition));
      } else if (subcommand === 'import') {
        const version = await lifecycle.createDraft(tenant, connection, readMappingFile(argument!), CLI, values.comment);
        print(values.json, { version, state: 'draft' }, [`${slug}: stored ${argument} as draft version ${version}`]);
      } else if (subcommand === 'preview') {
        if (!values.payload) throw new UsageError('mapping preview needs --payload <file.json>');
        const report = await lifecycle.previewPastedRequests(tenant, connection, { definition: readMappingFile(argument!) }, previewSequences(values.payload));
        console.log(JSON.stringify(report.results, null, 2));
      } else if (subcommand === 'activate') {
        const version = positiveNumber('<version>', argument)!;
        const validation = await lifecycle.validate(tenant, connection, version, CLI);
        if (!validation.ok) {
          for (const error of validation.errors) console.log(`rules: ${error.path}${error.line ? ` (line ${error.line}, column ${error.column})` : ''}: ${error.message}`);
          throw new ValidationFailed(`version ${version} does not validate (${validation.errors.length} error(s))`);
        }
        await lifecycle.activate(tenant, connection, version, CLI);
        print(values.json, { activeVersion: version }, [`${slug}: version ${version} is active (stored values follow on each user's next write or a re-apply)`]);
      } else {
        // In the foreground: this process claims the job it queued and runs it to the end.
        const job = await lifecycle.startReapply(tenant, connection, CLI);
        await hub.services.mappingJobs.runJob(tenant.id, job.id);
        const done = (await lifecycle.job(tenant.id, job.id))!;
        print(values.json, { job: { id: done.id, state: done.state, version: done.mappingVersion, processed: done.processed, failed: done.failed, written: done.reapply?.written } }, [
          `${slug}: re-apply of version ${done.mappingVersion} ${done.state}: ${done.processed} users, ${done.reapply?.written ?? 0} written, ${done.failed} failed`,
        ]);
      }
      // No background work in a CLI run: the re-apply above runs here, not on a poll.
    }, { backgroundJobs: false });
    return;
  }

  if (command === 'import') {
    if (!subcommand || slug !== undefined) throw new UsageError('import takes one file');
    if (!values.tenant) throw new UsageError('import needs --tenant <id|slug>');
    const hub = await createApp(config, { backgroundJobs: false });
    try {
      await importFile(hub, subcommand, {
        tenant: values.tenant,
        connection: values.connection,
        chunkSize: positiveNumber('--chunk-size', values['chunk-size']),
        maxErrors: positiveNumber('--max-errors', values['max-errors']),
        json: values.json,
      });
    } finally {
      await hub.close();
    }
    return;
  }

  if (command === 'migrate' && positionals.length === 1) {
    const hub = await createApp(config, { migrate: false });
    try {
      const applied = await migrate(hub.orm);
      await hub.services.mapping.seedMissingDefaults();
      print(values.json, { applied }, [applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date']);
    } finally {
      await hub.close();
    }
    return;
  }
  if (command === 'setup-link') {
    if (!subcommand || slug !== undefined) throw new UsageError('setup-link takes one tenant slug');
    const expiresInHours = positiveNumber('--expires-in-hours', values['expires-in-hours']);
    await withHub(async (hub) => {
      const tenant = await hub.services.tenants.getTenantBySlug(subcommand);
      const minted = await hub.services.consoleAccess.mintSetupLink(tenant.id, { expiresInHours }, CLI);
      const url = hub.services.consoleAccess.setupLinkUrl(minted.token, baseUrl);
      const expiresAt = new Date(minted.link.expiresAt).toISOString();
      print(values.json, { url, expiresAt }, [`Admin console for ${tenant.slug} (one use, expires ${expiresAt}):`, `  ${url}`]);
    }, { backgroundJobs: false });
    return;
  }
  if (rest.length > 0 || !slug) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);

  if (command === 'tenant' && subcommand === 'create') {
    await withHub(async (hub) => {
      const created = await hub.services.tenants.createTenant({ slug, name: values.name, dialect: values.dialect });
      print(
        values.json,
        {
          tenant: { id: created.tenant.id, slug: created.tenant.slug, name: created.tenant.name },
          dialect: created.connection.dialect,
          scimBaseUrl: scimBase,
          scimToken: created.scimToken,
          adminApiKey: created.adminApiKey,
        },
        [`tenant ${created.tenant.slug} (${created.tenant.id}), dialect ${created.connection.dialect}`, `SCIM base URL: ${scimBase}`, `SCIM token:    ${created.scimToken}`, `admin API key: ${created.adminApiKey}`],
      );
    });
    return;
  }
  if (command === 'tenant' && subcommand === 'settings') {
    const status = values['user-patch-status'];
    if (status !== undefined && status !== '200' && status !== '204') throw new UsageError('--user-patch-status must be 200 or 204');
    await withHub(async (hub) => {
      const settings = await hub.services.tenants.updateSettings(slug, status ? { userPatchStatus: Number(status) as 200 | 204 } : {});
      print(values.json, { settings }, [`tenant ${slug}: user PATCH answers ${settings.userPatchStatus}`]);
    });
    return;
  }
  if (command === 'token' && subcommand === 'rotate') {
    const expiresInDays = positiveNumber('--expires-in-days', values['expires-in-days']);
    await withHub(async (hub) => {
      const rotated = await hub.services.tenants.rotateScimToken(slug, { expiresInDays });
      const expiresAt = rotated.expiresAt === null ? null : new Date(rotated.expiresAt).toISOString();
      print(values.json, { scimToken: rotated.scimToken, expiresAt }, [`SCIM token: ${rotated.scimToken}`, `expires:    ${expiresAt ?? 'never'}`]);
    });
    return;
  }
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ValidationFailed) {
    console.error(`error: ${error.message}`);
  } else if (error instanceof UsageError || error instanceof OperatorUsageError) {
    if (error.message) console.error(`error: ${error.message}\n`);
    console.error(USAGE);
  } else if (error instanceof ConfigError) {
    console.error(error.message);
  } else if (isDomainError(error)) {
    console.error(`error: ${error.message}`);
  } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
  } else {
    console.error('error:', error instanceof Error ? error.message : error);
  }
  process.exit(2);
});
