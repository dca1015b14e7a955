import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import pino from 'pino';
import request from 'supertest';
import { createApp, type CreateAppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { TenantCredentials } from '../../src/services/tenant.service';
import { ScimClient } from '../support/scim-client';
import { createTestDatabase, TEST_OUTBOUND_ALLOW_HOSTS, type TestHub } from '../support/test-app';

export const GRAPHQL = '/graphql';

export interface GraphqlResponse<T> {
  readonly status: number;
  readonly data: T | null | undefined;
  readonly errors: readonly GraphQLFormattedError[] | undefined;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** A GraphQL client with one bearer credential (or none), speaking to the in-process test server. */
export class GraphqlClient {
  constructor(
    private readonly testHub: TestHub,
    readonly token: string | undefined,
  ) {}

  /** Sends a typed document (generated from tests/graphql/operations by codegen). */
  async send<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables): Promise<GraphqlResponse<TResult>> {
    return this.sendText<TResult>(print(document), variables as Record<string, unknown> | undefined);
  }

  /** Sends a query written in the test itself (limit probes, malformed documents). */
  async sendText<TResult = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<TResult>> {
    const call = this.testHub.http.post(GRAPHQL).set('Content-Type', 'application/json');
    if (this.token !== undefined) call.set('Authorization', `Bearer ${this.token}`);
    const response = await call.send(JSON.stringify({ query, variables }));
    const body = (response.body ?? {}) as Record<string, unknown>;
    return {
      status: response.status,
      data: body.data as TResult | null | undefined,
      errors: body.errors as GraphQLFormattedError[] | undefined,
      headers: response.headers as Record<string, string>,
      body,
    };
  }

  /** The data of a request that must succeed; fails with the errors otherwise. */
  async data<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables?: TVariables): Promise<TResult> {
    const response = await this.send(document, variables);
    if (response.status !== 200 || response.errors || !response.data) {
      throw new Error(`expected data, got HTTP ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.data;
  }
}

/** The `extensions.code` of each error, in order. */
export function errorCodes(response: GraphqlResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

export interface GraphqlTestTenant {
  readonly credentials: TenantCredentials;
  /** Uses the admin API key the tenant was created with (scopes read and admin). */
  readonly admin: GraphqlClient;
  readonly scim: ScimClient;
  client(token: string | undefined): GraphqlClient;
}

export interface GraphqlTestHub extends TestHub {
  /** ws://.../graphql of the running server (graphql-ws subscriptions). */
  readonly wsUrl: string;
  /** http://127.0.0.1:<port> of the running server (browsers, outside clients). */
  readonly baseUrl: string;
  /** Log lines the hub wrote (level info and above), parsed. */
  readonly logLines: Record<string, unknown>[];
  tenant(): Promise<GraphqlTestTenant>;
}

/** The real app on a fresh database, with its log captured so tests can check what it logs. */
export async function createGraphqlTestHub(env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<GraphqlTestHub> {
  const database = await createTestDatabase();
  const config = { ...loadConfig({ LOG_LEVEL: 'info', OUTBOUND_ALLOW_HOSTS: TEST_OUTBOUND_ALLOW_HOSTS, ...env }), database: database.config };
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const hub = await createApp(config, { logger: pino({ level: 'info' }, sink), ...options });
  const server = hub.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const subscriptions = hub.attachSubscriptions(server);
  const address = server.address();
  const testHub: GraphqlTestHub = {
    hub,
    config,
    wsUrl: `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${GRAPHQL}`,
    baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    logLines,
    http: request(server),
    createTenant: (slug = `t-${randomUUID().slice(0, 8)}`) => hub.services.tenants.createTenant({ slug }),
    async tenant() {
      const credentials = await testHub.createTenant();
      return {
        credentials,
        admin: new GraphqlClient(testHub, credentials.adminApiKey),
        scim: new ScimClient(testHub, credentials.scimToken),
        client: (token) => new GraphqlClient(testHub, token),
      };
    },
    async close() {
      await subscriptions.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      await database.drop();
    },
  };
  return testHub;
}

/** One hub per test file (see useScimHub); each test makes its own tenant. */
export function useGraphqlHub(env?: Record<string, string>, options?: CreateAppOptions) {
  const state: { hub?: GraphqlTestHub } = {};
  beforeAll(async () => {
    state.hub = await createGraphqlTestHub(env, options);
  });
  afterAll(async () => {
    await state.hub?.close();
  });
  return {
    get hub(): GraphqlTestHub {
      if (!state.hub) throw new Error('hub not started');
      return state.hub;
    },
    tenant(): Promise<GraphqlTestTenant> {
      return this.hub.tenant();
    },
  };
}

/** The SQL statements the hub's ORM connection runs while `work` does (the capture G8 of the SCIM suite uses). */
export async function recordStatements(testHub: TestHub, work: () => Promise<void>): Promise<string[]> {
  const statements: string[] = [];
  const { orm } = testHub.hub;
  const logger = orm.config.getLogger();
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (context) => {
    statements.push(context.query ?? '');
    original(context);
  };
  orm.config.set('debug', ['query']);
  try {
    await work();
  } finally {
    orm.config.set('debug', false);
    logger.logQuery = original;
  }
  return statements;
}
