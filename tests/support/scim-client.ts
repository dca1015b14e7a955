import type { Response } from 'supertest';
import type { CreateAppOptions } from '../../src/app';
import { createTestHub, type TestHub } from './test-app';

export const SCIM = '/scim/v2';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Body = Record<string, unknown> | unknown[] | string;

/** A SCIM client bound to one tenant's token, speaking to the in-process test server. */
export class ScimClient {
  constructor(
    private readonly testHub: TestHub,
    readonly token: string,
  ) {}

  private send(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: Body, headers: Record<string, string> = {}) {
    const call = this.testHub.http[method](`${SCIM}${path}`).set('Authorization', `Bearer ${this.token}`).set('Content-Type', 'application/scim+json');
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    return body === undefined ? call : call.send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  get(path: string, headers?: Record<string, string>) {
    return this.send('get', path, undefined, headers);
  }
  post(path: string, body: Body, headers?: Record<string, string>) {
    return this.send('post', path, body, headers);
  }
  put(path: string, body: Body, headers?: Record<string, string>) {
    return this.send('put', path, body, headers);
  }
  patch(path: string, operations: unknown[], headers?: Record<string, string>) {
    return this.send('patch', path, { schemas: [PATCH_OP], Operations: operations }, headers);
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.send('delete', path, undefined, headers);
  }

  async createUser(userName: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const response = await this.post('/Users', { schemas: [USER_SCHEMA], userName, ...extra });
    expectStatus(response, 201);
    return response.body;
  }

  async createGroup(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const response = await this.post('/Groups', { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })), ...extra });
    expectStatus(response, 201);
    return response.body;
  }

  async memberIds(groupId: string): Promise<string[]> {
    const response = await this.get(`/Groups/${groupId}`);
    expectStatus(response, 200);
    return ((response.body.members ?? []) as { value: string }[]).map((member) => member.value).sort();
  }

  async filterUsers(filter: string): Promise<Record<string, any>> {
    const response = await this.get(`/Users?filter=${encodeURIComponent(filter)}`);
    expectStatus(response, 200);
    return response.body;
  }
}

/** Like expect(status).toBe(n), but shows the body when it fails. */
export function expectStatus(response: Response, status: number): void {
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body ?? response.text)}`);
  }
}

export function expectScimError(response: Response, status: number, scimType?: string): void {
  expectStatus(response, status);
  expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(response.body.status).toBe(String(status));
  expect(typeof response.body.detail).toBe('string');
  if (scimType) expect(response.body.scimType).toBe(scimType);
  expect(JSON.stringify(response.body)).not.toMatch(/SELECT|INSERT|sqlite|postgres|at \w+ \(/i);
}

/** One hub per test file; each test gets a fresh tenant, so tests never see each other's data. */
export function useScimHub(env?: Record<string, string>, options?: CreateAppOptions) {
  const state: { hub?: TestHub } = {};
  beforeAll(async () => {
    state.hub = await createTestHub(env, options);
  });
  afterAll(async () => {
    await state.hub?.close();
  });
  return {
    get hub(): TestHub {
      if (!state.hub) throw new Error('hub not started');
      return state.hub;
    },
    async client(): Promise<ScimClient> {
      if (!state.hub) throw new Error('hub not started');
      const tenant = await state.hub.createTenant();
      return new ScimClient(state.hub, tenant.scimToken);
    },
  };
}
