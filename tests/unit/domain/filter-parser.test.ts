import { DomainError } from '../../../src/domain/errors';
import type { AttributePath, CompareOperator, FilterNode, FilterValue } from '../../../src/domain/filter/filter-ast';
import {
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  MAX_FILTER_TERMS,
  parseFilter,
} from '../../../src/domain/filter/filter-parser';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** `path('name.familyName')`, or with a schema URN as the second argument. */
function path(dotted: string, schema?: string): AttributePath {
  const [attribute, subAttribute] = dotted.split('.') as [string, string | undefined];
  return {
    ...(schema === undefined ? {} : { schema }),
    attribute,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}
function cmp(attributePath: string | AttributePath, op: CompareOperator, value: FilterValue): FilterNode {
  return { kind: 'compare', path: typeof attributePath === 'string' ? path(attributePath) : attributePath, op, value };
}
function pr(attributePath: string | AttributePath): FilterNode {
  return { kind: 'present', path: typeof attributePath === 'string' ? path(attributePath) : attributePath };
}
function and(left: FilterNode, right: FilterNode): FilterNode {
  return { kind: 'and', left, right };
}
function or(left: FilterNode, right: FilterNode): FilterNode {
  return { kind: 'or', left, right };
}
function not(operand: FilterNode): FilterNode {
  return { kind: 'not', operand };
}
function valuePath(attributePath: string | AttributePath, filter: FilterNode): FilterNode {
  return { kind: 'valuePath', path: typeof attributePath === 'string' ? path(attributePath) : attributePath, filter };
}

function parseError(text: string): DomainError {
  try {
    parseFilter(text);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

function positionOf(error: DomainError): number {
  const match = /at position (\d+)/.exec(error.message);
  if (match === null) throw new Error(`no position in "${error.message}"`);
  return Number(match[1]);
}

describe('parseFilter', () => {
  describe('Microsoft SCIMReferenceCode collections (scim-clients.md 1.1, 1.2)', () => {
    it.each<[string, FilterNode]>([
      ['DisplayName eq "BobIsAmazing"', cmp('DisplayName', 'eq', 'BobIsAmazing')],
      [
        'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
        and(cmp('name.FamilyName', 'eq', 'Employee'), or(cmp('emails.Value', 'co', 'example.com'), cmp('emails.Value', 'co', 'example.org'))),
      ],
      ['userName sw O', cmp('userName', 'sw', 'O')],
      ['meta.Created gt 2015-10-10T14:38:21.8617979-07:00', cmp('meta.Created', 'gt', '2015-10-10T14:38:21.8617979-07:00')],
      ['emails[type eq "work"]', valuePath('emails', cmp('type', 'eq', 'work'))],
      ['emails[value eq "emailName357"]', valuePath('emails', cmp('value', 'eq', 'emailName357'))],
      ['members[value eq "id4"]', valuePath('members', cmp('value', 'eq', 'id4'))],
      ['id eq "2819c223-7f76-453a-919d-413861904646"', cmp('id', 'eq', '2819c223-7f76-453a-919d-413861904646')],
      [
        'active eq true and (meta.lastModified ge "0001-01-03T00:00:00.0000000Z" and meta.lastModified le "2024-05-01T10:00:00.0000000Z")',
        and(
          cmp('active', 'eq', true),
          and(cmp('meta.lastModified', 'ge', '0001-01-03T00:00:00.0000000Z'), cmp('meta.lastModified', 'le', '2024-05-01T10:00:00.0000000Z')),
        ),
      ],
      [
        '(ActiVe eq true) and meta.lastmodified ge "2021-09-23T19:35:41.8420572Z"',
        and(cmp('ActiVe', 'eq', true), cmp('meta.lastmodified', 'ge', '2021-09-23T19:35:41.8420572Z')),
      ],
      [`${ENTERPRISE}.manager eq "26118915"`, cmp(path('manager', ENTERPRISE), 'eq', '26118915')],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('what Entra, Okta and OneLogin send (scim-clients.md 1.3, 1.4, 3)', () => {
    it.each<[string, FilterNode]>([
      [
        'userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"',
        cmp('userName', 'eq', 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee'),
      ],
      ['externalId eq jyoung', cmp('externalId', 'eq', 'jyoung')],
      ['externalId eq 8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', cmp('externalId', 'eq', '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159')],
      ['displayName eq "displayName"', cmp('displayName', 'eq', 'displayName')],
      [
        'emails[type eq "work"].value eq "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"',
        valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com'))),
      ],
      [
        'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]',
        valuePath('members', cmp('value', 'eq', '7f4bc1a3-285e-48ae-8202-5accb43efb0e')),
      ],
      [
        'userName eq "AzureAD_Test-5a7b1e43-5a2f-4b1c-9f1e-0d1c2b3a4f5e"',
        cmp('userName', 'eq', 'AzureAD_Test-5a7b1e43-5a2f-4b1c-9f1e-0d1c2b3a4f5e'),
      ],
      ['userName eq "test.user@okta.local"', cmp('userName', 'eq', 'test.user@okta.local')],
      ['userName eq "abcdefgh@atko.com"', cmp('userName', 'eq', 'abcdefgh@atko.com')],
      ['userName eq "RUNSCOPE123SMITH@ATKO.COM"', cmp('userName', 'eq', 'RUNSCOPE123SMITH@ATKO.COM')],
      ['displayName eq "Test SCIMv2"', cmp('displayName', 'eq', 'Test SCIMv2')],
      ['emails.value co "@example.com"', cmp('emails.value', 'co', '@example.com')],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('complaints about other servers (scim-clients.md 4)', () => {
    it.each<[string, FilterNode]>([
      ['userName eq "ALICE@X"', cmp('userName', 'eq', 'ALICE@X')],
      [`${ENTERPRISE}:department eq "Sales"`, cmp(path('department', ENTERPRISE), 'eq', 'Sales')],
      [`${ENTERPRISE}:manager.value eq "2819c223"`, cmp(path('manager.value', ENTERPRISE), 'eq', '2819c223')],
      [`${ENTERPRISE}:manager.displayName eq "John"`, cmp(path('manager.displayName', ENTERPRISE), 'eq', 'John')],
      [`${ENTERPRISE}.manager.value eq "2819c223"`, cmp(path('manager.value', ENTERPRISE), 'eq', '2819c223')],
      [`${ENTERPRISE}.manager pr`, pr(path('manager', ENTERPRISE))],
      [`${ENTERPRISE}:employeeNumber eq 701984`, cmp(path('employeeNumber', ENTERPRISE), 'eq', 701984)],
      [
        'urn:ietf:params:scim:schemas:extension:acme:2.0:Group:costCenter sw "CC"',
        cmp(path('costCenter', 'urn:ietf:params:scim:schemas:extension:acme:2.0:Group'), 'sw', 'CC'),
      ],
      [
        'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department eq "x"',
        cmp(path('Department', 'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER'), 'eq', 'x'),
      ],
      ['displayName eq "x"', cmp('displayName', 'eq', 'x')],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('RFC 7644 §3.4.2.2 examples', () => {
    it.each<[string, FilterNode]>([
      ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
      [`name.familyName co "O'Malley"`, cmp('name.familyName', 'co', "O'Malley")],
      ['userName sw "J"', cmp('userName', 'sw', 'J')],
      [`${CORE_USER}:userName sw "J"`, cmp(path('userName', CORE_USER), 'sw', 'J')],
      ['title pr', pr('title')],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
      ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
      ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
      ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
      [`schemas eq "${ENTERPRISE}"`, cmp('schemas', 'eq', ENTERPRISE)],
      [
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        and(cmp('userType', 'eq', 'Employee'), or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
      ],
      [
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        and(cmp('userType', 'ne', 'Employee'), not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')))),
      ],
      ['userType eq "Employee" and (emails.type eq "work")', and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work'))],
      [
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        and(cmp('userType', 'eq', 'Employee'), valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))),
      ],
      [
        'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
        or(
          valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
          valuePath('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
        ),
      ],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('scimmy fixture inputs', () => {
    it.each<[string, FilterNode]>([
      ['id pr', pr('id')],
      ['userName eq "Test"', cmp('userName', 'eq', 'Test')],
      ['displayName co "Bob"', cmp('displayName', 'co', 'Bob')],
      ['name.formatted sw "Bob"', cmp('name.formatted', 'sw', 'Bob')],
      ['quota gt 1.5', cmp('quota', 'gt', 1.5)],
      ['UserType eq null', cmp('UserType', 'eq', null)],
      ['active eq false', cmp('active', 'eq', false)],
      ['emails.primary eq true', cmp('emails.primary', 'eq', true)],
      ['id pr and userName eq "Test"', and(pr('id'), cmp('userName', 'eq', 'Test'))],
      ['userName eq "Test" or displayName co "Bob"', or(cmp('userName', 'eq', 'Test'), cmp('displayName', 'co', 'Bob'))],
      [
        'email.value ew "@example.com" and not userName eq "Test"',
        and(cmp('email.value', 'ew', '@example.com'), not(cmp('userName', 'eq', 'Test'))),
      ],
      ['email.type eq "work" or not userName ne "Test"', or(cmp('email.type', 'eq', 'work'), not(cmp('userName', 'ne', 'Test')))],
      [
        'email.type eq "work" and not email.value ew "@example.com"',
        and(cmp('email.type', 'eq', 'work'), not(cmp('email.value', 'ew', '@example.com'))),
      ],
      [
        'name.formatted sw "Bob" and name.honoraryPrefix eq "Mr"',
        and(cmp('name.formatted', 'sw', 'Bob'), cmp('name.honoraryPrefix', 'eq', 'Mr')),
      ],
      [
        'emails[type eq "work"].value ew "@example.org"',
        valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'ew', '@example.org'))),
      ],
      [
        'emails[type eq "work" or type eq "home"].value ew "@example.org"',
        valuePath('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'ew', '@example.org'))),
      ],
      [
        '(name.FamilyName eq "Employee" or name.FamilyName eq "Manager") and (emails.Value co "example.com" or emails.Value co "example.org")',
        and(
          or(cmp('name.FamilyName', 'eq', 'Employee'), cmp('name.FamilyName', 'eq', 'Manager')),
          or(cmp('emails.Value', 'co', 'example.com'), cmp('emails.Value', 'co', 'example.org')),
        ),
      ],
      [
        'userType eq "Employee" and emails[type eq "work" or (primary eq true and value co "@example.com")]',
        and(
          cmp('userType', 'eq', 'Employee'),
          valuePath('emails', or(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', true), cmp('value', 'co', '@example.com')))),
        ),
      ],
      [
        'emails[type eq "work" or (primary eq true and value co "@example.com")] and userType eq "Employee"',
        and(
          valuePath('emails', or(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', true), cmp('value', 'co', '@example.com')))),
          cmp('userType', 'eq', 'Employee'),
        ),
      ],
      [
        'userType eq "Employee" and emails[type eq "work" or (primary eq true and value co "@example.com")].display co "Work"',
        and(
          cmp('userType', 'eq', 'Employee'),
          valuePath(
            'emails',
            and(or(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', true), cmp('value', 'co', '@example.com'))), cmp('display', 'co', 'Work')),
          ),
        ),
      ],
      [
        'userType eq "Employee" or emails[type eq "work" and (primary eq false and value co "@example.com")].display co "Work"',
        or(
          cmp('userType', 'eq', 'Employee'),
          valuePath(
            'emails',
            and(and(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', false), cmp('value', 'co', '@example.com'))), cmp('display', 'co', 'Work')),
          ),
        ),
      ],
      ['userName Eq "john"', cmp('userName', 'eq', 'john')],
      ['Username eq "john"', cmp('Username', 'eq', 'john')],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('operators, keywords and precedence', () => {
    it.each<[string, FilterNode]>([
      ...(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const).map((op): [string, FilterNode] => [
        `userName ${op} "x"`,
        cmp('userName', op, 'x'),
      ]),
      ['userName EQ "x"', cmp('userName', 'eq', 'x')],
      ['userName nE "x"', cmp('userName', 'ne', 'x')],
      ['title PR', pr('title')],
      ['title Pr AND userType eq "E"', and(pr('title'), cmp('userType', 'eq', 'E'))],
      ['title pr OR userType eq "E"', or(pr('title'), cmp('userType', 'eq', 'E'))],
      ['NOT (title pr)', not(pr('title'))],
      ['not(title pr)', not(pr('title'))],
      ['(title pr)and(userType pr)', and(pr('title'), pr('userType'))],
      ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
      ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
      ['a pr and b pr and c pr', and(and(pr('a'), pr('b')), pr('c'))],
      ['a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
      ['not a pr and b pr', and(not(pr('a')), pr('b'))],
      ['not a pr or not b pr', or(not(pr('a')), not(pr('b')))],
      ['not not a pr', not(not(pr('a')))],
      ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
      ['((((a pr))))', pr('a')],
      ['not (a pr and not (b pr or c pr))', not(and(pr('a'), not(or(pr('b'), pr('c')))))],
      ['not pr', pr('not')],
      ['not eq "x"', cmp('not', 'eq', 'x')],
      ['members.$ref pr', pr('members.$ref')],
      ['x-custom_attr1 eq 1', cmp('x-custom_attr1', 'eq', 1)],
      [
        `${ENTERPRISE}:manager[value eq "x"]`,
        valuePath(path('manager', ENTERPRISE), cmp('value', 'eq', 'x')),
      ],
      ['emails[not (type eq "work")]', valuePath('emails', not(cmp('type', 'eq', 'work')))],
      ['emails[type eq work]', valuePath('emails', cmp('type', 'eq', 'work'))],
      ['emails[type eq "work"].primary pr', valuePath('emails', and(cmp('type', 'eq', 'work'), pr('primary')))],
    ])('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('values', () => {
    it.each<[string, FilterValue]>([
      ['"plain"', 'plain'],
      ['""', ''],
      ['"a b  c"', 'a b  c'],
      ['"a\\"b"', 'a"b'],
      ['"back\\\\slash"', 'back\\slash'],
      ['"\\/\\b\\f\\n\\r\\t"', '/\b\f\n\r\t'],
      ['"caf\\u00e9"', 'café'],
      ['"\\u00C9T\\u00c9"', 'ÉTÉ'],
      ['"\\ud83d\\ude00"', '😀'],
      ['"unicode ü as is"', 'unicode ü as is'],
      ['"(not) [a] filter and or"', '(not) [a] filter and or'],
      ['"42"', '42'],
      ['"true"', 'true'],
      ['true', true],
      ['TRUE', true],
      ['False', false],
      ['null', null],
      ['NULL', null],
      ['0', 0],
      ['42', 42],
      ['-7', -7],
      ['1.5', 1.5],
      ['-0.25', -0.25],
      ['1e3', 1000],
      ['2.5E-2', 0.025],
      ['Employee', 'Employee'],
      ['example.com', 'example.com'],
      ['O', 'O'],
      ['jyoung', 'jyoung'],
      ['8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159'],
      ['2015-10-10T14:38:21.8617979-07:00', '2015-10-10T14:38:21.8617979-07:00'],
      ['007', '007'],
      ['1.2.3', '1.2.3'],
      ['+5', '+5'],
      ['.5', '.5'],
      ['5.', '5.'],
      ['trueish', 'trueish'],
      ['a@b.c', 'a@b.c'],
      ["O'Malley", "O'Malley"],
      ["'single-quoted'", "'single-quoted'"],
      ['-07:00', '-07:00'],
      ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:User'],
    ])('x eq %s', (valueText, expected) => {
      expect(parseFilter(`x eq ${valueText}`)).toStrictEqual(cmp('x', 'eq', expected));
    });

    it('ends a bare value at ")" and "]"', () => {
      expect(parseFilter('(a eq b)')).toStrictEqual(cmp('a', 'eq', 'b'));
      expect(parseFilter('e[a eq b]')).toStrictEqual(valuePath('e', cmp('a', 'eq', 'b')));
      expect(parseFilter('e[a eq b].value eq c')).toStrictEqual(valuePath('e', and(cmp('a', 'eq', 'b'), cmp('value', 'eq', 'c'))));
    });
  });

  describe('whitespace', () => {
    it.each<[string, FilterNode]>([
      ['  title pr  ', pr('title')],
      ['title\tpr', pr('title')],
      ['userName   eq \t "x"', cmp('userName', 'eq', 'x')],
      ['a pr\tand\t\tb pr', and(pr('a'), pr('b'))],
      ['( a pr )', pr('a')],
      ['emails[ type eq "work" ]', valuePath('emails', cmp('type', 'eq', 'work'))],
      ['a pr\r\nand b pr', and(pr('a'), pr('b'))],
      ['userName eq "x"and b pr', and(cmp('userName', 'eq', 'x'), pr('b'))],
    ])('%j', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('invalid filters', () => {
    it.each<[string, string, number]>([
      ['empty', '', 0],
      ['only whitespace', '   ', 3],
      ['path only', 'userName', 8],
      ['missing operator', 'userName "x"', 9],
      ['unknown operator', 'userName regex "x"', 9],
      ['operator glued to the path', 'userName"x"', 8],
      ['missing value', 'userName eq', 11],
      ['missing value after a space', 'userName eq ', 12],
      ['missing value before ")"', '(userName eq )', 13],
      ['keyword as a bare value', 'userName eq and title pr', 12],
      ['value glued to the operator', 'userName eq"x"', 11],
      ['pr with a value', 'title pr "x"', 9],
      ['pr with a bare value', 'title pr x and a pr', 9],
      ['trailing garbage', 'userName eq "x" foo', 16],
      ['two values', 'userName eq a b', 14],
      ['and without a right side', 'userName eq "x" and', 19],
      ['and followed by spaces only', 'userName eq "x" and  ', 21],
      ['or without a left side', 'or title pr', 0],
      ['and without a left side', 'AND title pr', 0],
      ['double or', 'a pr or or b pr', 8],
      ['and after not', 'not and a pr', 4],
      ['not alone', 'not', 3],
      ['not without operand', 'not ()', 5],
      ['unclosed parenthesis', '(userName eq "x"', 16],
      ['unopened parenthesis', 'userName eq "x")', 15],
      ['empty parentheses', '()', 1],
      ['unclosed bracket', 'emails[type eq "work"', 21],
      ['unopened bracket', 'emails type eq "work"]', 7],
      ['extra closing bracket', 'emails[type eq "work"]]', 22],
      ['empty brackets', 'emails[]', 7],
      ['bracket at the start', '[id pr', 0],
      ['closing bracket after pr', 'id pr]', 5],
      ['closing parenthesis after pr', 'id pr)', 5],
      ['opening parenthesis unclosed after pr', '(id pr', 6],
      ['dash before operator', 'id -pr', 3],
      ['nested value filter', 'emails[type eq "work" and phones[type eq "x"]]', 32],
      ['value path after value path (scimmy)', 'emails[type eq "work"].values[domain ew "@example.org"]', 29],
      ['value path without test after "."', 'emails[type eq "work"].value', 28],
      ['value path with "." and nothing', 'emails[type eq "work"]. eq "x"', 23],
      ['two sub-attributes', 'name.familyName.x eq 1', 15],
      ['empty sub-attribute', 'name. eq 1', 5],
      ['attribute starting with a digit', '9abc eq 1', 0],
      ['attribute with "@"', 'user@name eq 1', 4],
      ['attribute with ":" and no urn', 'foo:bar eq 1', 3],
      ['bare urn', 'urn: eq 1', 0],
      ['urn with empty attribute', `${ENTERPRISE}: eq 1`, 0],
      ['urn with two sub-attributes', `${ENTERPRISE}:manager.value.x eq 1`, 0],
      ['unterminated string', 'userName eq "abc', 12],
      ['unterminated string ending in an escape', 'userName eq "abc\\"', 12],
      ['invalid escape', 'userName eq "a\\xb"', 14],
      ['short unicode escape', 'userName eq "\\u12"', 13],
      ['non-hex unicode escape', 'userName eq "\\uzzzz"', 13],
      ['NUL in a string', 'userName eq "a\u0000b"', 14],
      ['NUL in a bare value', 'userName eq a\u0000b', 13],
      ['escaped NUL', 'userName eq "a\\u0000b"', 14],
      ['quote inside a bare value', 'userName eq ab"c"', 14],
      ['parenthesis inside a bare value', 'userName eq abc(def)', 15],
      ['number out of range', 'quota gt 1e999', 9],
      ['gt on a boolean', 'active gt true', 10],
      ['ge on a boolean (any case)', 'active GE FALSE', 10],
      ['lt on null', 'meta.created lt null', 16],
      ['le on null', 'title le null', 9],
    ])('%s: %j', (_label, text, position) => {
      const error = parseError(text);
      expect(error.code).toBe('INVALID_FILTER');
      expect(positionOf(error)).toBe(position);
    });

    it('says what was expected', () => {
      expect(parseError('userName "x"').message).toMatch(/^expected a comparison operator .* at position 9, found '"'$/);
      expect(parseError('(userName eq "x"').message).toBe("expected 'and', 'or' or ')' at position 16, found the end of the filter");
      expect(parseError('userName eq "x" foo').message).toBe("expected 'and', 'or' or the end of the filter at position 16, found 'foo'");
      expect(parseError('active gt true').message).toContain("'gt' cannot compare with true");
      expect(parseError('title pr "x"').message).toBe("'pr' takes no value at position 9, found '\"'");
      expect(parseError('').message).toContain('expected an attribute path');
    });

    it('rejects a non-string filter with a DomainError', () => {
      expect(parseError(undefined as unknown as string).code).toBe('INVALID_FILTER');
      expect(parseError(42 as unknown as string).code).toBe('INVALID_FILTER');
    });
  });

  describe('abuse limits', () => {
    it('exports the limits', () => {
      expect([MAX_FILTER_LENGTH, MAX_FILTER_DEPTH, MAX_FILTER_TERMS]).toStrictEqual([20_000, 64, 100]);
    });

    it(`accepts a filter of exactly ${MAX_FILTER_LENGTH} characters`, () => {
      const text = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH - 14)}"`;
      expect(text).toHaveLength(MAX_FILTER_LENGTH);
      expect(parseFilter(text)).toStrictEqual(cmp('userName', 'eq', 'a'.repeat(MAX_FILTER_LENGTH - 14)));
    });

    it(`rejects ${MAX_FILTER_LENGTH + 1} characters`, () => {
      const error = parseError(`userName eq "${'a'.repeat(MAX_FILTER_LENGTH - 13)}"`);
      expect(error.code).toBe('INVALID_FILTER');
      expect(positionOf(error)).toBe(MAX_FILTER_LENGTH);
    });

    it(`accepts ${MAX_FILTER_DEPTH} nested parentheses and rejects one more`, () => {
      expect(parseFilter(`${'('.repeat(MAX_FILTER_DEPTH)}a pr${')'.repeat(MAX_FILTER_DEPTH)}`)).toStrictEqual(pr('a'));
      const error = parseError(`${'('.repeat(MAX_FILTER_DEPTH + 1)}a pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`);
      expect(positionOf(error)).toBe(MAX_FILTER_DEPTH);
    });

    it.each<[string, string, number]>([
      ['1,000-deep parentheses', `${'('.repeat(1000)}a pr${')'.repeat(1000)}`, 64],
      ['100,000 opening parentheses (too long)', '('.repeat(100_000), MAX_FILTER_LENGTH],
      ['1,000 nested not', `${'not '.repeat(1000)}a pr`, 256],
      ['1,000 nested not (...)', `${'not ('.repeat(1000)}a pr${')'.repeat(1000)}`, 160],
      ['deep parentheses inside a value filter', `e[${'('.repeat(100)}a pr${')'.repeat(100)}]`, 65],
    ])('rejects %s without overflowing the stack', (_label, text, position) => {
      const error = parseError(text);
      expect(error.code).toBe('INVALID_FILTER');
      expect(positionOf(error)).toBe(position);
    });

    it(`accepts ${MAX_FILTER_TERMS} attribute expressions and rejects one more`, () => {
      const terms = (count: number): string => Array.from({ length: count }, (_, index) => `a${index} pr`).join(' or ');
      expect(() => parseFilter(terms(MAX_FILTER_TERMS))).not.toThrow();
      const error = parseError(terms(MAX_FILTER_TERMS + 1));
      expect(error.message).toContain(`more than ${MAX_FILTER_TERMS}`);
      expect(positionOf(error)).toBe(terms(MAX_FILTER_TERMS).length + ` or a${MAX_FILTER_TERMS} `.length);
    });

    it('parses a long flat filter in linear time', () => {
      const text = Array.from({ length: MAX_FILTER_TERMS }, (_, index) => `userName eq "user${index}${'x'.repeat(180)}@example.com"`).join(' or ').slice(0, 19_990);
      const trimmed = text.slice(0, text.lastIndexOf(' or '));
      const started = process.hrtime.bigint();
      for (let round = 0; round < 20; round++) parseFilter(trimmed);
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      expect(elapsedMs).toBeLessThan(2000);
    });
  });

  describe('robustness', () => {
    const seeds = [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      'emails[type eq "work" or (primary eq true and value co "@example.com")].display co "Work"',
      `${ENTERPRISE}:manager.value eq "2819c223" and meta.created gt 2015-10-10T14:38:21.8617979-07:00`,
      'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co "a\\u00e9\\"b")',
    ];
    const alphabet = ' ()[]."\\:aeqnotr0-9$';

    /** Deterministic mulberry32 so a failing mutation can be replayed. */
    function createRandom(seed: number): () => number {
      let state = seed;
      return () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    it('throws nothing but INVALID_FILTER DomainErrors on 5,000 mutated filters', () => {
      const random = createRandom(7644);
      for (let round = 0; round < 5000; round++) {
        const chars = [...seeds[round % seeds.length]!];
        const edits = 1 + Math.floor(random() * 4);
        for (let edit = 0; edit < edits; edit++) {
          const at = Math.floor(random() * (chars.length + 1));
          const char = alphabet[Math.floor(random() * alphabet.length)]!;
          if (random() < 0.5) chars.splice(at, 1);
          else chars.splice(at, 0, char);
        }
        const text = chars.join('');
        try {
          parseFilter(text);
        } catch (error) {
          expect({ text, error }).toStrictEqual({ text, error: expect.any(DomainError) });
          expect((error as DomainError).code).toBe('INVALID_FILTER');
          expect((error as DomainError).message).toMatch(/at position \d+/);
        }
      }
    });
  });
});
