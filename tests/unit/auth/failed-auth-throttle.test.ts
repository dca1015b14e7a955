import { FailedAuthThrottle } from '../../../src/auth/failed-auth-throttle';

describe('FailedAuthThrottle', () => {
  function throttle() {
    const clock = { now: 1_000_000 };
    return { clock, throttle: new FailedAuthThrottle({ maxFailures: 3, windowMs: 60_000, now: () => clock.now }) };
  }

  it('lets a key try until it has failed maxFailures times in the window', () => {
    const { throttle: subject } = throttle();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(subject.retryAfterSeconds('a')).toBe(0);
      subject.recordFailure('a');
    }
    expect(subject.retryAfterSeconds('a')).toBe(60);
    expect(subject.retryAfterSeconds('b')).toBe(0);
  });

  it('answers whole seconds until the oldest counted failure leaves the window', () => {
    const { clock, throttle: subject } = throttle();
    subject.recordFailure('a');
    clock.now += 10_500;
    subject.recordFailure('a');
    subject.recordFailure('a');
    expect(subject.retryAfterSeconds('a')).toBe(50);
    clock.now += 49_600;
    expect(subject.retryAfterSeconds('a')).toBe(0);
  });

  it('never answers less than one second while blocked', () => {
    const { clock, throttle: subject } = throttle();
    for (let attempt = 0; attempt < 3; attempt += 1) subject.recordFailure('a');
    clock.now += 59_999;
    expect(subject.retryAfterSeconds('a')).toBe(1);
  });
});
