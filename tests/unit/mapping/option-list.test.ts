import {
  checkOptionList,
  isUnknownOptionPolicy,
  mapToTarget,
  matchOption,
  resolveOption,
  type OptionList,
  type OptionResolution,
  type UnknownOptionPolicy,
} from '../../../src/domain/mapping/option-list';

function list(onUnknown: UnknownOptionPolicy, values: OptionList['values'] = [{ value: 'Europe', aliases: ['EMEA'] }, { value: 'Research and Development', aliases: ['R&D'] }, { value: 'Other' }]): OptionList {
  return { key: 'region', values, onUnknown };
}

describe('option lists', () => {
  describe('match values and aliases ignoring case and spacing', () => {
    it.each<[string, string | undefined]>([
      ['Europe', 'Europe'],
      ['europe', 'Europe'],
      ['  EUROPE  ', 'Europe'],
      ['emea', 'Europe'],
      ['research   and\tdevelopment', 'Research and Development'],
      ['r&d', 'Research and Development'],
      ['Ｅｕｒｏｐｅ', 'Europe'],
      ['Europa', undefined],
      ['', undefined],
    ])('%j -> %j', (text, expected) => {
      expect(matchOption(list('reject'), text)).toBe(expected);
    });
  });

  describe('resolve unknown values by the list policy', () => {
    it.each<[UnknownOptionPolicy, string, OptionResolution]>([
      ['addValue', 'europe', { kind: 'matched', value: 'Europe' }],
      ['addValue', 'Nordics', { kind: 'added', value: 'Nordics' }],
      ['addValue', '  Latin   America ', { kind: 'added', value: 'Latin America' }],
      ['reject', 'Nordics', { kind: 'rejected', message: `"Nordics" is not a value of option list 'region'` }],
      ['reject', 'EMEA', { kind: 'matched', value: 'Europe' }],
      ['keepNull', 'Nordics', { kind: 'nulled' }],
      ['mapTo:Other', 'Nordics', { kind: 'mapped', value: 'Other' }],
      ['mapTo:other', 'Nordics', { kind: 'mapped', value: 'Other' }],
      ['mapTo:Other', 'emea', { kind: 'matched', value: 'Europe' }],
    ])('%s: %j', (policy, text, expected) => {
      expect(resolveOption(list(policy), text)).toEqual(expected);
    });

    it('matches a value added earlier in the same evaluation instead of adding it twice', () => {
      expect(resolveOption(list('addValue'), 'NORDICS', ['Nordics'])).toEqual({ kind: 'matched', value: 'Nordics' });
    });
  });

  it('recognises policies', () => {
    expect(['addValue', 'reject', 'keepNull', 'mapTo:Other'].every(isUnknownOptionPolicy)).toBe(true);
    expect(['mapTo:', 'add', 42, undefined].some(isUnknownOptionPolicy)).toBe(false);
    expect(mapToTarget('mapTo:Other')).toBe('Other');
    expect(mapToTarget('reject')).toBeUndefined();
  });

  describe('checkOptionList', () => {
    it('accepts a clean list', () => {
      expect(checkOptionList(list('mapTo:Other'))).toEqual([]);
    });

    it.each<[OptionList, string]>([
      [{ key: '1bad', values: [], onUnknown: 'reject' }, "option list key '1bad' must be a letter"],
      [{ key: 'region', values: [], onUnknown: 'sometimes' as UnknownOptionPolicy }, 'onUnknown must be addValue, reject, keepNull or mapTo:<value>'],
      [{ key: 'region', values: [{ value: ' ' }], onUnknown: 'reject' }, "option list 'region' has an empty value"],
      [{ key: 'region', values: [{ value: 'Europe' }, { value: 'EUROPE' }], onUnknown: 'reject' }, `"EUROPE" of "EUROPE" already names "Europe"`],
      [{ key: 'region', values: [{ value: 'Europe', aliases: ['EU'] }, { value: 'Asia', aliases: ['eu'] }], onUnknown: 'reject' }, `"eu" of "Asia" already names "Europe"`],
      [{ key: 'region', values: [{ value: 'Europe' }], onUnknown: 'mapTo:Other' }, `mapTo target "Other" is not one of its values`],
    ])('%j', (definition, problem) => {
      expect(checkOptionList(definition)).toContainEqual(expect.stringContaining(problem));
    });
  });
});
