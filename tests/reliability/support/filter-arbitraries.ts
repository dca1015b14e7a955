import fc from 'fast-check';

export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Text the generated users hold and the generated filters compare with: SQL wildcards, quotes and backslashes included. */
export const WORDS = ['Alpha', 'alpha beta', 'BETA', 'Gamma', '50% off', '5_0', '%', '_', "O'Brien", 'say "hi"', 'back\\slash', 'a.b', 'x', 'Zeta-9', 'mañana'];

/** Attribute paths over columns, email rows and the stored JSON, as IdPs write them (any letter case). */
const STRING_PATHS = [
  'userName',
  'displayName',
  'name.givenName',
  'name.familyName',
  'title',
  'userType',
  'nickName',
  'externalId',
  'emails.value',
  'emails.type',
  'emails',
  `${ENTERPRISE_URN}:department`,
  `${ENTERPRISE_URN}:costCenter`,
  'urn:ietf:params:scim:schemas:core:2.0:User:displayName',
  'USERNAME',
  'Name.FamilyName',
  'phoneNumbers.value',
  'phoneNumbers.type',
  'addresses.locality',
];
const OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** A SCIM filter string literal: JSON escaping, as the RFC grammar says. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}

const word = (ids: readonly string[]) => fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...ids), fc.string({ maxLength: 6 }).filter((text) => /^[ -~]*$/.test(text)));

/** Filters the RFC grammar accepts, over the data's attributes and values (and the given ids and dates). */
export function validFilter(ids: readonly string[], dates: readonly string[]): fc.Arbitrary<string> {
  const comparison = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...STRING_PATHS), fc.constantFrom(...OPERATORS), word(ids)).map(([path, op, value]) => `${path} ${op} ${quoted(value)}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('id', 'Id'), fc.constantFrom('eq', 'ne', 'sw', 'co'), fc.constantFrom(...ids)).map(([path, op, id]) => `${path} ${op} ${quoted(op === 'eq' || op === 'ne' ? id : id.slice(0, 4))}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('active'), fc.constantFrom('eq', 'ne'), fc.boolean()).map(([path, op, value]) => `${path} ${op} ${value}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('meta.created', 'meta.lastModified'), fc.constantFrom('gt', 'ge', 'lt', 'le', 'eq'), fc.constantFrom(...dates)).map(([path, op, date]) => `${path} ${op} ${quoted(date)}`) },
    { weight: 1, arbitrary: fc.constantFrom(...STRING_PATHS, 'active', 'phoneNumbers', `${ENTERPRISE_URN}:manager`).map((path) => `${path} pr`) },
    { weight: 1, arbitrary: fc.constantFrom(...STRING_PATHS).map((path) => `${path} eq null`) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('work', 'home', 'WORK'), fc.constantFrom('co', 'sw', 'ew', 'eq'), word(ids)).map(([type, op, value]) => `emails[type eq ${quoted(type)} and value ${op} ${quoted(value)}]`),
    },
  );
  const { filter } = fc.letrec<{ filter: string }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      comparison,
      fc.tuple(tie('filter'), fc.constantFrom('and', 'or'), tie('filter')).map(([left, op, right]) => `${left} ${op} ${right}`),
      tie('filter').map((inner) => `(${inner})`),
      tie('filter').map((inner) => `not (${inner})`),
    ),
  }));
  return filter;
}

/**
 * Filters that must be refused (or, when they happen to be valid, answered) without a 5xx: broken
 * quotes, NUL, SQL text, wildcards, 10,000-character strings, 1,000-deep parentheses, 500 `or` terms.
 */
export function hostileFilter(ids: readonly string[], dates: readonly string[]): fc.Arbitrary<string> {
  const valid = validFilter(ids, dates);
  return fc.oneof(
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc.string({ maxLength: 60, unit: 'grapheme-ascii' }),
    fc.tuple(valid, fc.nat(), fc.constantFrom('\u0000', '"', "'", '\\', '(', ')', '[', ']', '%', '_', ' or ', ' and ', ' not ', '\u0000"', '*/', '--', ';')).map(([filter, at, insert]) => {
      const index = at % (filter.length + 1);
      return `${filter.slice(0, index)}${insert}${filter.slice(index)}`;
    }),
    fc.constantFrom(...STRING_PATHS).chain((path) =>
      fc.constantFrom(
        `${path} eq "x' OR '1'='1"`,
        `${path} eq "x\\" OR 1=1 --"`,
        `${path} co "%"`,
        `${path} sw "_"`,
        `${path} eq "\\u0000"`,
        `${path} eq "a\u0000b"`,
        `${path} co ")); DROP TABLE users; --"`,
        `${path} eq "${'y'.repeat(10_000)}"`,
        `${path} co "${'%_'.repeat(5_000)}"`,
        `${path} eq ${'z'.repeat(10_000)}`,
        `${path} eq "unterminated`,
        `${path} eq unquoted"`,
        `${path} gt`,
        `${path} zz "x"`,
      ),
    ),
    fc.integer({ min: 1, max: 1_000 }).map((depth) => `${'('.repeat(depth)}userName pr${')'.repeat(depth)}`),
    fc.integer({ min: 2, max: 1_000 }).map((terms) => Array.from({ length: terms }, (_, index) => `userName eq "u${index}"`).join(' or ')),
    fc.integer({ min: 2, max: 600 }).map((terms) => Array.from({ length: terms }, (_, index) => `not (displayName eq "d${index}")`).join(' and ')),
    fc.string({ minLength: 10_000, maxLength: 10_000, unit: 'grapheme-ascii' }),
  );
}
