import { Migration } from '@mikro-orm/migrations';

export class Migration20261206023214_client_text_2048 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "deprovisioned_users" alter column "user_name" type varchar(2048) using ("user_name"::varchar(2048));`);
    this.addSql(`alter table "deprovisioned_users" alter column "external_id" type varchar(2048) using ("external_id"::varchar(2048));`);

    this.addSql(`alter table "group_members" alter column "display" type varchar(2048) using ("display"::varchar(2048));`);

    this.addSql(`alter table "groups" alter column "display_name" type varchar(2048) using ("display_name"::varchar(2048));`);
    this.addSql(`alter table "groups" alter column "display_name_norm" type varchar(2048) using ("display_name_norm"::varchar(2048));`);
    this.addSql(`alter table "groups" alter column "external_id" type varchar(2048) using ("external_id"::varchar(2048));`);

    this.addSql(`alter table "user_emails" alter column "value" type varchar(2048) using ("value"::varchar(2048));`);
    this.addSql(`alter table "user_emails" alter column "value_norm" type varchar(2048) using ("value_norm"::varchar(2048));`);

    this.addSql(`alter table "users" alter column "user_name" type varchar(2048) using ("user_name"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "user_name_norm" type varchar(2048) using ("user_name_norm"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "external_id" type varchar(2048) using ("external_id"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "display_name" type varchar(2048) using ("display_name"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "given_name" type varchar(2048) using ("given_name"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "family_name" type varchar(2048) using ("family_name"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "title" type varchar(2048) using ("title"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "user_type" type varchar(2048) using ("user_type"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "department" type varchar(2048) using ("department"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "division" type varchar(2048) using ("division"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "organization" type varchar(2048) using ("organization"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "cost_center" type varchar(2048) using ("cost_center"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "employee_number" type varchar(2048) using ("employee_number"::varchar(2048));`);
    this.addSql(`alter table "users" alter column "user_name_skeleton" type varchar(2048) using ("user_name_skeleton"::varchar(2048));`);

    this.addSql(`alter table "user_values" alter column "source_path" type varchar(2048) using ("source_path"::varchar(2048));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "deprovisioned_users" alter column "user_name" type varchar(1024) using ("user_name"::varchar(1024));`);
    this.addSql(`alter table "deprovisioned_users" alter column "external_id" type varchar(1024) using ("external_id"::varchar(1024));`);

    this.addSql(`alter table "group_members" alter column "display" type varchar(1024) using ("display"::varchar(1024));`);

    this.addSql(`alter table "groups" alter column "display_name" type varchar(1024) using ("display_name"::varchar(1024));`);
    this.addSql(`alter table "groups" alter column "display_name_norm" type varchar(1024) using ("display_name_norm"::varchar(1024));`);
    this.addSql(`alter table "groups" alter column "external_id" type varchar(1024) using ("external_id"::varchar(1024));`);

    this.addSql(`alter table "user_emails" alter column "value" type varchar(1024) using ("value"::varchar(1024));`);
    this.addSql(`alter table "user_emails" alter column "value_norm" type varchar(1024) using ("value_norm"::varchar(1024));`);

    this.addSql(`alter table "user_values" alter column "source_path" type varchar(1024) using ("source_path"::varchar(1024));`);

    this.addSql(`alter table "users" alter column "user_name" type varchar(1024) using ("user_name"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "user_name_norm" type varchar(1024) using ("user_name_norm"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "user_name_skeleton" type varchar(1024) using ("user_name_skeleton"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "external_id" type varchar(1024) using ("external_id"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "display_name" type varchar(1024) using ("display_name"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "given_name" type varchar(1024) using ("given_name"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "family_name" type varchar(1024) using ("family_name"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "title" type varchar(1024) using ("title"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "user_type" type varchar(1024) using ("user_type"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "department" type varchar(1024) using ("department"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "division" type varchar(1024) using ("division"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "organization" type varchar(1024) using ("organization"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "cost_center" type varchar(1024) using ("cost_center"::varchar(1024));`);
    this.addSql(`alter table "users" alter column "employee_number" type varchar(1024) using ("employee_number"::varchar(1024));`);
  }

}
