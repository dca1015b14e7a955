/**
 * The mapping work whose cost a tenant's input decides, run on the offload pool's worker threads (see
 * offload-pool.ts): parsing a mapping file, compiling a mapping set, and a dry run of one over payloads.
 * Inputs and results are plain data (structured clone); a compiled mapping set stays in the thread.
 */
import { applyMapping } from '../../domain/mapping/apply-mapping';
import { compileMappingSet } from '../../domain/mapping/compile-mapping-set';
import type { DomainSchema } from '../../domain/mapping/domain-schema';
import type { MappingIssue, MappingSetDefinition } from '../../domain/mapping/mapping-set';
import type { DomainValue } from '../../domain/mapping/mapping-values';
import type { OptionList } from '../../domain/mapping/option-list';
import { parseMappingFile, type ParsedMappingFile } from '../mapping-file';
import type { PreviewPayload, PreviewResult } from '../mapping-lifecycle.service';

export interface CompileInput {
  readonly definition: MappingSetDefinition;
  readonly schema: DomainSchema;
  readonly optionLists: readonly OptionList[];
}

export interface PreviewInput extends CompileInput {
  readonly mappingVersion: number;
  readonly payloads: readonly PreviewPayload[];
}

export type PreviewOutput = { readonly ok: true; readonly results: PreviewResult[] } | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export function parseMappingText(text: string): ParsedMappingFile {
  return parseMappingFile(text);
}

/** The compile errors of a definition (none: it compiles). */
export function compileErrors(input: CompileInput): readonly MappingIssue[] {
  const result = compileMappingSet(input.definition, input.schema, input.optionLists);
  return result.ok ? [] : result.errors;
}

/** Maps each payload's resources in order, as a SCIM write would, each request seeing the values the previous left. */
export function previewPayloads(input: PreviewInput): PreviewOutput {
  const compiled = compileMappingSet(input.definition, input.schema, input.optionLists);
  if (!compiled.ok) return { ok: false, errors: compiled.errors };
  const mapValues = (raw: Record<string, unknown>, current: Record<string, DomainValue>, isCreate: boolean) =>
    applyMapping(compiled.mappingSet, { raw, groups: [], current, isCreate }, { optionLists: input.optionLists, mappingVersion: input.mappingVersion });
  const results = input.payloads.map((payload): PreviewResult => {
    let current: Record<string, DomainValue> =
      payload.initial === undefined ? {} : Object.fromEntries(Object.entries(mapValues(payload.initial, {}, true).values).map(([field, mapped]) => [field, mapped.value]));
    const steps = payload.resources.map((raw, index) => {
      const result = mapValues(raw, current, index === 0 && payload.initial === undefined);
      const values = Object.fromEntries(Object.entries(result.values).map(([field, mapped]) => [field, mapped.value]));
      // As mapAndStore does: fields the mapping did not write keep their values for the next request.
      current = { ...current, ...values };
      return { values: { ...current }, errors: result.errors, optionAdditions: result.optionAdditions, trace: result.trace };
    });
    return { ...(payload.label !== undefined ? { label: payload.label } : {}), steps };
  });
  return { ok: true, results };
}
