import { Migration } from '@mikro-orm/migrations';
import { CREDENTIAL_CHANNEL } from '../../src/persistence/credential-changes';

/**
 * Issue 13, instant revocation: every committed change to a credential table NOTIFYs CREDENTIAL_CHANNEL
 * with the tenant id, so every node's credential caches drop that tenant's
 * entries (src/persistence/credential-changes.ts). A trigger, not the services, so no write path (the
 * CLI, a future one) can forget it; NOTIFY is delivered at commit, and not at all on rollback.
 */
const TABLES = { tenants: 'id', connections: 'tenant_id', api_keys: 'tenant_id', oidc_providers: 'tenant_id' } as const;

export class Migration20261205232000_credential_notify extends Migration {

  override async up(): Promise<void> {
    for (const [table, tenantColumn] of Object.entries(TABLES)) {
      this.addSql(`create function "${table}_credentials_changed"() returns trigger language plpgsql as $$
begin
  perform pg_notify('${CREDENTIAL_CHANNEL}', coalesce(new."${tenantColumn}", old."${tenantColumn}"));
  return null;
end;
$$;`);
      this.addSql(`create trigger "${table}_credentials_changed" after insert or update or delete on "${table}" for each row execute function "${table}_credentials_changed"();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of Object.keys(TABLES)) {
      this.addSql(`drop trigger "${table}_credentials_changed" on "${table}";`);
      this.addSql(`drop function "${table}_credentials_changed"();`);
    }
  }

}
