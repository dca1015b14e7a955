import { Migration } from '@mikro-orm/migrations';
import { fillNameSkeletons } from '../../src/persistence/refold-stored-keys';

/**
 * Issue 13: groups get the confusable skeleton of their displayName (admin warning GROUP_NAME_LOOKALIKE),
 * filled for the groups stored so far; users' skeletons are cut to the stored key length (1,024 bytes)
 * as new rows' are. DDL runs at once (not queued) so the fill can follow it.
 */
export class Migration20261206030948_group_name_skeletons extends Migration {

  override async up(): Promise<void> {
    await this.execute(`alter table "groups" add column "display_name_skeleton" varchar(2048) null;`);
    await this.execute(`create index "groups_tenant_display_name_skeleton_index" on "groups" ("tenant_id", "display_name_skeleton");`);
    await fillNameSkeletons((sql, params) => this.execute(sql, params), (name) => `"${name}"`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "groups_tenant_display_name_skeleton_index";`);
    this.addSql(`alter table "groups" drop column "display_name_skeleton";`);
  }

}
