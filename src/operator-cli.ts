import type { AuditContext } from './domain/audit';
import { API_SCOPES, type ApiScope } from './domain/tenants/api-access';
import type { IdentityHub } from './app';

/** `npm run cli` commands of the operator (tenant lifecycle, keys, OAuth clients): the CLI side of /operator/graphql. */
export const OPERATOR_USAGE = `
  operator-key create [--name "..."] [--json]
                                            create an operator key for /operator/graphql (shown once)
  operator-key list [--json]                list operator keys (never their secrets)
  operator-key revoke <id>                  revoke an operator key at once
  tenant list [--json]                      list tenants with users, groups, last SCIM request, token expiry
  tenant suspend <slug> [--reason "..."]    SCIM answers 403 and GraphQL TENANT_SUSPENDED until resumed
  tenant resume <slug>                      resume a suspended tenant
  tenant delete <slug> --confirm <slug> [--json]
                                            delete the tenant and every row it owns; prints rows per table
  apikey create <slug> --name "..." --scopes read,admin,ownership [--json]
                                            issue a tenant API key (shown once), e.g. to replace a lost admin key
  apikey list <slug> [--json]               list the tenant's API keys
  apikey revoke <slug> <id>                 revoke one of the tenant's API keys
  oauth-client create <slug> [--token-lifetime-minutes 60-360] [--json]
                                            issue the SCIM OAuth client (client credentials grant); run again
                                            to rotate the secret: the old secret and its access tokens stop
  oauth-client revoke <slug>                remove the SCIM OAuth client (the static SCIM token keeps working)`;

export class OperatorUsageError extends Error {}

export interface OperatorCommand {
  readonly command: string;
  readonly subcommand: string | undefined;
  readonly args: readonly string[];
  readonly values: {
    readonly json: boolean;
    readonly name?: string;
    readonly reason?: string;
    readonly confirm?: string;
    readonly scopes?: string;
    readonly 'token-lifetime-minutes'?: string;
  };
  /** Where the SCIM API is served, as `tenant create` prints it. */
  readonly scimBaseUrl: string;
}

const CLI: AuditContext = { actor: { type: 'system', id: 'cli' } };
const iso = (millis: number | null) => (millis === null ? null : new Date(millis).toISOString());

function print(json: boolean, value: unknown, lines: string[]): void {
  console.log(json ? JSON.stringify(value, null, 2) : lines.join('\n'));
}

function scopesOf(text: string | undefined): ApiScope[] {
  const names = (text ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(API_SCOPES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new OperatorUsageError(`--scopes is a comma-separated list of ${API_SCOPES.join(', ')}`);
  return names as ApiScope[];
}

/** True when `command` names an operator command (then `run` does it). */
export function isOperatorCommand(command: string, subcommand: string | undefined): boolean {
  return (
    command === 'operator-key' ||
    command === 'apikey' ||
    command === 'oauth-client' ||
    (command === 'tenant' && ['list', 'suspend', 'resume', 'delete'].includes(subcommand ?? ''))
  );
}

export async function runOperatorCommand(hub: IdentityHub, { command, subcommand, args, values, scimBaseUrl }: OperatorCommand): Promise<void> {
  const { operator, tenants, access, scimOAuth } = hub.services;
  const arity = (count: number) => {
    if (args.length !== count) throw new OperatorUsageError(`${command} ${subcommand ?? ''} takes ${count} argument(s)`);
  };
  const key = `${command} ${subcommand ?? ''}`;
  switch (key) {
    case 'operator-key create': {
      arity(0);
      const created = await operator.createKey(values.name ?? 'operator key');
      print(values.json, { id: created.key.id, name: created.key.name, key: created.secret }, [`operator key ${created.key.id} (${created.key.name})`, `key: ${created.secret}`]);
      return;
    }
    case 'operator-key list': {
      arity(0);
      const keys = await operator.listKeys();
      const rows = keys.map((entry) => ({ id: entry.id, name: entry.name, createdAt: iso(entry.createdAt), lastUsedAt: iso(entry.lastUsedAt), revokedAt: iso(entry.revokedAt) }));
      print(values.json, { keys: rows }, rows.map((row) => `${row.id}  ${row.name}  ${row.revokedAt ? `revoked ${row.revokedAt}` : `last used ${row.lastUsedAt ?? 'never'}`}`));
      return;
    }
    case 'operator-key revoke': {
      arity(1);
      await operator.revokeKey(args[0]);
      print(values.json, { revoked: args[0] }, [`operator key ${args[0]} revoked`]);
      return;
    }
    case 'tenant list': {
      arity(0);
      const rows = [];
      let after: string | undefined;
      do {
        const page = await operator.listTenants({ after });
        for (const { tenant, usage } of page.tenants) {
          rows.push({
            id: tenant.id,
            slug: tenant.slug,
            name: tenant.name,
            suspended: tenant.suspendedAt !== null,
            users: usage.users,
            groups: usage.groups,
            lastScimRequestAt: iso(usage.lastScimRequestAt),
            scimTokenExpiresAt: iso(usage.scimTokenExpiresAt),
          });
        }
        after = page.nextAfter ?? undefined;
      } while (after !== undefined);
      print(
        values.json,
        { tenants: rows },
        rows.map((row) => `${row.slug}${row.suspended ? ' (suspended)' : ''}  users ${row.users}  groups ${row.groups}  last SCIM request ${row.lastScimRequestAt ?? 'none'}  token expires ${row.scimTokenExpiresAt ?? 'never'}`),
      );
      return;
    }
    case 'tenant suspend': {
      arity(1);
      const tenant = await operator.suspendTenant(args[0], values.reason ?? null, CLI);
      print(values.json, { slug: tenant.slug, suspendedAt: iso(tenant.suspendedAt) }, [`tenant ${tenant.slug} suspended since ${iso(tenant.suspendedAt)}`]);
      return;
    }
    case 'tenant resume': {
      arity(1);
      const tenant = await operator.resumeTenant(args[0], CLI);
      print(values.json, { slug: tenant.slug, suspendedAt: null }, [`tenant ${tenant.slug} is active`]);
      return;
    }
    case 'tenant delete': {
      arity(1);
      if (values.confirm === undefined) throw new OperatorUsageError('tenant delete needs --confirm <slug> repeating the slug');
      const { tenant, deletedRows } = await operator.deleteTenant(args[0], values.confirm);
      print(values.json, { slug: tenant.slug, deletedRows }, [`tenant ${tenant.slug} deleted`, ...Object.entries(deletedRows).map(([table, rows]) => `  ${table}: ${rows}`)]);
      return;
    }
    case 'apikey create': {
      arity(1);
      if (!values.name) throw new OperatorUsageError('apikey create needs --name "..."');
      const tenant = await tenants.getTenantBySlug(args[0]);
      const created = await access.createApiKey(tenant.id, { name: values.name, scopes: scopesOf(values.scopes) }, CLI);
      print(values.json, { id: created.apiKey.id, name: created.apiKey.name, scopes: created.apiKey.scopes, key: created.secret }, [`API key ${created.apiKey.id} (${created.apiKey.scopes.join(', ')})`, `key: ${created.secret}`]);
      return;
    }
    case 'apikey list': {
      arity(1);
      const tenant = await tenants.getTenantBySlug(args[0]);
      const keys = (await access.listApiKeys(tenant.id)).map((entry) => ({ id: entry.id, name: entry.name, scopes: entry.scopes, createdAt: iso(entry.createdAt), revokedAt: iso(entry.revokedAt) }));
      print(values.json, { keys }, keys.map((entry) => `${entry.id}  ${entry.name}  ${entry.scopes.join(',')}${entry.revokedAt ? `  revoked ${entry.revokedAt}` : ''}`));
      return;
    }
    case 'apikey revoke': {
      arity(2);
      const tenant = await tenants.getTenantBySlug(args[0]);
      const revoked = await access.revokeApiKey(tenant.id, args[1], CLI);
      print(values.json, { id: revoked.id, revokedAt: iso(revoked.revokedAt) }, [`API key ${revoked.id} revoked`]);
      return;
    }
    case 'oauth-client create': {
      arity(1);
      const tenant = await tenants.getTenantBySlug(args[0]);
      const lifetime = values['token-lifetime-minutes'];
      if (lifetime !== undefined && !/^\d+$/.test(lifetime)) throw new OperatorUsageError('--token-lifetime-minutes must be a whole number of minutes');
      const issued = await scimOAuth.issueClientSecret(tenant.id, { tokenLifetimeMinutes: lifetime === undefined ? undefined : Number(lifetime) }, CLI);
      const tokenEndpoint = `${scimBaseUrl}/oauth/token`;
      print(values.json, { tokenEndpoint, clientId: issued.clientId, clientSecret: issued.clientSecret, tokenLifetimeMinutes: issued.tokenLifetimeMinutes }, [
        `token endpoint: ${tokenEndpoint}`,
        `client id:      ${issued.clientId}`,
        `client secret:  ${issued.clientSecret}`,
        `access tokens last ${issued.tokenLifetimeMinutes} minutes`,
      ]);
      return;
    }
    case 'oauth-client revoke': {
      arity(1);
      const tenant = await tenants.getTenantBySlug(args[0]);
      await scimOAuth.revokeClient(tenant.id, CLI);
      print(values.json, { revoked: true }, [`the SCIM OAuth client of ${tenant.slug} is revoked`]);
      return;
    }
    default:
      throw new OperatorUsageError(`unknown command: ${key.trim()}`);
  }
}
