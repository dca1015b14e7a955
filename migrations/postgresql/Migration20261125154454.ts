import { Migration } from '@mikro-orm/migrations';

export class Migration20261125154454 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "oidc_providers" ("tenant_id" varchar(36) not null, "issuer" varchar(512) not null, "audience" varchar(512) not null, "jwks_url" varchar(512) not null, "scope_claim" varchar(100) not null, "read_scope" varchar(512) not null, "admin_scope" varchar(512) not null, "created_at" bigint not null, "updated_at" bigint not null, constraint "oidc_providers_pkey" primary key ("tenant_id"));`);
    this.addSql(`create index "oidc_providers_issuer_index" on "oidc_providers" ("issuer");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "oidc_providers" cascade;`);
  }

}
