import { BigIntType } from '@mikro-orm/core';
import { MAX_STRING_BYTES } from '../../domain/string-limits';

/** Times are epoch milliseconds in a 64-bit integer column, read back as JavaScript numbers. */
export const epochMillis = () => ({ type: new BigIntType('number') });

/** A string a client sent: at most MAX_STRING_BYTES of UTF-8, so at most as many characters (and its folded key no longer). */
export const clientText = () => ({ type: 'string', length: MAX_STRING_BYTES }) as const;

export const optionalText = (length: number = MAX_STRING_BYTES) => ({ type: 'string', length, nullable: true }) as const;
