/**
 * SCIM `POST /Bulk` (RFC 7644 §3.7): each operation runs as the single request it stands for, through
 * the same handler (and so the same services, mapping and events); `bulkId:<id>` in an operation's path
 * or data names the resource another operation of the request created. Operations apply one by one, each
 * in its own transaction: a failed one does not undo the others (the RFC's semantics).
 */
import { DomainError } from '../domain/errors';
import { TenantTurns } from '../domain/tenants/tenant-turns';
import { scimErrorBody, toScimError } from './errors';
import { ScimHandler, type ScimHandlerDependencies, type ScimRequest, type ScimResponse } from './handler';
import { isJsonObject, readKey } from './protocol/normalize-resource';
import { BULK_MAX_OPERATIONS } from './protocol/discovery';
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from './protocol/schema-definitions';

/**
 * The share of the time one tenant's bulk operations may take, per process: they run one at a time, and
 * after one of `d` ms the tenant's next starts `d * (1 / share - 1)` ms later. Concurrent bulk requests of
 * a tenant wait in its line (SCIM admission bounds how many: SCIM_MAX_CONCURRENT_REQUESTS_PER_TENANT).
 */
export const BULK_OPERATION_SHARE = 0.25;

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type BulkMethod = (typeof METHODS)[number];
const BULK_ID_REFERENCE = /^bulkId:(.+)$/;

interface BulkOperation {
  readonly index: number;
  readonly method: BulkMethod;
  readonly bulkId?: string;
  readonly version?: string;
  readonly path: string;
  readonly data: unknown;
  /** bulkIds this operation's path and data name. */
  readonly references: ReadonlySet<string>;
}

type OperationResult = Record<string, unknown>;

function collectReferences(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    const match = BULK_ID_REFERENCE.exec(value);
    if (match) into.add(match[1]);
  } else if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
  } else if (isJsonObject(value)) {
    for (const item of Object.values(value)) collectReferences(item, into);
  }
}

function resolveReferences(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const match = BULK_ID_REFERENCE.exec(value);
    return match ? ids.get(match[1]) : value;
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, ids));
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveReferences(item, ids)]));
  return value;
}

function errorResult(operation: { method?: unknown; bulkId?: string }, status: number, detail: string, scimType?: string): OperationResult {
  return { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}), status: String(status), response: scimErrorBody(status, detail, scimType) };
}

/** An operation as sent, checked; a malformed one is answered with its own 400 (the others still run). */
function parseOperation(entry: unknown, index: number): { operation: BulkOperation } | { error: OperationResult } {
  if (!isJsonObject(entry)) return { error: errorResult({}, 400, `Operations[${index}] is not an object`, 'invalidSyntax') };
  const method = String(readKey(entry, 'method') ?? '').toUpperCase();
  const bulkId = readKey(entry, 'bulkId');
  const path = readKey(entry, 'path');
  const version = readKey(entry, 'version');
  const data = readKey(entry, 'data');
  const shown = { method, ...(typeof bulkId === 'string' ? { bulkId } : {}) };
  if (!(METHODS as readonly string[]).includes(method)) return { error: errorResult(shown, 400, `Operations[${index}].method must be one of ${METHODS.join(', ')}`, 'invalidSyntax') };
  if (typeof path !== 'string' || !path.startsWith('/')) return { error: errorResult(shown, 400, `Operations[${index}].path must be a resource path such as /Users`, 'invalidSyntax') };
  if (method === 'POST' && (typeof bulkId !== 'string' || bulkId === '')) return { error: errorResult(shown, 400, `Operations[${index}]: a POST needs a bulkId`, 'invalidSyntax') };
  if (method !== 'DELETE' && data === undefined) return { error: errorResult(shown, 400, `Operations[${index}]: ${method} needs data`, 'invalidSyntax') };
  const references = new Set<string>();
  collectReferences(path.split('?')[0].split('/'), references);
  collectReferences(data, references);
  return { operation: { index, method: method as BulkMethod, bulkId: typeof bulkId === 'string' ? bulkId : undefined, version: typeof version === 'string' ? version : undefined, path, data, references } };
}

/**
 * The SCIM handler with `/Bulk` in front of it. Operations run in request order; one that names the
 * bulkId of an operation not yet run waits for it (later passes), so forward references resolve. One
 * whose bulkId never got an id (that operation failed, or the references are circular) is a 409.
 * `failOnErrors: n` stops after the n-th failed operation; the answer lists the operations run.
 */
export class ScimBulkHandler extends ScimHandler {
  /**
   * A bulk request is a tenant's many writes in one: 32 of 50 operations each, four at once, took half of
   * the event loop and kept PostgreSQL's backends busy while other tenants waited (issue 13's
   * noisy-neighbour gate, bulk phase). Paced, a tenant's bulk writes take a bounded share.
   */
  private readonly turns = new TenantTurns(Number.POSITIVE_INFINITY, { share: BULK_OPERATION_SHARE, fromMs: 0 });

  constructor(
    deps: ScimHandlerDependencies,
    private readonly maxPayloadSize: number,
  ) {
    super(deps);
  }

  override async handle(request: ScimRequest): Promise<ScimResponse> {
    if (request.path.replace(/\/+$/, '').toLowerCase() !== '/bulk') return super.handle(request);
    try {
      return await this.bulk(request);
    } catch (error) {
      if (error instanceof DomainError) return toScimError(error);
      throw error;
    }
  }

  private async bulk(request: ScimRequest): Promise<ScimResponse> {
    if (request.method.toUpperCase() !== 'POST') return { status: 405, body: scimErrorBody(405, `${request.method} is not supported on /Bulk`) };
    if (!request.principal) throw new DomainError('UNAUTHENTICATED', 'a bearer token is required');
    const tenantId = request.principal.tenant.id;
    const body = request.body;
    if (!isJsonObject(body)) throw new DomainError('INVALID_SYNTAX', 'the request body must be a BulkRequest object');
    const schemas = readKey(body, 'schemas');
    if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST_SCHEMA)) throw new DomainError('INVALID_SYNTAX', `"schemas" must contain ${BULK_REQUEST_SCHEMA}`);
    const entries = readKey(body, 'Operations');
    if (!Array.isArray(entries)) throw new DomainError('INVALID_SYNTAX', '"Operations" must be a list');
    if (entries.length > BULK_MAX_OPERATIONS) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the bulk request has ${entries.length} operations; maxOperations is ${BULK_MAX_OPERATIONS} (and maxPayloadSize ${this.maxPayloadSize} bytes)`);
    }
    const failOnErrors = readKey(body, 'failOnErrors');
    if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) throw new DomainError('INVALID_SYNTAX', '"failOnErrors" must be a positive integer');
    const errorLimit = (failOnErrors as number | undefined) ?? Number.POSITIVE_INFINITY;

    const results = new Map<number, OperationResult>();
    const pending: BulkOperation[] = [];
    const bulkIds = new Set<string>();
    entries.forEach((entry, index) => {
      const parsed = parseOperation(entry, index);
      if ('error' in parsed) {
        results.set(index, parsed.error);
        return;
      }
      const { operation } = parsed;
      if (operation.bulkId !== undefined && bulkIds.has(operation.bulkId)) results.set(index, errorResult(operation, 400, `bulkId "${operation.bulkId}" is used twice`, 'invalidSyntax'));
      else pending.push(operation);
      if (operation.bulkId !== undefined) bulkIds.add(operation.bulkId);
    });

    const ids = new Map<string, string>();
    const failedBulkIds = new Set<string>();
    let errors = [...results.values()].length;
    let waiting = pending;
    while (waiting.length > 0 && errors < errorLimit) {
      const deferred: BulkOperation[] = [];
      for (const operation of waiting) {
        if (errors >= errorLimit) break;
        const unresolved = [...operation.references].filter((reference) => !ids.has(reference));
        const failed = unresolved.find((reference) => failedBulkIds.has(reference) || !bulkIds.has(reference));
        let result: OperationResult;
        if (failed !== undefined) {
          result = errorResult(operation, 409, `bulkId "${failed}" names no resource: its operation failed or does not exist`, 'invalidValue');
        } else if (unresolved.length > 0) {
          deferred.push(operation);
          continue;
        } else {
          // An unbounded line always takes the operation (admission bounds the line).
          result = await (this.turns.run(tenantId, () => this.run(request, operation, ids)) as Promise<OperationResult>);
        }
        results.set(operation.index, result);
        if (Number(result.status) >= 400) {
          errors += 1;
          if (operation.bulkId !== undefined) failedBulkIds.add(operation.bulkId);
        }
      }
      if (deferred.length === waiting.length) {
        // Every remaining operation waits for another remaining one: circular references.
        for (const operation of deferred) {
          if (errors >= errorLimit) break;
          results.set(operation.index, errorResult(operation, 409, `circular bulkId references: ${[...operation.references].map((reference) => `"${reference}"`).join(', ')}`, 'invalidValue'));
          errors += 1;
        }
        break;
      }
      waiting = deferred;
    }
    const Operations = [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
    return { status: 200, body: { schemas: [BULK_RESPONSE_SCHEMA], Operations } };
  }

  /** One operation as the request it stands for, with bulkIds replaced by the ids they got. */
  private async run(request: ScimRequest, operation: BulkOperation, ids: Map<string, string>): Promise<OperationResult> {
    const [rawPath, query] = operation.path.split('?', 2);
    const path = (resolveReferences(rawPath.split('/'), ids) as string[]).join('/');
    const answer = await super.handle({
      ...request,
      method: operation.method,
      path,
      query: Object.fromEntries([...new URLSearchParams(query ?? '')].map(([name, value]) => [name.toLowerCase(), value])),
      body: resolveReferences(operation.data, ids),
      ifMatch: operation.version,
    });
    const shown = { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}) };
    if (answer.status >= 400) return { ...shown, status: String(answer.status), response: answer.body };
    const created = isJsonObject(answer.body) && typeof answer.body.id === 'string' ? answer.body.id : undefined;
    if (operation.method === 'POST' && operation.bulkId && created) ids.set(operation.bulkId, created);
    const location = answer.headers?.Location ?? `${request.baseUrl}${path}`;
    return { ...shown, location, ...(answer.headers?.ETag ? { version: answer.headers.ETag } : {}), status: String(answer.status) };
  }
}
