/**
 * The circuit breaker of one webhook endpoint. Closed: deliveries go out. After `breakerThreshold`
 * consecutive failed attempts it opens: its deliveries wait (they spend no attempts) for
 * `breakerCooldownMs`, then one delivery goes out as a probe (half-open). A probe that succeeds closes
 * the circuit and the waiting deliveries flow again; one that fails opens it again for twice as long,
 * up to MAX_PROBE_INTERVAL_MS. Any successful attempt closes it.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface EndpointCircuit {
  readonly state: CircuitState;
  /** When the circuit last changed between closed and not closed; null when it never opened. */
  readonly since: number | null;
  /** When the next probe may go out (open), or when a probe in flight is given up (half-open). */
  readonly nextProbeAt: number | null;
  /** Probes that failed since the circuit opened: each doubles the wait before the next. */
  readonly failedProbes: number;
}

/** What the breaker decides on: the circuit and the failed attempts since the last success. */
export interface EndpointHealth {
  readonly circuit: EndpointCircuit;
  readonly consecutiveFailures: number;
}

export interface BreakerSettings {
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
}

/** The longest wait between probes, however often they fail (or the cool-down itself, when longer). */
export const MAX_PROBE_INTERVAL_MS = 30 * 60 * 1000;

export const CLOSED_CIRCUIT: EndpointCircuit = { state: 'closed', since: null, nextProbeAt: null, failedProbes: 0 };

/** The wait before the next probe after `failedProbes` failed ones. */
export function probeIntervalMs(failedProbes: number, settings: BreakerSettings): number {
  return Math.min(Math.max(MAX_PROBE_INTERVAL_MS, settings.breakerCooldownMs), settings.breakerCooldownMs * 2 ** Math.min(failedProbes, 30));
}

export function afterSuccess(health: EndpointHealth, now: number): EndpointHealth {
  const { circuit } = health;
  return { consecutiveFailures: 0, circuit: { state: 'closed', since: circuit.state === 'closed' ? circuit.since : now, nextProbeAt: null, failedProbes: 0 } };
}

/** After a failed attempt; `probe` says whether it was the half-open circuit's probe. */
export function afterFailure(health: EndpointHealth, now: number, settings: BreakerSettings, probe: boolean): EndpointHealth {
  const { circuit } = health;
  const consecutiveFailures = health.consecutiveFailures + 1;
  if (probe) {
    const failedProbes = circuit.failedProbes + 1;
    return { consecutiveFailures, circuit: { state: 'open', since: circuit.since ?? now, nextProbeAt: now + probeIntervalMs(failedProbes, settings), failedProbes } };
  }
  if (circuit.state === 'closed' && consecutiveFailures >= settings.breakerThreshold) {
    return { consecutiveFailures, circuit: { state: 'open', since: now, nextProbeAt: now + probeIntervalMs(0, settings), failedProbes: 0 } };
  }
  // An attempt that started before the circuit opened changes nothing but the count.
  return { consecutiveFailures, circuit };
}

/** A probe goes out; until `givenUpAt` no other may (a node that dies holding it frees it then). */
export function probeStarted(circuit: EndpointCircuit, givenUpAt: number): EndpointCircuit {
  return { ...circuit, state: 'half_open', nextProbeAt: givenUpAt };
}

/** The probe was handed back untried (the node is stopping): another may go out at once. */
export function probeReleased(circuit: EndpointCircuit, now: number): EndpointCircuit {
  return circuit.state === 'half_open' ? { ...circuit, state: 'open', nextProbeAt: now } : circuit;
}
