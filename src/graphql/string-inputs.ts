import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { containsNul, exceedsMaxStringBytes, MAX_STRING_BYTES } from '../domain/string-limits';
import { MAX_JSON_DEPTH } from '../http/json-depth';

/**
 * Class extensions of an input type naming its fields that take a whole document (a YAML mapping file, a
 * JSON definition): the request body limit bounds them, not MAX_STRING_BYTES per string. On the class,
 * because type-graphql drops field extensions of inherited fields and keeps inherited class extensions.
 */
export function textDocumentFields(...names: string[]): { textDocumentFields: string[] } {
  return { textDocumentFields: names };
}

export function isTextDocument(type: GraphQLInputObjectType, field: GraphQLInputField): boolean {
  const names = type.extensions.textDocumentFields;
  return Array.isArray(names) && names.includes(field.name);
}

/** An argument of the operation (or of a fragment it may spread) with its definition. */
interface ArgumentUse {
  /** How the error names it. */
  readonly label: string;
  readonly definition: GraphQLArgument;
  readonly node: ArgumentNode;
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** The problem with the first string (value or object key) of `value` that breaks the limits, if any. */
function stringProblem(value: unknown, path: string, textDocument: boolean, depth = 0): string | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return `${path}: strings cannot contain NUL (\\u0000)`;
    if (!textDocument && exceedsMaxStringBytes(value)) return `${path}: strings are at most ${MAX_STRING_BYTES} bytes of UTF-8`;
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  // Subscription messages reach here without the HTTP body's depth check; a 10,000-deep value must stay a 400.
  if (depth > MAX_JSON_DEPTH) return `${path}: values nest deeper than ${MAX_JSON_DEPTH} levels`;
  if (textDocument) return containsNul(value) ? `${path}: strings cannot contain NUL (\\u0000)` : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = stringProblem(item, `${path}[${index}]`, false, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = stringProblem(key, `${path} (a key)`, false) ?? stringProblem(item, `${path}.${key}`, false, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Walks `value` along its input type, so that document fields (TEXT_DOCUMENT) are told apart. */
function inputProblem(value: unknown, type: GraphQLInputType, path: string, textDocument: boolean, depth = 0): string | undefined {
  if (textDocument || depth > MAX_JSON_DEPTH) return stringProblem(value, path, textDocument, depth);
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = inputProblem(item, nullable.ofType, `${path}[${index}]`, false, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isInputObjectType(nullable) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const fields = nullable.getFields();
    for (const [key, item] of Object.entries(value)) {
      const field = fields[key];
      // An unknown field is refused by coercion; its strings are still checked first.
      const problem = field ? inputProblem(item, field.type, `${path}.${key}`, isTextDocument(nullable, field), depth + 1) : stringProblem(item, `${path}.${key}`, false, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return stringProblem(value, path, false, depth);
}

/**
 * Refuses an operation any of whose string arguments (literals or variables, however deep in input
 * objects and JSON values) holds a NUL or, outside whole documents, more than MAX_STRING_BYTES: BAD_USER_INPUT
 * before any resolver runs, so no such string reaches storage or a query (PostgreSQL fails on both:
 * 22021 for NUL, a btree entry too large for a long indexed value) and the client learns which argument.
 * Used by the HTTP endpoint (as an Apollo plugin) and by subscription sockets.
 */
export class StringInputChecker {
  /** The arguments of each parsed document's operations: Apollo hands the same document object to every request with the same text. */
  private readonly usesByDocument = new WeakMap<DocumentNode, Map<OperationDefinitionNode, ArgumentUse[]>>();

  constructor(private readonly schema: GraphQLSchema) {}

  check(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined): GraphQLError | undefined {
    const values: Record<string, unknown> = {};
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      values[name] = variables && name in variables ? variables[name] : definition.defaultValue && valueFromASTUntyped(definition.defaultValue);
    }
    for (const use of this.argumentUses(document, operation)) {
      const problem = inputProblem(valueFromASTUntyped(use.node.value, values), use.definition.type, use.node.name.value, false);
      if (problem) return badInput(`${use.label}, ${problem}`);
    }
    return undefined;
  }

  /** An Apollo plugin running the check once the operation is validated and resolved. */
  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ request, document, operation }) => {
          const error = operation && this.check(document, operation, request.variables);
          if (error) throw error;
        },
      }),
    };
  }

  /** Every argument in the operation and in the document's fragments, with the field or directive it belongs to. */
  private argumentUses(document: DocumentNode, operation: OperationDefinitionNode): ArgumentUse[] {
    const byOperation = this.usesByDocument.get(document) ?? new Map<OperationDefinitionNode, ArgumentUse[]>();
    this.usesByDocument.set(document, byOperation);
    const known = byOperation.get(operation);
    if (known) return known;
    const uses: ArgumentUse[] = [];
    const typeInfo = new TypeInfo(this.schema);
    const collect = visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const definition = typeInfo.getArgument();
        const owner = typeInfo.getDirective()?.name ?? typeInfo.getFieldDef()?.name;
        if (definition) uses.push({ label: `argument "${node.name.value}" of "${owner}"`, definition, node });
        return false;
      },
    });
    visit(operation, collect);
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
    byOperation.set(operation, uses);
    return uses;
  }
}
