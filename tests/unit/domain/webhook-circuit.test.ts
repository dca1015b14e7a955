import { afterFailure, afterSuccess, CLOSED_CIRCUIT, MAX_PROBE_INTERVAL_MS, probeIntervalMs, probeReleased, type EndpointHealth } from '../../../src/domain/webhook-circuit';

const settings = { breakerThreshold: 3, breakerCooldownMs: 60_000 };
const healthy: EndpointHealth = { consecutiveFailures: 0, circuit: CLOSED_CIRCUIT };

/** `count` failed attempts in a row, each at `at`, none a probe. */
function failures(health: EndpointHealth, count: number, at: number): EndpointHealth {
  let current = health;
  for (let index = 0; index < count; index += 1) current = afterFailure(current, at, settings, false);
  return current;
}

describe('webhook circuit breaker', () => {
  it('stays closed below the threshold and opens at it, the first probe one cool-down later', () => {
    expect(failures(healthy, 2, 1000)).toEqual({ consecutiveFailures: 2, circuit: CLOSED_CIRCUIT });
    expect(failures(healthy, 3, 1000)).toEqual({ consecutiveFailures: 3, circuit: { state: 'open', since: 1000, nextProbeAt: 61_000, failedProbes: 0 } });
  });

  it('a success resets the count before the threshold', () => {
    const recovered = afterSuccess(failures(healthy, 2, 1000), 2000);
    expect(recovered).toEqual({ consecutiveFailures: 0, circuit: CLOSED_CIRCUIT });
    expect(failures(recovered, 2, 3000).circuit.state).toBe('closed');
  });

  it('a failed probe opens it again for twice as long each time, up to 30 minutes', () => {
    let health = failures(healthy, 3, 0);
    const waits: number[] = [];
    for (let probe = 1; probe <= 7; probe += 1) {
      const at = probe * 1_000_000;
      health = afterFailure({ ...health, circuit: { ...health.circuit, state: 'half_open' } }, at, settings, true);
      waits.push((health.circuit.nextProbeAt ?? 0) - at);
      expect(health.circuit).toMatchObject({ state: 'open', since: 0, failedProbes: probe });
    }
    expect(waits).toEqual([120_000, 240_000, 480_000, 960_000, MAX_PROBE_INTERVAL_MS, MAX_PROBE_INTERVAL_MS, MAX_PROBE_INTERVAL_MS]);
    expect(health.consecutiveFailures).toBe(10);
  });

  it('a cool-down longer than 30 minutes is kept as it is', () => {
    expect(probeIntervalMs(0, { breakerThreshold: 3, breakerCooldownMs: 3_600_000 })).toBe(3_600_000);
    expect(probeIntervalMs(5, { breakerThreshold: 3, breakerCooldownMs: 3_600_000 })).toBe(3_600_000);
  });

  it('a successful probe, or any success, closes it and records when', () => {
    const open = failures(healthy, 3, 0);
    expect(afterSuccess({ ...open, circuit: { ...open.circuit, state: 'half_open' } }, 90_000)).toEqual({
      consecutiveFailures: 0,
      circuit: { state: 'closed', since: 90_000, nextProbeAt: null, failedProbes: 0 },
    });
  });

  it('a failure of an attempt that started before the circuit opened changes only the count', () => {
    const open = failures(healthy, 3, 0);
    expect(afterFailure(open, 5000, settings, false)).toEqual({ consecutiveFailures: 4, circuit: open.circuit });
  });

  it('a probe handed back untried lets the next one go at once', () => {
    const probing: EndpointHealth['circuit'] = { state: 'half_open', since: 0, nextProbeAt: 200_000, failedProbes: 1 };
    expect(probeReleased(probing, 70_000)).toEqual({ state: 'open', since: 0, nextProbeAt: 70_000, failedProbes: 1 });
    expect(probeReleased(CLOSED_CIRCUIT, 70_000)).toBe(CLOSED_CIRCUIT);
  });
});
