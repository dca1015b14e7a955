import { BigIntType } from '@mikro-orm/core';

/** Times are epoch milliseconds in a 64-bit integer column, read back as JavaScript numbers. */
export const epochMillis = () => ({ type: new BigIntType('number') });

export const optionalText = (length = 1024) => ({ type: 'string', length, nullable: true }) as const;
