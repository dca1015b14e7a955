import { createHash, randomFillSync } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562): a millisecond timestamp, then a 12-bit counter, then random bits. Ids made in
 * one process sort in the order they were made, so `(at, id)` orders rows of the same millisecond by
 * creation too: the outbox relies on it to deliver one resource's events in order.
 */
export interface TimeOrderedId {
  readonly id: string;
  /** The millisecond embedded in the id; never earlier than that of an id made before it. */
  readonly at: number;
}

const COUNTER_MAX = 0xfff;
let lastAt = 0;
let counter = 0;

/** Random bytes drawn from the OS 4 KB at a time: one draw per id was a native call per row in bulk writes. */
const RANDOM_POOL_BYTES = 4096;
const randomPool = Buffer.alloc(RANDOM_POOL_BYTES);
let randomOffset = RANDOM_POOL_BYTES;

/** The next `length` bytes of the pool, copied into `target` at `at`. */
function takeRandom(target: Buffer, at: number, length: number): void {
  if (randomOffset + length > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomPool.copy(target, at, randomOffset, randomOffset + length);
  randomOffset += length;
}

export function nextTimeOrderedId(now: number = Date.now()): TimeOrderedId {
  const bytes = Buffer.allocUnsafe(16);
  if (now > lastAt) {
    lastAt = now;
    // Start low in the counter's range so a burst within one millisecond rarely overflows it.
    takeRandom(bytes, 6, 2);
    counter = bytes.readUInt16BE(6) & 0x7ff;
  } else if (counter < COUNTER_MAX) {
    // Same millisecond, or the clock stepped back: keep counting on the last timestamp.
    counter += 1;
  } else {
    lastAt += 1;
    counter = 0;
  }
  takeRandom(bytes, 8, 8);
  bytes.writeUIntBE(lastAt, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  return { id: formatUuid(bytes), at: lastAt };
}

/**
 * The same id for the same `at` and `key`, still sorting by time (UUIDv8: the timestamp, then a hash of
 * the key). Makes "once per token per day" an insert that a second node's duplicate cannot repeat.
 */
export function deterministicTimeOrderedId(at: number, key: string): string {
  const bytes = createHash('sha256').update(key).digest().subarray(0, 16);
  bytes.writeUIntBE(at, 0, 6);
  bytes[6] = 0x80 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  return formatUuid(bytes);
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
