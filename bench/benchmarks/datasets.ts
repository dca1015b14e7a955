/**
 * The data the SCIM benchmarks run on, built once per harness run and shared (read-only users
 * tenants; one groups database for S5-S7, where each case writes to its own groups).
 */
import path from 'node:path';
import type { Context, Mode, Seeding } from '../lib/harness';
import { createDatabase, seedGroups, seedUsers, type GroupSeed, type TenantSeed } from '../lib/seed';

export interface Sizes {
  /** S2: users in the tenant looked up. */
  readonly s2Users: number;
  /** S3: the small and the large tenant. */
  readonly s3Small: number;
  readonly s3Large: number;
  /** S4: users paged through. */
  readonly s4Users: number;
  /** S5/S6: members of the "big" groups; S7: members of the biggest group. */
  readonly s5Big: number;
  readonly s6Big: number;
  readonly s6Chunk: number;
  readonly s7Big: number;
  /** Users in the groups database (members and the pool of users to add). */
  readonly groupUsers: number;
  /** Initial sync: users (groups, the big group and the other memberships scale with it); unset = the mode's size. */
  readonly syncUsers?: number;
  /** Initial sync: which paths run (i1, i4, i2); unset = all. */
  readonly syncPaths?: readonly string[];
}

export function sizesFor(mode: Mode, overrides: Partial<Sizes> = {}): Sizes {
  const base: Sizes = mode.smoke
    ? { s2Users: 1000, s3Small: 100, s3Large: 5000, s4Users: 5000, s5Big: 500, s6Big: 500, s6Chunk: 100, s7Big: 2000, groupUsers: 6000 }
    : { s2Users: 100_000, s3Small: 1000, s3Large: 1_000_000, s4Users: 1_000_000, s5Big: 50_000, s6Big: 50_000, s6Chunk: 1000, s7Big: 250_000, groupUsers: 300_000 };
  const sizes = { ...base, ...overrides };
  return { ...sizes, groupUsers: Math.max(sizes.groupUsers, sizes.s7Big, sizes.s5Big + 20 * sizes.s6Chunk) };
}

export interface UsersDataset {
  readonly file: string;
  readonly tenant: TenantSeed;
  readonly users: number;
  readonly seeding: Seeding[];
}

/** One tenant (`acme`) with `count` users userNameOf('acme', 0..count-1), created 1 ms apart in index order. */
export function usersDataset(context: Context, count: number): Promise<UsersDataset> {
  return context.dataset(`users-${count}`, async () => {
    const file = path.join(context.workDir, `users-${count}.sqlite`);
    const started = performance.now();
    const [tenant] = await createDatabase(file, ['acme']);
    const migrated = (performance.now() - started) / 1000;
    context.log(`  seeding ${count} users into ${path.basename(file)} ...`);
    const result = seedUsers(file, tenant, count);
    context.log(`  seeded ${count} users in ${result.seconds.toFixed(1)} s (${Math.round(count / result.seconds)} users/s)`);
    return {
      file,
      tenant,
      users: count,
      seeding: [
        { what: 'migrate + tenant', rows: 1, seconds: migrated },
        { what: `users (with 1 email row each) for a ${count}-user tenant`, rows: count, seconds: result.seconds },
      ],
    };
  });
}

export const RUN_GROUPS = 3;

export interface GroupsDataset {
  readonly file: string;
  readonly tenant: TenantSeed;
  /** Every seeded user id, in index order. */
  readonly userIds: readonly string[];
  readonly groupIds: ReadonlyMap<string, string>;
  readonly sizes: Sizes;
  readonly seeding: Seeding[];
}

export function s5GroupName(owner: 'hub' | 'raw', size: 'empty' | 'big', run: number): string {
  return run < 0 ? `s5-${owner}-${size}-warm` : `s5-${owner}-${size}-r${run}`;
}

/**
 * One tenant with `groupUsers` users and the groups S5-S7 write to: per run and per server a fresh
 * empty group and a fresh `s5Big`-member group (S5), one `s6Big`-member group per S6 case and for O1, and one
 * `s7Big`-member group (S7). Members are users 0..size-1; users from `s5Big` on are the pool to add.
 */
export function groupsDataset(context: Context, sizes: Sizes): Promise<GroupsDataset> {
  return context.dataset('groups', async () => {
    const file = path.join(context.workDir, 'groups.sqlite');
    const [tenant] = await createDatabase(file, ['acme']);
    context.log(`  seeding ${sizes.groupUsers} users and the S5-S7 groups into ${path.basename(file)} ...`);
    const users = seedUsers(file, tenant, sizes.groupUsers, { keepIds: true });
    const ids = users.ids;
    const groups: GroupSeed[] = [];
    for (const owner of ['hub', 'raw'] as const) {
      for (let run = -1; run < RUN_GROUPS; run += 1) {
        groups.push({ displayName: s5GroupName(owner, 'empty', run), memberIds: [] });
        groups.push({ displayName: s5GroupName(owner, 'big', run), memberIds: run < 0 ? [] : ids.slice(0, sizes.s5Big) });
      }
    }
    for (const name of ['s6-hub', 's6-raw', 's6-hub-c10', 'o1']) groups.push({ displayName: name, memberIds: ids.slice(0, sizes.s6Big) });
    groups.push({ displayName: 's7-big', memberIds: ids.slice(0, sizes.s7Big) });
    const seeded = seedGroups(file, tenant, groups);
    context.log(`  seeded ${sizes.groupUsers} users in ${users.seconds.toFixed(1)} s, ${seeded.rows} memberships in ${seeded.seconds.toFixed(1)} s`);
    return {
      file,
      tenant,
      userIds: ids,
      groupIds: seeded.ids,
      sizes,
      seeding: [
        { what: 'users for the groups database', rows: sizes.groupUsers, seconds: users.seconds },
        { what: `${groups.length} groups with their memberships`, rows: seeded.rows, seconds: seeded.seconds },
      ],
    };
  });
}
