import { testDatabaseKind } from '../support/test-app';
import { useScimHub } from '../support/scim-client';
import { JobLeases } from '../../src/services/job-leases';

/** Leases of periodic jobs in the database: one holder per job and tenant at a time, until the lease runs out. */
describe(`job leases on ${testDatabaseKind()}`, () => {
  const scim = useScimHub({}, { backgroundJobs: false });

  it('one process gets the lease; another gets it only once it ran out; the holder renews it', async () => {
    const first = new JobLeases(scim.hub.hub.database);
    const second = new JobLeases(scim.hub.hub.database);
    const now = Date.now();
    expect(await first.claim('sweep', 1_000, '*', now)).toBe(true);
    expect(await second.claim('sweep', 1_000, '*', now + 10)).toBe(false);
    expect(await first.claim('sweep', 1_000, '*', now + 20)).toBe(true);
    expect(await second.claim('sweep', 1_000, '*', now + 500)).toBe(false);
    // The first's renewal at now + 20 holds until now + 1020.
    expect(await second.claim('sweep', 1_000, '*', now + 1_020)).toBe(true);
    expect(await first.claim('sweep', 1_000, '*', now + 1_030)).toBe(false);
  });

  it('leases are per job and per tenant', async () => {
    const first = new JobLeases(scim.hub.hub.database);
    const second = new JobLeases(scim.hub.hub.database);
    const now = Date.now();
    expect(await first.claim('check', 60_000, '*', now)).toBe(true);
    expect(await second.claim('other-check', 60_000, '*', now)).toBe(true);
    expect(await second.claim('check', 60_000, 'tenant-a', now)).toBe(true);
    expect(await second.claim('check', 60_000, '*', now)).toBe(false);
  });

  it('of many processes asking at once, exactly one gets the lease', async () => {
    const contenders = Array.from({ length: 8 }, () => new JobLeases(scim.hub.hub.database));
    const now = Date.now();
    const outcomes = await Promise.all(contenders.map((leases) => leases.claim('race', 60_000, '*', now)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });
});
