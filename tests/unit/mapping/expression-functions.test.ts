import { listFunctions } from '../../../src/domain/mapping/expression-functions';
import type { MappingValue } from '../../../src/domain/mapping/mapping-values';
import { CUSTOM, ENTERPRISE, evaluate, GROUPS } from './mapping-fixtures';

type Row = [expression: string, expected: MappingValue];

/** Rows per function; the last test checks that every function of the library has some. */
const CASES: Readonly<Record<string, readonly Row[]>> = {
  coalesce: [
    ['coalesce(src.missing, "", [], src.title)', 'Senior Engineer'],
    ['coalesce(null, null)', null],
    ['coalesce(src.emails[type eq "mobile"].value, src.emails[type eq "work"].value)', 'Jane.Doe@Acme.com'],
  ],
  default: [
    ['default(src.nickName, "none")', 'none'],
    ['default(src.title, "none")', 'Senior Engineer'],
    ['default("", 0)', 0],
  ],
  if: [
    ['if(src.active, "on", "off")', 'on'],
    ['if(src.missing, "on", "off")', 'off'],
    ['if(src.missing == null, "absent")', 'absent'],
    ['if(false, "x")', null],
    ['if(isPresent(src.title) and not memberOf("nobody"), upper(src.title), "-")', 'SENIOR ENGINEER'],
    ['if(src.missing or true, 1, 2)', 1],
  ],
  isEmpty: [
    ['isEmpty(src.missing)', true],
    ['isEmpty("")', true],
    ['isEmpty([null, ""])', true],
    ['isEmpty(" ")', false],
    ['isEmpty(0)', false],
  ],
  isPresent: [
    ['isPresent(src.title)', true],
    ['isPresent(src.phoneNumbers[type eq "fax"].value)', false],
  ],
  isNull: [
    ['isNull(src.missing)', true],
    ['isNull("")', false],
  ],
  isEmail: [
    ['isEmail(src.userName)', true],
    ['isEmail("Test_User_00aa")', false],
    ['isEmail("a@b")', false],
    ['isEmail("a b@c.de")', false],
    ['isEmail(" a@b.de ")', true],
    ['isEmail(null)', false],
  ],
  equalsIgnoreCase: [
    ['equalsIgnoreCase(src.userType, "admin")', true],
    ['equalsIgnoreCase("New  York", "new york")', true],
    ['equalsIgnoreCase(null, "")', true],
    ['equalsIgnoreCase("a", "b")', false],
  ],
  switch: [
    ['switch(trim(src.userType), "Viewer", "admin", "Admin", "manager", "Manager")', 'Admin'],
    ['switch("unknown", "Viewer", "admin", "Admin")', 'Viewer'],
    ['switch(null, "Viewer", "admin", "Admin")', 'Viewer'],
    ['switch(["admin", "user", "x"], "Viewer", "admin", "Admin", "user", "Contributor")', ['Admin', 'Contributor', 'Viewer']],
  ],
  containsSwitch: [
    ['containsSwitch(src.title, "Staff", "engineer", "Engineering", "legal", "Legal")', 'Engineering'],
    ['containsSwitch("Administrator", "Viewer", "admin", "Admin")', 'Admin'],
    ['containsSwitch("nothing", "Viewer", "admin", "Admin")', 'Viewer'],
  ],
  map: [
    ['map(trim(src.userType), {admin: "Admin", manager: "Manager"}, "Viewer")', 'Admin'],
    ['map("MANAGER", {admin: "Admin", manager: "Manager"}, "Viewer")', 'Manager'],
    ['map(" power   user ", {"Power User": "Contributor"})', 'Contributor'],
    ['map("other", {admin: "Admin"}, "Viewer")', 'Viewer'],
    ['map("other", {admin: "Admin"})', null],
    ['map(null, {admin: "Admin"}, "Viewer")', 'Viewer'],
    ['map("ADMIN", {admin: "Admin"}, "Viewer", "exact")', 'Viewer'],
    ['map("admin", {admin: "Admin"}, "Viewer", "exact")', 'Admin'],
    ['map(["admin", "viewer"], {admin: "Admin", viewer: "Viewer"})', ['Admin', 'Viewer']],
    ['map("a", {a: ["x", "y"]})', ['x', 'y']],
  ],
  optionList: [
    [`optionList(src["${CUSTOM}:region"], "region")`, 'Europe'],
    ['optionList("  emea ", "region")', 'Europe'],
    ['optionList("north   AMERICA", "region")', 'North America'],
    ['optionList("Nordics", "region")', 'Nordics'],
    ['optionList(["eu", "Mars"], "region")', ['Europe', 'Mars']],
    ['optionList("  ", "region")', null],
  ],
  lower: [
    ['lower(src.userName)', 'jane.doe@acme.com'],
    ['lower(src.emails.value)', ['home@example.org', 'jane.doe@acme.com']],
    ['lower(42)', '42'],
    ['lower(null)', null],
  ],
  upper: [['upper("Straße")', 'STRASSE']],
  trim: [
    ['trim(src.userType)', 'Admin'],
    ['trim(["  a ", " ", "b"])', ['a', 'b']],
  ],
  collapseWhitespace: [['collapseWhitespace(src.displayName)', 'Zoë Müller']],
  stripSpaces: [['stripSpaces(src.phoneNumbers[type eq "work"].value)', '+15550100']],
  title: [
    ['title("jean-luc o\'neil")', "Jean-Luc O'Neil"],
    ['title("JOHN SMITH")', 'John Smith'],
    ['title("a.b c", ".")', 'A.B C'],
  ],
  normalizeDiacritics: [
    ['normalizeDiacritics(src.name.familyName)', 'Muller-Ludenscheidt'],
    ['normalizeDiacritics("Øre Łódź Straße Æsir Œuvre Þór")', 'Ore Lodz Strasse AEsir OEuvre Thor'],
  ],
  slug: [['slug(" Zoë Müller / R&D ")', 'zoe-muller-r-d']],
  len: [
    ['len(src.name.givenName)', 3],
    ['len("😀a")', 2],
  ],
  left: [
    ['left(src.employeeNumber, 3)', null],
    [`left(src["${ENTERPRISE}:employeeNumber"], 3)`, '701'],
    ['left("ab", 5)', 'ab'],
    ['left("ab", -1)', ''],
    ['left("😀😀", 1)', '😀'],
  ],
  right: [
    ['right("20241231", 4)', '1231'],
    ['right("ab", 0)', ''],
  ],
  mid: [
    ['mid("abcdef", 2, 3)', 'bcd'],
    ['mid("abcdef", 4)', 'def'],
    ['mid("abcdef", 0, 2)', 'ab'],
    ['mid("abc", src.title)', null],
  ],
  word: [
    ['word(src.title, 2)', 'Engineer'],
    ['word("a;b,,c", 3)', 'c'],
    ['word("a-b-c", 2, "-")', 'b'],
    ['word("a b", 3)', null],
  ],
  substringBefore: [
    ['substringBefore(src.userName, "@")', 'Jane.Doe'],
    ['substringBefore("abc", "@")', 'abc'],
  ],
  substringAfter: [
    ['substringAfter(src.userName, "@")', 'Acme.com'],
    ['substringAfter("abc", "@")', null],
  ],
  startsWith: [
    ['startsWith(src.title, "senior")', true],
    ['startsWith(groups(), "app-mgr")', true],
    ['startsWith(src.missing, "")', false],
  ],
  endsWith: [
    ['endsWith(src.userName, "@ACME.COM")', true],
    ['endsWith(src.userName, "@example.org")', false],
  ],
  contains: [
    ['contains(src.title, "ENGINEER")', true],
    ['contains(groups(), "legal")', true],
    ['contains(["a", "b"], "c")', false],
    ['contains(null, "a")', false],
  ],
  append: [
    ['append(substringBefore(lower(src.userName), "@"), "@corp.example")', 'jane.doe@corp.example'],
    ['append(src.missing, "@x")', null],
  ],
  prepend: [['prepend(src.externalId, "aad:")', 'aad:ext-42']],
  replace: [
    ['replace(src.title, " ", "_")', 'Senior_Engineer'],
    ['replace("a.b.c", ".", "")', 'abc'],
    ['replace("abc", "", "x")', 'abc'],
  ],
  regexReplace: [
    ['regexReplace(src.displayName, /\\s+/, " ")', ' Zoë Müller '],
    ['regexReplace("Doe, Jane", /^(?<last>[^,]+),\\s*(?<first>.+)$/, "$<first> $<last>")', 'Jane Doe'],
    ['regexReplace("a1b22", "\\\\d+", "#")', 'a#b#'],
  ],
  regexExtract: [
    ['regexExtract(src.userName, /^([^@]+)@/)', 'Jane.Doe'],
    ['regexExtract(src.userName, /@(.+)$/, 1)', 'Acme.com'],
    ['regexExtract("CN=Jane,OU=Legal", /OU=(?<ou>[^,]+)/, "ou")', 'Legal'],
    ['regexExtract("abc123", /\\d+/)', '123'],
    ['regexExtract("abc", /\\d+/)', null],
    ['regexExtract("abc", /(b)/, 5)', null],
  ],
  regexMatch: [
    ['regexMatch(src.userName, /@acme\\.com$/i)', true],
    ['regexMatch(src.emails.value, /example\\.org$/)', true],
    ['regexMatch(src.missing, /x/)', false],
  ],
  template: [
    ['template("{name.givenName}.{name.familyName}@acme.com")', 'Zoë.Müller-Lüdenscheidt@acme.com'],
    ['lower(normalizeDiacritics(template("{name.givenName}.{name.familyName}")))', 'zoe.muller-ludenscheidt'],
    ['template("{emails[type eq \\"work\\"].value}")', 'Jane.Doe@Acme.com'],
    [`template("{${ENTERPRISE}:department} ({${CUSTOM}:region})")`, 'Legal (europe)'],
    ['template("{given}-{n}", {given: lower(src.name.givenName), n: 7})', 'zoë-7'],
    ['template("{name.givenName}.{nickName}")', null],
    ['template("{{literal}} {title}")', '{literal} Senior Engineer'],
  ],
  join: [
    ['join([src.name.givenName, src.missing, src.name.familyName], " ")', 'Zoë Müller-Lüdenscheidt'],
    ['join(src.emails.value, ";")', 'home@example.org;Jane.Doe@Acme.com'],
    ['join([], ",")', null],
  ],
  split: [
    ['split("a, b,,c", ",")', ['a', ' b', 'c']],
    ['split("ab", "")', ['a', 'b']],
    ['split(null, ",")', []],
  ],
  first: [
    ['first(src.emails.value)', 'home@example.org'],
    ['first(["", null, "x"])', 'x'],
    ['first("solo")', 'solo'],
  ],
  last: [['last(src.emails.value)', 'Jane.Doe@Acme.com']],
  item: [
    ['item(src.emails.value, 2)', 'Jane.Doe@Acme.com'],
    ['item(src.emails.value, 3)', null],
    ['item(src.emails.value, 0)', null],
  ],
  count: [
    ['count(src.emails)', 2],
    ['count(src.missing)', 0],
    ['count("x")', 1],
    ['count(["a", "", null])', 1],
  ],
  unique: [
    ['unique(["Admin", "admin", "Viewer", "", "Viewer"])', ['Admin', 'Viewer']],
    ['unique([1, 1, 2])', [1, 2]],
  ],
  groups: [['groups()', GROUPS.map((group) => group.displayName)]],
  memberOf: [
    ['memberOf("app-admins")', true],
    ['memberOf("g-2")', true],
    ['memberOf("aad-3")', true],
    ['memberOf("G-2")', false],
    ['memberOf(/^App-Mgr-/)', true],
    ['memberOf(/^app-mgr-/)', false],
    ['memberOf("nobody")', false],
  ],
  groupsMatching: [
    ['groupsMatching(/^App-/)', ['App-Admins', 'App-Mgr-East']],
    ['groupsMatching(/^x/)', []],
  ],
  // Typed explicitly: a key named toString loses the record's contextual type.
  toString: [
    ['toString(42)', '42'],
    ['toString(true)', 'true'],
    [`toString(src["${ENTERPRISE}:manager"])`, 'm-7'],
    ['toString(src.name)', null],
  ] satisfies Row[],
  toInt: [
    [`toInt(src["${CUSTOM}:level"])`, 7],
    ['toInt(" 4.9 ")', 4],
    ['toInt("-3")', -3],
    ['toInt("x")', null],
    ['toInt("1e30")', null],
  ],
  toNumber: [
    ['toNumber("4.5")', 4.5],
    ['toNumber(".5")', 0.5],
    ['toNumber("4,5")', null],
    ['toNumber(true)', null],
  ],
  toBool: [
    [`toBool(src["${CUSTOM}:remote"])`, true],
    ['toBool("OFF")', false],
    ['toBool(0)', false],
    ['toBool("maybe")', null],
    ['toBool(["yes", "no"])', [true, false]],
  ],
  parseDate: [
    [`parseDate(src["${CUSTOM}:startDate"], "dd/MM/yyyy")`, '2024-12-31'],
    ['parseDate("2024-02-29")', '2024-02-29'],
    ['parseDate("2023-02-29")', null],
    ['parseDate("2024-03-01T10:15:00+02:00")', '2024-03-01T08:15:00Z'],
    ['parseDate("2024-03-01 10:15")', '2024-03-01T10:15:00Z'],
    ['parseDate("1700000000", "unix")', '2023-11-14T22:13:20Z'],
    ['parseDate("March 5, 99", "MMMM d, yy")', '1999-03-05'],
    ['parseDate("31.12.2024 23:59:58.250", "dd.MM.yyyy HH:mm:ss.SSS")', '2024-12-31T23:59:58.250Z'],
    ['parseDate("13/13/2024", "dd/MM/yyyy")', null],
  ],
  formatDate: [
    ['formatDate("2024-12-31", "dd.MM.yyyy")', '31.12.2024'],
    ['formatDate("2024-03-01T08:15:00Z", "yyyy-MM-dd\'T\'HH:mm")', '2024-03-01T08:15'],
    ['formatDate("2024-03-05", "MMM d, yy")', 'Mar 5, 24'],
    ['formatDate("2024-03-05", "\'Q\' M")', 'Q 3'],
    ['formatDate("1970-01-02", "unix")', '86400'],
    ['formatDate("not a date", "yyyy")', null],
  ],
};

describe('expression functions', () => {
  describe.each(Object.entries(CASES))('%s', (_name, rows) => {
    it.each(rows)('%s', (expression, expected) => {
      expect(evaluate(expression)).toEqual(expected);
    });
  });

  it('has cases for every function of the library', () => {
    const untested = listFunctions()
      .map((spec) => spec.name)
      .filter((name) => CASES[name] === undefined);
    expect(untested).toEqual([]);
  });

  it('documents every function', () => {
    for (const spec of listFunctions()) expect(spec.summary.length).toBeGreaterThan(10);
  });

  describe('operators', () => {
    it.each<Row>([
      ['src.title == "Senior Engineer"', true],
      ['src.title == "senior engineer"', false],
      ['src.missing == ""', true],
      ['src.missing != null', false],
      ['[1, 2] == [1, 2]', true],
      ['1 == "1"', false],
      ['count(src.emails) > 1', true],
      ['"b" > "a"', true],
      ['"2024-01-02" >= "2024-01-01"', true],
      ['1 < "2"', false],
      ['src.missing < 1', false],
      ['not src.missing', true],
      ['true and src.missing', false],
      ['src.missing or src.active', true],
    ])('%s', (expression, expected) => {
      expect(evaluate(expression)).toEqual(expected);
    });
  });

  it('reads value in a pipe step', () => {
    expect(evaluate('if(isEmail(value), lower(value))', { value: 'A@B.CO' })).toBe('a@b.co');
    expect(evaluate('template("{value}@acme.com")', { value: 'jdoe' })).toBe('jdoe@acme.com');
  });

  it('reports an option list that rejects a value', () => {
    const strict = { key: 'region', values: [{ value: 'Europe' }], onUnknown: 'reject' as const };
    expect(evaluate('optionList("Mars", "region")', { optionLists: [strict] })).toEqual({ failure: expect.stringContaining('"Mars" rejected by region') });
  });
});
