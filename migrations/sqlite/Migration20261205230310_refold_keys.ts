import { Migration } from '@mikro-orm/migrations';
import { refoldStoredKeys } from '../../src/persistence/refold-stored-keys';

/**
 * Issue 13: the fold drops default-ignorable characters, so stored userName, group displayName, email and
 * mapped-value keys are recomputed, externalIds lose their invisible characters and users get their
 * confusable skeletons. A row whose new unique key is taken keeps its old one: no data is lost.
 */
export class Migration20261205230310_refold_keys extends Migration {

  override async up(): Promise<void> {
    await refoldStoredKeys((sql, params) => this.execute(sql, params), (name) => `\`${name}\``);
  }

}
