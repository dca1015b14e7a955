import { redactSecrets, REDACTED } from '../../../src/scim/protocol/provisioning-record';
import { replayUserRequests } from '../../../src/scim/protocol/replay-user-requests';
import { createDefaultSchemaRegistry } from '../../../src/scim/protocol/schema-definitions';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const registry = createDefaultSchemaRegistry();

describe('secrets redaction of kept requests', () => {
  it('replaces only secret values, keeping personal values and the structure', () => {
    const body = { schemas: [USER], userName: 'ada@example.com', password: 'hunter2', name: { givenName: 'Ada' }, 'urn:x:2.0:User': { apiToken: 't-1', clientSecret: null } };
    expect(redactSecrets(body)).toEqual({ schemas: [USER], userName: 'ada@example.com', password: REDACTED, name: { givenName: 'Ada' }, 'urn:x:2.0:User': { apiToken: REDACTED, clientSecret: null } });
  });

  it('redacts PATCH values aimed at a secret, by path or inside a path-less value', () => {
    const body = {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'password', value: 'new-one' },
        { op: 'replace', value: { active: false, password: 'other' } },
        { op: 'replace', path: 'title', value: 'Lead' },
      ],
    };
    expect(redactSecrets(body)).toEqual({
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'password', value: REDACTED },
        { op: 'replace', value: { active: false, password: REDACTED } },
        { op: 'replace', path: 'title', value: 'Lead' },
      ],
    });
  });
});

describe('replaying user requests', () => {
  const patchTitle = { method: 'PATCH' as const, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] } };

  it('applies a PATCH to the stored user it was applied to', () => {
    const initial = { schemas: [USER], userName: 'ada@example.com', userType: 'admin' };
    const replayed = replayUserRequests(registry, { label: 'ada', requests: [patchTitle], initial });
    expect(replayed.resources).toEqual([{ ...initial, title: 'Lead' }]);
    expect(replayed.error).toBeUndefined();
  });

  it('starts from an empty user without one', () => {
    expect(replayUserRequests(registry, { label: 'ada', requests: [patchTitle] }).resources).toEqual([{ schemas: [USER], title: 'Lead' }]);
  });
});
