import { evaluateFilter } from '../../../src/domain/filter/evaluate-filter';
import type { AttributePath, FilterNode } from '../../../src/domain/filter/filter-ast';
import { parseFilter } from '../../../src/domain/filter/filter-parser';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const user = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'jyoung',
  userName: 'Bjensen@Example.com',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: "O'Malley", givenName: 'Barbara', middleName: null },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  nickName: '',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  phoneNumbers: [],
  addresses: [{ type: 'work', locality: null, country: '' }],
  groups: [{ value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides' }],
  roles: [],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2015-10-10T14:38:21.8617979-07:00',
  },
  loginCount: 42,
  quota: 1.5,
  [ENTERPRISE]: {
    employeeNumber: '701984',
    costCenter: '4130',
    Department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

function matches(filter: string, resource: Record<string, unknown> = user): boolean {
  return evaluateFilter(parseFilter(filter), resource);
}

describe('evaluateFilter', () => {
  describe('RFC 7644 §3.4.2.2 examples and what IdPs send', () => {
    it.each<[string, boolean]>([
      ['userName eq "bjensen@example.com"', true],
      ['userName eq "BJENSEN@EXAMPLE.COM"', true],
      ['userName eq "bjensen"', false],
      [`name.familyName co "O'Malley"`, true],
      [`name.familyName co "o'mal"`, true],
      ['userName sw "B"', true],
      ['userName sw "J"', false],
      [`${CORE_USER}:userName sw "bjen"`, true],
      ['title pr', true],
      ['title pr and userType eq "Employee"', true],
      ['title pr or userType eq "Intern"', true],
      ['userType eq "Intern" or nickName pr', false],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', true],
      ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
      [`schemas eq "${ENTERPRISE}"`, true],
      [`schemas eq "${ENTERPRISE.toUpperCase()}"`, true],
      ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
      ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
      ['userType eq "Employee" and (emails.type eq "work")', true],
      ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
      ['userType eq "Employee" and emails[type eq "home" and value co "@example.com"]', false],
      ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true],
      ['emails[type eq "home" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', false],
      ['DisplayName eq "Babs Jensen"', true],
      ['name.FamilyName eq "o\'malley" and (emails.Value co example.com or emails.Value co example.org)', true],
      ['userName sw b', true],
      ['externalId eq jyoung', true],
      ['externalId eq JYOUNG', true],
      ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
      ['id eq 2819c223-7f76-453a-919d-413861904646', true],
      ['emails[type eq "work"].value eq "bjensen@example.com"', true],
      ['emails[type eq "home"].value eq "bjensen@example.com"', false],
      ['emails[type eq "work" or type eq "home"].value ew "@jensen.org"', true],
      ['groups[value eq "e9e30dba-f08f-4109-8486-d5c6a331660a"]', true],
      ['(ActiVe eq true) and meta.lastmodified ge "2015-10-10T21:38:21.8617979Z"', true],
      ['active eq true and (meta.lastModified ge "0001-01-03T00:00:00.0000000Z" and meta.lastModified le "2024-01-01T00:00:00Z")', true],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });
  });

  describe('operators', () => {
    it.each<[string, boolean]>([
      ['displayName eq "babs jensen"', true],
      ['displayName ne "babs jensen"', false],
      ['displayName ne "Someone Else"', true],
      ['displayName co "S JEN"', true],
      ['displayName co "xyz"', false],
      ['displayName sw "babs"', true],
      ['displayName sw "jensen"', false],
      ['displayName ew "JENSEN"', true],
      ['displayName ew "babs"', false],
      ['displayName co ""', true],
      ['displayName gt "Babs"', true],
      ['displayName gt "babs zzz"', false],
      ['displayName ge "babs jensen"', true],
      ['displayName lt "c"', true],
      ['displayName lt "BABS"', false],
      ['displayName le "Babs Jensen"', true],
      ['loginCount eq 42', true],
      ['loginCount ne 42', false],
      ['loginCount gt 41', true],
      ['loginCount gt 42', false],
      ['loginCount ge 42', true],
      ['loginCount lt 100', true],
      ['loginCount le 41', false],
      ['quota eq 1.5', true],
      ['quota gt 1.25', true],
      ['quota lt -1', false],
      ['active eq true', true],
      ['active eq false', false],
      ['active ne false', true],
      ['active ne true', false],
      ['title pr', true],
      ['nickName pr', false],
      ['phoneNumbers pr', false],
      ['roles pr', false],
      ['addresses pr', true],
      ['name pr', true],
      ['name.middleName pr', false],
      ['missing pr', false],
      ['emails pr', true],
      ['emails.primary pr', true],
      ['nickName eq ""', true],
      ['title eq null', false],
      ['title ne null', true],
      ['nickName eq null', true],
      ['missing eq null', true],
      ['missing ne null', false],
      ['name.middleName eq null', true],
      ['missing ne "x"', true],
      ['missing ne 1', true],
      ['missing ne true', true],
      ['name.middleName ne "x"', true],
      ['missing gt "a"', false],
      ['missing co ""', false],
      ['not (title pr)', false],
      ['not (missing pr)', true],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });
  });

  describe('values of different types never match', () => {
    it.each<[string, boolean]>([
      ['loginCount eq "42"', false],
      ['loginCount co 4', false],
      ['loginCount sw "4"', false],
      ['active eq "true"', false],
      ['active ne "true"', false],
      ['userName eq 42', false],
      ['userName eq true', false],
      ['employeeNumber eq 701984', false],
      ['name eq "Barbara"', false],
      ['missing eq "x"', false],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });

    it('answers false for ordering on booleans and null built without the parser', () => {
      const node = (value: boolean | null): FilterNode => ({ kind: 'compare', path: { attribute: 'active' }, op: 'gt', value });
      expect(evaluateFilter(node(false), user)).toBe(false);
      expect(evaluateFilter(node(null), user)).toBe(false);
    });
  });

  describe('case sensitivity', () => {
    const caseExactUserName = { isCaseExact: (path: AttributePath) => path.attribute.toLowerCase() === 'username' };

    it.each<[string, boolean, boolean]>([
      ['userName eq "bjensen@example.com"', true, false],
      ['userName eq "Bjensen@Example.com"', true, true],
      ['userName co "EXAMPLE"', true, false],
      ['userName co "Example"', true, true],
      ['userName sw "bj"', true, false],
      ['userName ew ".COM"', true, false],
      ['userName gt "a"', true, false],
      ['userName lt "a"', false, true],
      ['displayName eq "babs jensen"', true, true],
    ])('%s -> %s by default, %s with userName caseExact', (filter, byDefault, caseExact) => {
      expect(evaluateFilter(parseFilter(filter), user)).toBe(byDefault);
      expect(evaluateFilter(parseFilter(filter), user, caseExactUserName)).toBe(caseExact);
    });

    it('looks attribute names and URN keys up case-insensitively', () => {
      expect(matches('USERNAME eq "bjensen@example.com"')).toBe(true);
      expect(matches('Meta.Created eq "2010-01-23T04:56:22Z"')).toBe(true);
      expect(matches(`${ENTERPRISE.toLowerCase()}:department eq "tour operations"`)).toBe(true);
    });

    it('asks isCaseExact about the full attribute path inside a value path', () => {
      const asked: AttributePath[] = [];
      evaluateFilter(parseFilter(`emails[type eq "x"] or ${ENTERPRISE}:manager[value eq "x"] or name.givenName eq "x"`), user, {
        isCaseExact: (path) => {
          asked.push(path);
          return false;
        },
      });
      expect(asked).toStrictEqual([
        { attribute: 'emails', subAttribute: 'type' },
        { attribute: 'emails', subAttribute: 'type' },
        { schema: ENTERPRISE, attribute: 'manager', subAttribute: 'value' },
        { attribute: 'name', subAttribute: 'givenName' },
      ]);
    });

    it('does not see inherited properties', () => {
      expect(matches('constructor pr')).toBe(false);
      expect(matches('toString pr')).toBe(false);
      expect(evaluateFilter({ kind: 'present', path: { attribute: '__proto__' } }, user)).toBe(false);
    });
  });

  describe('date-times', () => {
    const created = (value: string): Record<string, unknown> => ({ meta: { created: value } });

    it.each<[string, string, boolean]>([
      // Microsoft collection: 7 fractional digits and an offset (the filter value unquoted).
      ['2015-10-10T21:38:21.8617980Z', 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00', true],
      ['2015-10-10T21:38:21.8617979Z', 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00', false],
      ['2015-10-10T21:38:21.8617979Z', 'meta.Created eq 2015-10-10T14:38:21.8617979-07:00', true],
      ['2015-10-10T21:38:21.8617979Z', 'meta.Created ge 2015-10-10T14:38:21.8617979-07:00', true],
      ['2015-10-10T21:38:21.8617978Z', 'meta.Created lt 2015-10-10T14:38:21.8617979-07:00', true],
      ['2015-10-10T21:38:21.861Z', 'meta.Created lt 2015-10-10T14:38:21.8617979-07:00', true],
      ['2015-10-10T21:38:21.862Z', 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00', true],
      ['2024-01-01T00:00:00Z', 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00', true],
      // Offsets: text order and time order disagree.
      ['2011-05-13T04:42:34Z', 'meta.created eq "2011-05-13T06:42:34+02:00"', true],
      ['2011-05-13T04:42:34Z', 'meta.created ne "2011-05-13T06:42:34+02:00"', false],
      ['2011-05-13T04:42:34Z', 'meta.created gt "2011-05-13T05:00:00+02:00"', true],
      ['2011-05-13T04:42:34+0530', 'meta.created lt "2011-05-13T00:00:00Z"', true],
      ['2011-05-13T04:42:34.000Z', 'meta.created eq "2011-05-13T04:42:34Z"', true],
      ['2011-05-13t04:42:34z', 'meta.created eq "2011-05-13T04:42:34Z"', true],
      // Year 1 (Entra's "0001-01-03" lower bound) and leap days.
      ['0001-01-03T00:00:00.0000000Z', 'meta.created ge "0001-01-03T00:00:00Z"', true],
      ['0001-01-02T23:59:59.9999999Z', 'meta.created ge "0001-01-03T00:00:00.0000000Z"', false],
      ['2024-02-29T12:00:00Z', 'meta.created gt "2024-02-28T23:59:59Z"', true],
      ['1999-12-31T23:59:59Z', 'meta.created lt "2000-01-01T00:00:00Z"', true],
      // Not date-times with a zone: compared as text.
      ['2021-07-25T12:37:58.132Z', 'meta.created gt "2021-08-05"', false],
      ['2021-09-22T02:32:12.026Z', 'meta.created gt "2021-08-05"', true],
      ['2021-09-22T02:32:12.026Z', 'meta.created co "2021-09"', true],
      ['2011-05-13T04:42:34', 'meta.created eq "2011-05-13T04:42:34Z"', false],
      ['2023-02-30T00:00:00Z', 'meta.created gt "2023-03-01T00:00:00-23:00"', false],
    ])('created %s: %s -> %s', (value, filter, expected) => {
      expect(evaluateFilter(parseFilter(filter), created(value))).toBe(expected);
    });

    it('compares date-times as text when compareDates is false', () => {
      const filter = parseFilter('meta.created gt "2011-05-13T05:00:00+02:00"');
      expect(evaluateFilter(filter, created('2011-05-13T04:42:34Z'))).toBe(true);
      expect(evaluateFilter(filter, created('2011-05-13T04:42:34Z'), { compareDates: false })).toBe(false);
    });
  });

  describe('multi-valued attributes', () => {
    it.each<[string, boolean]>([
      ['emails.value eq "babs@jensen.org"', true],
      ['emails.type eq "work"', true],
      ['emails.type eq "other"', false],
      ['emails.type ne "work"', true],
      ['emails.primary eq true', true],
      ['emails.primary eq false', false],
      ['emails co "jensen.org"', true],
      ['emails eq "bjensen@example.com"', true],
      ['emails.display pr', false],
      ['emails.display ne "x"', true],
      ['emails.display eq "x"', false],
      ['phoneNumbers.value ne "x"', false],
      ['phoneNumbers ne "x"', false],
      ['groups.display sw "tour"', true],
      ['schemas co "enterprise"', true],
      ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', false],
      ['emails[type eq "work" and primary eq true]', true],
      ['emails[type eq "home" and primary eq true]', false],
      ['emails[not (type eq "work")]', true],
      ['emails[type eq "home" or value co "example"].value ew ".org"', true],
      ['emails[type eq "work"].primary pr', true],
      ['emails[type eq "home"].primary pr', false],
      ['ims[type eq "aim"]', true],
      ['phoneNumbers[type eq "work"]', false],
      ['name[givenName eq "barbara"]', true],
      ['missing[type eq "work"]', false],
      ['addresses[country pr]', false],
      ['addresses[type eq "work"]', true],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });

    it('treats an element whose sub-attributes are all empty as not present', () => {
      expect(matches('addresses pr', { addresses: [{ locality: null, country: '' }, {}] })).toBe(false);
      expect(matches('addresses pr', { addresses: [{ locality: null, country: 'DE' }] })).toBe(true);
    });

    it('evaluates a value filter on one element, as the PATCH engine does', () => {
      const workFilter = parseFilter('type eq "work"');
      expect(evaluateFilter(workFilter, { type: 'work', value: 'a@x' })).toBe(true);
      expect(evaluateFilter(workFilter, { type: 'Work', value: 'a@x' })).toBe(true);
      expect(evaluateFilter(workFilter, { type: 'home', value: 'a@x' })).toBe(false);
      expect(evaluateFilter(workFilter, { value: 'a@x' })).toBe(false);
      expect(evaluateFilter(parseFilter('value eq "7f4bc1a3"'), { value: '7f4bc1a3', display: 'x' })).toBe(true);
      expect(evaluateFilter(parseFilter('type eq "work" and value co "@x"'), { Type: 'work', Value: 'a@x' })).toBe(true);
    });
  });

  describe('schema URN attributes', () => {
    it.each<[string, boolean]>([
      [`${ENTERPRISE}:department eq "Tour Operations"`, true],
      [`${ENTERPRISE}:Department eq "tour operations"`, true],
      [`${ENTERPRISE}:department eq "Sales"`, false],
      [`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
      [`${ENTERPRISE}.manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
      [`${ENTERPRISE}.manager pr`, true],
      [`${ENTERPRISE}:manager.displayName sw "John"`, true],
      [`${ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
      [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
      [`${ENTERPRISE}:division pr`, false],
      [`${ENTERPRISE}:division ne "x"`, true],
      [`${ENTERPRISE}:userName pr`, false],
      [`${CORE_USER}:userName eq "bjensen@example.com"`, true],
      [`${CORE_USER}:name.givenName eq "Barbara"`, true],
      [`${CORE_USER}:department pr`, false],
      ['urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter pr', false],
    ])('%s -> %s', (filter, expected) => {
      expect(matches(filter)).toBe(expected);
    });

    it('does not read an extension attribute from the top level', () => {
      expect(matches(`${ENTERPRISE}:department pr`, { department: 'Sales' })).toBe(false);
    });
  });

  describe('Microsoft collection data (scim-clients.md 1.1, rows 63-65)', () => {
    const employees = [
      { userName: 'OMalley', name: { familyName: 'Employee' }, emails: [{ Value: 'a@example.com' }], meta: { created: '2024-03-01T10:00:00.1234567Z' } },
      { userName: 'emp1', name: { familyName: 'Employee' }, emails: [{ Value: 'b@example.org' }], meta: { created: '2024-03-01T10:00:01Z' } },
      { userName: 'emp2', name: { FamilyName: 'employee' }, emails: [{ value: 'c@example.net' }], meta: { Created: '2015-10-10T21:38:21.8617979Z' } },
      { userName: 'emp3', name: { familyName: 'Manager' }, emails: [{ value: 'd@example.com' }], meta: { created: '2015-10-10T21:38:21.8617980Z' } },
    ];

    it.each<[string, string[]]>([
      ['name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)', ['OMalley', 'emp1']],
      ['userName sw O', ['OMalley']],
      ['meta.Created gt 2015-10-10T14:38:21.8617979-07:00', ['OMalley', 'emp1', 'emp3']],
    ])('%s', (filter, expected) => {
      const node = parseFilter(filter);
      expect(employees.filter((resource) => evaluateFilter(node, resource)).map((resource) => resource.userName)).toStrictEqual(expected);
    });
  });
});
