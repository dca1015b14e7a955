import type { AuthCheckerFn } from 'type-graphql';
import { DomainError } from '../domain/errors';
import type { GraphqlContext } from './context';
import type { Scope } from './scope';

/** `@Authorized(Scope.ADMIN)`: the principal must hold every scope named; a missing one is FORBIDDEN with its name. */
export const scopeAuthChecker: AuthCheckerFn<GraphqlContext, Scope> = ({ context }, required) => {
  // Runs for every field of a protected resolver (a page of 100 users asks 100 times): allocate only to refuse.
  const held = context.principal.scopes;
  if (required.every((scope) => held.includes(scope))) return true;
  const missing = required.filter((scope) => !held.includes(scope));
  throw new DomainError('FORBIDDEN', `this needs the ${missing.join(' and ')} scope`);
};
