import type { MappingResult } from '../../../src/domain/mapping/apply-mapping';
import type { DomainValue } from '../../../src/domain/mapping/mapping-values';
import { countImpact, emptyImpactReport, OTHER_TRANSITIONS } from '../../../src/services/mapping-jobs.service';

function result(values: Record<string, DomainValue>, extra: Partial<MappingResult> = {}): MappingResult {
  const provenance = { ruleId: 'r', mappingVersion: 2, sourcePath: null, rawValue: null };
  return {
    values: Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { value, provenance }])),
    optionAdditions: [],
    errors: [],
    groupGrants: [],
    trace: {},
    stepsUsed: 0,
    ...extra,
  };
}

describe('impact report counting', () => {
  it('counts transitions per field with samples, unchanged users, failures by message and option additions', () => {
    const report = emptyImpactReport(2);
    countImpact(report, 'u1', { appRoles: ['Contributor'] }, result({ appRoles: ['Manager'] }));
    countImpact(report, 'u2', { appRoles: ['Contributor'] }, result({ appRoles: ['Manager'], region: 'EMEA' }, { optionAdditions: [{ list: 'region', value: 'EMEA', ruleId: 'r', field: 'region' }] }));
    countImpact(report, 'u3', { appRoles: ['Admin'], region: null }, result({ appRoles: ['Admin'], region: [] }));
    countImpact(report, 'u4', {}, result({}, { errors: [{ field: 'email', ruleId: 'e', message: 'not an email' }] }));
    expect(report).toEqual({
      version: 2,
      usersEvaluated: 4,
      unchanged: 1,
      changedFields: { appRoles: { 'Contributor -> Manager': { count: 2, sampleUserIds: ['u1', 'u2'] } }, region: { '(none) -> EMEA': { count: 1, sampleUserIds: ['u2'] } } },
      failingValidation: { count: 1, sampleUserIds: ['u4'], messages: { 'not an email': 1 } },
      optionsToAdd: { 'region: EMEA': { count: 1, sampleUserIds: ['u2'] } },
    });
  });

  it('keeps 50 distinct transitions per field and counts the rest together, so a report stays small on 100k users', () => {
    const report = emptyImpactReport(3);
    for (let index = 0; index < 120; index += 1) countImpact(report, `u${index}`, { email: `u${index}@a.com` }, result({ email: `U${index}@a.com` }));
    const transitions = report.changedFields.email!;
    expect(Object.keys(transitions)).toHaveLength(51);
    expect(transitions[OTHER_TRANSITIONS]).toEqual({ count: 70, sampleUserIds: ['u50', 'u51', 'u52', 'u53', 'u54'] });
    expect(Object.values(transitions).reduce((sum, entry) => sum + entry.count, 0)).toBe(120);
  });
});
