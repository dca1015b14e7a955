/** Small numeric helpers: percentiles over raw samples, min/median over runs. */

/** The p-th percentile (0-100) of `values` by nearest rank; NaN when there are none. */
export function percentile(values: Float64Array | readonly number[], p: number): number {
  const count = values.length;
  if (count === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

export function min(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  // A loop, not Math.min(...values): spreading hundreds of thousands of samples overflows the stack.
  return finite.reduce((least, value) => (value < least ? value : least), finite[0] ?? Number.NaN);
}

export function max(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.reduce((most, value) => (value > most ? value : most), finite[0] ?? Number.NaN);
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A number for a table cell: a few significant figures, `-` for NaN. */
export function show(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  if (Math.abs(value) >= 100) return value.toFixed(Math.min(digits, 1));
  return value.toFixed(digits);
}

/** A growable sample buffer (latencies in ms) that never holds more than `capacity` values. */
export class Samples {
  private values: Float64Array;
  length = 0;

  constructor(private readonly capacity: number) {
    this.values = new Float64Array(Math.min(capacity, 65536));
  }

  push(value: number): void {
    if (this.length >= this.capacity) return;
    if (this.length === this.values.length) {
      const grown = new Float64Array(Math.min(this.capacity, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}
