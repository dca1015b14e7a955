import {
  checkDomainSchema,
  coerceFieldValue,
  validateFieldValue,
  type DomainField,
  type DomainSchema,
} from '../../../src/domain/mapping/domain-schema';
import type { DomainValue, MappingValue } from '../../../src/domain/mapping/mapping-values';
import { createDefaultDomainSchema, createDefaultOptionLists } from '../../../src/domain/mapping/presets';
import { CUSTOM, ENTERPRISE, REGION_LIST } from './mapping-fixtures';

const costCenter: DomainField = { key: 'costCenter', label: 'Cost center', type: 'text', validators: { pattern: '^[0-9]{4}$' } };
const nickname: DomainField = { key: 'nickname', label: 'Nickname', type: 'text', required: true, validators: { minLength: 2, maxLength: 5 } };
const email: DomainField = { key: 'email', label: 'Email', type: 'text', validators: { format: 'email' } };
const level: DomainField = { key: 'level', label: 'Level', type: 'number', validators: { min: 1, max: 10, integer: true } };
const remote: DomainField = { key: 'remote', label: 'Remote', type: 'boolean' };
const startDate: DomainField = { key: 'startDate', label: 'Start date', type: 'date' };
const region: DomainField = { key: 'region', label: 'Region', type: 'option', optionList: 'region' };
const roles: DomainField = { key: 'appRoles', label: 'Roles', type: 'enum', multiValued: true, values: ['Admin', 'Viewer'], validators: { maxItems: 2 } };
const skills: DomainField = { key: 'skills', label: 'Skills', type: 'text', multiValued: true };

describe('domain schema', () => {
  describe('validateFieldValue names the field and the problem', () => {
    it.each<[DomainField, DomainValue, string | undefined]>([
      [costCenter, '4130', undefined],
      [costCenter, '12a', `Field 'costCenter' (Cost center): "12a" does not match the pattern ^[0-9]{4}$`],
      [nickname, null, `Field 'nickname' (Nickname) is required`],
      [nickname, 'J', `Field 'nickname' (Nickname): "J" is shorter than 2 characters`],
      [nickname, 'Joanna', `Field 'nickname' (Nickname): "Joanna" is longer than 5 characters`],
      [nickname, 'a\nb', `Field 'nickname' (Nickname): "a\\nb" spans several lines; the field holds one line`],
      [email, 'jo@acme.com', undefined],
      [email, 'jo', `Field 'email' (Email): "jo" is not an email address`],
      [level, 7, undefined],
      [level, 11, `Field 'level' (Level): 11 is more than the maximum 10`],
      [level, 0, `Field 'level' (Level): 0 is less than the minimum 1`],
      [level, 2.5, `Field 'level' (Level): 2.5 is not a whole number`],
      [level, '7', `Field 'level' (Level): "7" is not a number`],
      [remote, 'yes', `Field 'remote' (Remote): "yes" is not true or false`],
      [startDate, '2024-02-30', `Field 'startDate' (Start date): "2024-02-30" is not an ISO 8601 date`],
      [startDate, '2024-02-29', undefined],
      [region, 'Europe', undefined],
      [region, 'Mars', `Field 'region' (Region): "Mars" is not a value of option list 'region'`],
      [roles, ['Admin'], undefined],
      [roles, ['Owner'], `Field 'appRoles' (Roles): "Owner" is not one of Admin, Viewer`],
      [roles, 'Admin', `Field 'appRoles' (Roles) takes a list of values`],
      [roles, ['Admin', 'Viewer', 'Admin'], `Field 'appRoles' (Roles) takes at most 2 values, got 3`],
      [skills, ['a', 'b'], undefined],
      [costCenter, ['4130'], `Field 'costCenter' (Cost center) takes one value, not a list`],
    ])('%s = %j', (field, value, expected) => {
      expect(validateFieldValue(field, value, [REGION_LIST])).toBe(expected);
    });

    it('caps text at 2048 characters unless the field says otherwise', () => {
      const plain: DomainField = { key: 'note', label: 'note', type: 'text' };
      expect(validateFieldValue(plain, 'y'.repeat(2048))).toBeUndefined();
      expect(validateFieldValue(plain, 'y'.repeat(2049))).toBe(`Field 'note': "${'y'.repeat(59)}... is longer than 2048 characters`);
    });
  });

  describe('coerceFieldValue converts what a rule produced to the field type', () => {
    it.each<[DomainField, MappingValue, DomainValue | string]>([
      [level, '7', 7],
      [level, ' 7.5 ', 7.5],
      [level, 'seven', `error: Field 'level' (Level): "seven" is not a number`],
      [remote, 'True', true],
      [remote, false, false],
      [remote, 'yes', `error: Field 'remote' (Remote): "yes" is not true or false`],
      [startDate, '2024-03-01T10:15:00+02:00', '2024-03-01T08:15:00Z'],
      [startDate, '01/03/2024', `error: Field 'startDate' (Start date): "01/03/2024" is not an ISO 8601 date (YYYY-MM-DD or a date-time)`],
      [costCenter, 4130, '4130'],
      [costCenter, ['4130'], '4130'],
      [costCenter, ['4130', '4130'], '4130'],
      [costCenter, ['1', '2'], `error: Field 'costCenter' (Cost center) takes one value, but the rule produced 2 (["1","2"]); pick one with first(...) or a filter`],
      [costCenter, { value: 'm-1' }, 'm-1'],
      [costCenter, '', null],
      [roles, 'admin', ['Admin']],
      [roles, ['VIEWER', 'admin', 'Admin'], ['Viewer', 'Admin']],
      [roles, ['Owner'], `error: Field 'appRoles' (Roles): "Owner" is not one of Admin, Viewer`],
      [skills, [], null],
      [region, true, `error: Field 'region' (Region): true is not text`],
    ])('%s <- %j', (field, value, expected) => {
      const result = coerceFieldValue(field, value);
      expect(result.ok ? result.value : `error: ${result.message}`).toEqual(expected);
    });
  });

  describe('checkDomainSchema', () => {
    const lists = createDefaultOptionLists();

    it('accepts the default schema', () => {
      expect(checkDomainSchema(createDefaultDomainSchema(CUSTOM), lists)).toEqual([]);
    });

    it.each<[Partial<DomainSchema> & { fields?: DomainField[] }, string]>([
      [{ customSchemaUrn: 'acme' }, "customSchemaUrn 'acme' is not a URN"],
      [{ fields: [{ key: 'Bad Key', label: 'x', type: 'text' }] }, "field key 'Bad Key' must start with a lower-case letter"],
      [{ fields: [{ key: 'a', label: 'A', type: 'text' }, { key: 'A', label: 'B', type: 'text' }] }, "field key 'A' is already used by 'a'"],
      [{ fields: [{ key: 'a', label: ' ', type: 'text' }] }, "field 'a' needs a label"],
      [{ fields: [{ key: 'a', label: 'A', type: 'blob' as 'text' }] }, "field 'a' has unknown type 'blob'"],
      [{ fields: [{ key: 'email', label: 'Email', type: 'number' }] }, "built-in field 'email' must stay text field"],
      [{ fields: [{ key: 'appRoles', label: 'Roles', type: 'enum', values: ['A'] }] }, "built-in field 'appRoles' must stay a multi-valued enum field"],
      [{ fields: [{ key: 'mine', label: 'Mine', type: 'text', builtIn: true }] }, "'mine' is not a built-in field"],
      [{ fields: [{ key: 'flags', label: 'Flags', type: 'boolean', multiValued: true }] }, 'a boolean field cannot be multi-valued'],
      [{ fields: [{ key: 'site', label: 'Site', type: 'option' }] }, "option field 'site' needs an optionList"],
      [{ fields: [{ key: 'site', label: 'Site', type: 'option', optionList: 'sites' }] }, "there is no option list 'sites'"],
      [{ fields: [{ key: 'site', label: 'Site', type: 'text', optionList: 'region' }] }, 'only option fields take an optionList'],
      [{ fields: [{ key: 'tier', label: 'Tier', type: 'enum' }] }, "enum field 'tier' needs its values"],
      [{ fields: [{ key: 'tier', label: 'Tier', type: 'enum', values: ['Gold', 'gold'] }] }, "enum field 'tier' repeats a value"],
      [{ fields: [{ key: 'tier', label: 'Tier', type: 'text', values: ['Gold'] }] }, 'only enum fields take values'],
      [{ fields: [{ key: 'n', label: 'N', type: 'number', validators: { maxLength: 3 } }] }, 'length, pattern and format validators apply to text fields only'],
      [{ fields: [{ key: 't', label: 'T', type: 'text', validators: { max: 3 } }] }, 'min, max and integer validators apply to number fields only'],
      [{ fields: [{ key: 't', label: 'T', type: 'text', validators: { maxItems: 3 } }] }, 'maxItems applies to multi-valued fields only'],
      [{ fields: [{ key: 't', label: 'T', type: 'text', validators: { minLength: 5, maxLength: 3 } }] }, 'minLength is greater than maxLength'],
      [{ fields: [{ key: 'n', label: 'N', type: 'number', validators: { min: 5, max: 3 } }] }, 'min is greater than max'],
      [{ fields: [{ key: 't', label: 'T', type: 'text', validators: { pattern: '(a' } }] }, "field 't': invalid pattern: missing ')'"],
      [{ fields: [{ key: 't', label: 'T', type: 'text', scim: { path: 'urn:other:2.0:User:t' } }] }, `must be under ${ENTERPRISE} or the tenant's extension`],
      [{ fields: [{ key: 't', label: 'T', type: 'text', scim: { path: `${CUSTOM}:bad name` } }] }, "'bad name' is not a SCIM attribute name"],
      [
        {
          fields: [
            { key: 'a', label: 'A', type: 'text', scim: { path: `${CUSTOM}:x` } },
            { key: 'b', label: 'B', type: 'text', scim: { path: `${CUSTOM}:X` } },
          ],
        },
        `SCIM path ${CUSTOM}:X is already used by 'a'`,
      ],
    ])('%j', (change, problem) => {
      const schema: DomainSchema = { customSchemaUrn: change.customSchemaUrn ?? CUSTOM, fields: change.fields ?? [] };
      expect(checkDomainSchema(schema, lists).map((issue) => issue.message)).toContainEqual(expect.stringContaining(problem));
    });

    it('reports option list problems too', () => {
      const issues = checkDomainSchema({ customSchemaUrn: CUSTOM, fields: [] }, [{ key: 'region', values: [], onUnknown: 'mapTo:Other' }]);
      expect(issues).toEqual([{ message: `option list 'region': mapTo target "Other" is not one of its values` }]);
    });
  });
});
