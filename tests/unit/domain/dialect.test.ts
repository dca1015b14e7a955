import { DIALECTS, dialectSettingDefaults, parseDialect, resolvesManagerByExternalId } from '../../../src/domain/tenants/dialect';
import { expectDomainError } from '../../support/domain-errors';

describe('IdP dialects', () => {
  it('reads a dialect name in any case and refuses others with the list', () => {
    expect(DIALECTS.map(parseDialect)).toEqual(['entra', 'okta', 'onelogin', 'generic']);
    expect(parseDialect(' Okta ')).toBe('okta');
    expectDomainError(() => parseDialect('pingone'), 'INVALID_INPUT', 'unknown dialect "pingone": choose one of entra, okta, onelogin, generic');
    expectDomainError(() => parseDialect(''), 'INVALID_INPUT', 'choose one of');
  });

  it('gives Okta tenants ownership transfer on deactivation (Okta never sends DELETE)', () => {
    expect(dialectSettingDefaults('okta')).toEqual({ transferOnDeactivate: true });
    for (const dialect of ['entra', 'onelogin', 'generic'] as const) expect(dialectSettingDefaults(dialect)).toEqual({});
  });

  it('resolves manager references by externalId for OneLogin only', () => {
    expect(DIALECTS.filter(resolvesManagerByExternalId)).toEqual(['onelogin']);
  });
});
