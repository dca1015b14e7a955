/** Shared inputs and helpers of the mapping engine's unit tests. */
import { checkExpression, type CheckIssue } from '../../../src/domain/mapping/check-expression';
import { evaluateExpression, StepBudget } from '../../../src/domain/mapping/evaluate-expression';
import type { ExpressionNode, StaticType } from '../../../src/domain/mapping/expression-ast';
import { EvaluationFailure, type MappingGroup } from '../../../src/domain/mapping/expression-functions';
import { parseExpression } from '../../../src/domain/mapping/expression-parser';
import type { MappingValue } from '../../../src/domain/mapping/mapping-values';
import { resolveOption, type OptionList } from '../../../src/domain/mapping/option-list';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CUSTOM = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

/** A normalised raw user: canonical names, extension blocks under their URN, manager as {value}. */
export const RAW_USER = {
  schemas: [CORE_USER, ENTERPRISE, CUSTOM],
  id: 'u-1',
  externalId: 'ext-42',
  userName: 'Jane.Doe@Acme.com',
  name: { givenName: 'Zoë', familyName: 'Müller-Lüdenscheidt', formatted: 'Zoë Müller' },
  displayName: '  Zoë   Müller ',
  title: 'Senior Engineer',
  userType: ' Admin ',
  active: true,
  emails: [
    { value: 'home@example.org', type: 'home' },
    { value: 'Jane.Doe@Acme.com', type: 'work', primary: true },
  ],
  phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
  addresses: [{ type: 'work', locality: 'Berlin', country: 'DE' }],
  [ENTERPRISE]: { department: 'Legal', costCenter: '4130', employeeNumber: '701984', manager: { value: 'm-7', displayName: 'Boss' } },
  [CUSTOM]: { region: 'europe', businessUnit: 'IT', startDate: '31/12/2024', level: '7', remote: 'yes' },
};

export const GROUPS: readonly MappingGroup[] = [
  { id: 'g-1', externalId: 'aad-1', displayName: 'App-Admins' },
  { id: 'g-2', externalId: null, displayName: 'App-Mgr-East' },
  { id: 'g-3', externalId: 'aad-3', displayName: 'Legal' },
];

export const REGION_LIST: OptionList = {
  key: 'region',
  values: [{ value: 'Europe', aliases: ['EMEA', 'EU'] }, { value: 'North America' }],
  onUnknown: 'addValue',
};

export interface EvaluateOptions {
  readonly raw?: Record<string, unknown>;
  readonly value?: MappingValue;
  readonly groups?: readonly MappingGroup[];
  readonly optionLists?: readonly OptionList[];
  readonly budget?: number;
}

/** Parses, checks and evaluates an expression; throws on any static error, returns the evaluation failure's message as `{ failure }`. */
export function evaluate(text: string, options: EvaluateOptions = {}): MappingValue | { failure: string } {
  const root = checked(text, options.value === undefined ? undefined : 'any');
  const lists = options.optionLists ?? [REGION_LIST];
  try {
    return evaluateExpression(root, {
      raw: (options.raw ?? RAW_USER) as MappingValue,
      value: options.value ?? null,
      groups: options.groups ?? GROUPS,
      schemaUrns: [ENTERPRISE, CUSTOM],
      meter: new StepBudget(options.budget ?? 20_000),
      resolveOption: (listKey, input) => {
        const list = lists.find((candidate) => candidate.key === listKey);
        const resolution = list === undefined ? undefined : resolveOption(list, input);
        if (resolution === undefined || resolution.kind === 'rejected') throw new EvaluationFailure(`"${input}" rejected by ${listKey}`);
        return resolution.kind === 'nulled' ? null : resolution.value;
      },
    });
  } catch (error) {
    if (error instanceof EvaluationFailure) return { failure: error.message };
    throw error;
  }
}

export function checked(text: string, valueType?: StaticType): ExpressionNode {
  const parsed = parseExpression(text, { schemaUrns: [ENTERPRISE, CUSTOM] });
  if (!parsed.ok) throw new Error(`${text}: ${parsed.issue.message} at ${parsed.issue.offset}`);
  const result = checkExpression(parsed.expression.root, environment(valueType));
  const errors = result.issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) throw new Error(`${text}: ${errors.map((issue) => issue.message).join('; ')}`);
  return result.root;
}

/** The static issues of an expression, and its result type. */
export function check(text: string, valueType?: StaticType): { issues: readonly CheckIssue[]; type: StaticType } {
  const parsed = parseExpression(text, { schemaUrns: [ENTERPRISE, CUSTOM] });
  if (!parsed.ok) throw new Error(`${text}: ${parsed.issue.message}`);
  const result = checkExpression(parsed.expression.root, environment(valueType));
  return { issues: result.issues, type: result.type };
}

function environment(valueType: StaticType | undefined) {
  return {
    schemaUrns: [ENTERPRISE, CUSTOM],
    hasOptionList: (key: string) => key === 'region' || key === 'businessUnit',
    ...(valueType === undefined ? {} : { valueType }),
  };
}
