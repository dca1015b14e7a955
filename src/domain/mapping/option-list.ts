/**
 * Option lists: the tenant's vocabulary for dropdown fields (business unit, region, ...). A value
 * matches an option or one of its aliases ignoring case and spacing ("  europe " is "Europe"); what
 * happens to an unknown value is the list's policy:
 * - `addValue`: it becomes a new option, spelled as sent (trimmed, spaces collapsed), and is reported
 *   so the caller records who/when/which request and queues it for review (the seeds' behaviour);
 * - `reject`: the write fails, naming the field and the rule;
 * - `keepNull`: the field gets no value;
 * - `mapTo:<value>`: a fixed option stands in (e.g. `mapTo:Other`).
 */
import { collapseWhitespace, foldForMatching } from './mapping-values';

export type UnknownOptionPolicy = 'addValue' | 'reject' | 'keepNull' | `mapTo:${string}`;

export interface OptionValue {
  readonly value: string;
  readonly aliases?: readonly string[];
}

export interface OptionList {
  readonly key: string;
  readonly label?: string;
  readonly values: readonly OptionValue[];
  readonly onUnknown: UnknownOptionPolicy;
}

export type OptionResolution =
  | { readonly kind: 'matched'; readonly value: string }
  | { readonly kind: 'added'; readonly value: string }
  | { readonly kind: 'mapped'; readonly value: string }
  | { readonly kind: 'nulled' }
  | { readonly kind: 'rejected'; readonly message: string };

const MAP_TO_PREFIX = 'mapTo:';
const OPTION_LIST_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Folded option or alias -> canonical option; built once per list object. */
const indexes = new WeakMap<OptionList, ReadonlyMap<string, string>>();

function indexOf(list: OptionList): ReadonlyMap<string, string> {
  let index = indexes.get(list);
  if (index === undefined) {
    const built = new Map<string, string>();
    for (const option of list.values) {
      for (const spelling of [option.value, ...(option.aliases ?? [])]) {
        const folded = foldForMatching(spelling);
        if (!built.has(folded)) built.set(folded, option.value);
      }
    }
    index = built;
    indexes.set(list, index);
  }
  return index;
}

/** The canonical option `text` names (by value or alias, ignoring case and spacing), if any. */
export function matchOption(list: OptionList, text: string): string | undefined {
  return indexOf(list).get(foldForMatching(text));
}

/** The target of a `mapTo:<value>` policy, or undefined for the other policies. */
export function mapToTarget(policy: UnknownOptionPolicy): string | undefined {
  return policy.startsWith(MAP_TO_PREFIX) ? policy.slice(MAP_TO_PREFIX.length) : undefined;
}

/**
 * Resolves `text` against `list`. `pendingAdditions` are values already added earlier in the same
 * evaluation, so "Nordics" then "nordics" add one option, not two.
 */
export function resolveOption(list: OptionList, text: string, pendingAdditions: readonly string[] = []): OptionResolution {
  const matched = matchOption(list, text);
  if (matched !== undefined) return { kind: 'matched', value: matched };
  const folded = foldForMatching(text);
  const pending = pendingAdditions.find((addition) => foldForMatching(addition) === folded);
  if (pending !== undefined) return { kind: 'matched', value: pending };

  const target = mapToTarget(list.onUnknown);
  if (target !== undefined) return { kind: 'mapped', value: matchOption(list, target) ?? target };
  switch (list.onUnknown) {
    case 'addValue':
      return { kind: 'added', value: collapseWhitespace(text) };
    case 'keepNull':
      return { kind: 'nulled' };
    default:
      return { kind: 'rejected', message: `"${collapseWhitespace(text)}" is not a value of option list '${list.key}'` };
  }
}

export function isUnknownOptionPolicy(policy: unknown): policy is UnknownOptionPolicy {
  return (
    policy === 'addValue' ||
    policy === 'reject' ||
    policy === 'keepNull' ||
    (typeof policy === 'string' && policy.startsWith(MAP_TO_PREFIX) && policy.length > MAP_TO_PREFIX.length)
  );
}

/** Problems with an option list definition: bad key or policy, clashing spellings, a mapTo target that is no option. */
export function checkOptionList(list: OptionList): string[] {
  const problems: string[] = [];
  if (!OPTION_LIST_KEY.test(list.key)) problems.push(`option list key '${list.key}' must be a letter followed by letters, digits, _ or -`);
  if (!isUnknownOptionPolicy(list.onUnknown)) {
    problems.push(`option list '${list.key}': onUnknown must be addValue, reject, keepNull or mapTo:<value>, not '${String(list.onUnknown)}'`);
  }
  const owners = new Map<string, string>();
  for (const option of list.values) {
    if (collapseWhitespace(option.value) === '') problems.push(`option list '${list.key}' has an empty value`);
    for (const spelling of [option.value, ...(option.aliases ?? [])]) {
      const folded = foldForMatching(spelling);
      const owner = owners.get(folded);
      if (owner !== undefined && owner !== option.value) {
        problems.push(`option list '${list.key}': "${spelling}" of "${option.value}" already names "${owner}" (spellings match ignoring case and spacing)`);
      } else owners.set(folded, option.value);
    }
  }
  const target = mapToTarget(list.onUnknown);
  if (target !== undefined && matchOption(list, target) === undefined) {
    problems.push(`option list '${list.key}': mapTo target "${target}" is not one of its values`);
  }
  return problems;
}
