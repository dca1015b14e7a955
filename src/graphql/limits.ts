import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export interface GraphqlLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  /** Largest query cost: fields cost 1, connections multiply what one item costs by the page size asked for. */
  readonly maxCost: number;
}

/** Directives have no use in our operations beyond @include/@skip; a query needs very few. */
const MAX_DIRECTIVES = 20;

/**
 * graphql-armor's depth, alias and directive limits (validation rules): an abusive document is refused
 * before any resolver runs. Two of armor's protections are off:
 * - its token limit throws from an Apollo plugin hook, which Apollo 5 answers as a 500; graphql-js's own
 *   parser limit (`parseOptions.maxTokens`, see graphql-server.ts) stops the same documents with a 400
 *   and without a second pass over the source;
 * - its cost limit ignores page sizes, which is what costs here; `costLimitPlugin` prices those instead.
 */
export function armorProtection(limits: GraphqlLimits): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[] } {
  const { plugins, validationRules } = new ApolloArmor({
    maxTokens: { enabled: false },
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: MAX_DIRECTIVES },
    costLimit: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors hides suggestions (configurable), see graphql-server.ts.
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return { plugins: plugins as ApolloServerPlugin[], validationRules };
}

/**
 * Prices the operation with the variables it was sent with (page sizes are often variables), after
 * validation and before execution, and refuses it above `maxCost`. An operation without variables has
 * one price: it is kept per parsed document (Apollo hands the same document object to every request
 * with the same text), so a repeated query is priced once.
 */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();
  const price = (document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number =>
    getComplexity({ schema, query: document, operationName, variables, estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })] });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          const operationName = request.operationName ?? undefined;
          const fixed = operation !== undefined && (operation.variableDefinitions ?? []).length === 0;
          let cost = fixed ? fixedCosts.get(document)?.get(operationName ?? '') : undefined;
          if (cost === undefined) {
            try {
              cost = price(document, operationName, request.variables ?? {});
            } catch (error) {
              // Variables that do not fit the operation: execution refuses them (BAD_USER_INPUT) before any resolver runs.
              if (error instanceof GraphQLError) return;
              throw error;
            }
            if (fixed) {
              const byOperation = fixedCosts.get(document) ?? new Map<string, number>();
              byOperation.set(operationName ?? '', cost);
              fixedCosts.set(document, byOperation);
            }
          }
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}: ask for smaller pages (first) or fewer nested lists.`, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
