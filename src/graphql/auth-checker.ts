import type { AuthCheckerFn } from 'type-graphql';
import { DomainError } from '../domain/errors';
import type { GraphqlContext } from './context';
import type { Scope } from './scope';

/** `@Authorized(Scope.ADMIN)`: the principal must hold every scope named; a missing one is FORBIDDEN with its name. */
export const scopeAuthChecker: AuthCheckerFn<GraphqlContext, Scope> = ({ context }, required) => {
  const missing = required.filter((scope) => !context.principal.scopes.includes(scope));
  if (missing.length > 0) throw new DomainError('FORBIDDEN', `this needs the ${missing.join(' and ')} scope`);
  return true;
};
