/** Deepest nesting of arrays and objects a request body may have; SCIM and GraphQL bodies need fewer than 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, found in one pass over the bytes
 * without parsing (brackets inside strings do not count). Code that walks a parsed body recursively
 * would overflow the stack on a 10,000-deep document; refusing it first keeps that a 400.
 */
export function nestsDeeperThan(text: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const byte = text[index];
    if (inString) {
      if (byte === 0x5c) index += 1;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/** An `express.json` `verify` hook that refuses bodies nested deeper than MAX_JSON_DEPTH (error type `entity.too.deep`). */
export function refuseDeepJson(_request: unknown, _response: unknown, body: Buffer): void {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw Object.assign(new Error(`the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), { type: 'entity.too.deep' });
  }
}
