import { registerEnumType } from 'type-graphql';

/** The wire form of the API scopes (domain/tenants/api-access.ts): the GraphQL names are upper case, the values are the domain's. */
export enum Scope {
  READ = 'read',
  ADMIN = 'admin',
  OWNERSHIP = 'ownership',
}

registerEnumType(Scope, {
  name: 'Scope',
  description: 'What a credential may do: READ every query not marked admin; ADMIN configuration (implies READ); OWNERSHIP registering who owns app resources (API keys only).',
});
