import { FailedAuthThrottle } from '../../../src/auth/failed-auth-throttle';

describe('FailedAuthThrottle', () => {
  function throttle(limits: { maxFailures?: number; maxFailuresPerTenant?: number } = {}) {
    const clock = { now: 1_000_000 };
    const subject = new FailedAuthThrottle({ maxFailures: limits.maxFailures ?? 3, maxFailuresPerTenant: limits.maxFailuresPerTenant ?? 100, windowMs: 60_000, now: () => clock.now });
    return { clock, throttle: subject };
  }

  describe('per source', () => {
    it('answers 0 (401) until a source has failed maxFailures times in the window, then whole seconds (429) to further failures', () => {
      const { throttle: subject } = throttle();
      const answers = Array.from({ length: 5 }, () => subject.recordFailure('a'));
      expect(answers).toEqual([0, 0, 0, 60, 60]);
      expect(subject.recordFailure('b')).toBe(0);
    });

    it('answers whole seconds until the oldest counted failure leaves the window', () => {
      const { clock, throttle: subject } = throttle();
      subject.recordFailure('a');
      clock.now += 10_500;
      subject.recordFailure('a');
      subject.recordFailure('a');
      expect(subject.recordFailure('a')).toBe(50);
      clock.now += 49_600;
      expect(subject.recordFailure('a')).toBe(0);
    });

    it('never answers less than one second while blocked', () => {
      const { clock, throttle: subject } = throttle();
      for (let attempt = 0; attempt < 3; attempt += 1) subject.recordFailure('a');
      clock.now += 59_999;
      expect(subject.recordFailure('a')).toBe(1);
    });

    it('counts a failure against its source whether or not the credential named a tenant', () => {
      const { throttle: subject } = throttle();
      subject.recordFailure('a', 'tenant-1');
      subject.recordFailure('a');
      subject.recordFailure('a', 'tenant-2');
      expect(subject.recordFailure('a')).toBe(60);
    });

    it('a throttled source does not throttle the tenants its failures name', () => {
      const { throttle: subject } = throttle({ maxFailures: 1, maxFailuresPerTenant: 100 });
      subject.recordFailure('shared-egress');
      for (let attempt = 0; attempt < 5; attempt += 1) expect(subject.recordFailure('shared-egress', 'tenant-1')).toBe(60);
      expect(subject.recordFailure('elsewhere', 'tenant-1')).toBe(0);
    });
  });

  describe('per tenant', () => {
    it('answers 0 (401) until the tenant has failed maxFailuresPerTenant times, then whole seconds (429)', () => {
      const { throttle: subject } = throttle({ maxFailures: 1000, maxFailuresPerTenant: 4 });
      const answers = Array.from({ length: 6 }, (_, attempt) => subject.recordFailure(`source-${attempt}`, 'tenant-1'));
      expect(answers).toEqual([0, 0, 0, 0, 60, 60]);
    });

    it('adds failures from many sources together, none of which is throttled itself', () => {
      const { throttle: subject } = throttle({ maxFailures: 2, maxFailuresPerTenant: 5 });
      for (let source = 0; source < 5; source += 1) expect(subject.recordFailure(`10.0.0.${source}`, 'tenant-1')).toBe(0);
      expect(subject.recordFailure('10.0.0.99', 'tenant-1')).toBe(60);
      for (let source = 0; source < 5; source += 1) expect(subject.recordFailure(`10.0.0.${source}`)).toBe(0);
    });

    it('keeps tenants apart: another tenant, and failures naming no tenant, are unaffected', () => {
      const { throttle: subject } = throttle({ maxFailures: 1000, maxFailuresPerTenant: 2 });
      subject.recordFailure('x', 'tenant-1');
      subject.recordFailure('y', 'tenant-1');
      expect(subject.recordFailure('z', 'tenant-1')).toBeGreaterThan(0);
      expect(subject.recordFailure('z', 'tenant-2')).toBe(0);
      expect(subject.recordFailure('z')).toBe(0);
    });

    it('does not count attempts answered 429, so the block ends with the window', () => {
      const { clock, throttle: subject } = throttle({ maxFailures: 1000, maxFailuresPerTenant: 2 });
      subject.recordFailure('x', 'tenant-1');
      clock.now += 20_000;
      subject.recordFailure('x', 'tenant-1');
      for (let attempt = 0; attempt < 10; attempt += 1) {
        clock.now += 1_000;
        expect(subject.recordFailure('x', 'tenant-1')).toBe(60 - 20 - (attempt + 1));
      }
      clock.now = 1_000_000 + 60_000;
      expect(subject.recordFailure('x', 'tenant-1')).toBe(0);
      // The failure at +20 s and the one just recorded fill the window again.
      expect(subject.recordFailure('x', 'tenant-1')).toBe(20);
    });

    it('slides: a tenant below its limit again is answered 0 once its oldest failure leaves the window', () => {
      const { clock, throttle: subject } = throttle({ maxFailures: 1000, maxFailuresPerTenant: 3 });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        subject.recordFailure('x', 'tenant-1');
        clock.now += 15_000;
      }
      expect(subject.recordFailure('x', 'tenant-1')).toBe(15);
      clock.now += 15_000;
      expect(subject.recordFailure('x', 'tenant-1')).toBe(0);
    });

    it('a tenant at its limit does not throttle the sources that failed against it', () => {
      const { throttle: subject } = throttle({ maxFailures: 1000, maxFailuresPerTenant: 1 });
      subject.recordFailure('idp', 'tenant-1');
      expect(subject.recordFailure('attacker', 'tenant-1')).toBeGreaterThan(0);
      expect(subject.recordFailure('idp', 'tenant-2')).toBe(0);
    });
  });
});
