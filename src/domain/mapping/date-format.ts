/**
 * Dates as mappings carry them: ISO 8601 text in UTC, `YYYY-MM-DD` for a date and
 * `YYYY-MM-DDTHH:MM:SSZ` (with `.sss` when there are milliseconds) for a date-time. Formats use the
 * tokens below; letters outside quotes that are no token are refused so a typo (`YYYY`, `DD`) is
 * reported instead of silently printed.
 *
 *   yyyy year   yy two-digit year (00-69 -> 20xx)   MMMM January   MMM Jan   MM 01   M 1
 *   dd 05   d 5   HH 07   H 7   mm minutes   ss seconds   SSS milliseconds   'text' literal   '' quote
 *
 * The format `unix` reads or writes seconds since 1970-01-01T00:00:00Z.
 */

interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
  readonly hasTime: boolean;
}

type FormatToken = { readonly kind: 'field'; readonly token: string } | { readonly kind: 'text'; readonly text: string };

const TOKENS = ['yyyy', 'yy', 'MMMM', 'MMM', 'MM', 'M', 'dd', 'd', 'HH', 'H', 'mm', 'ss', 'SSS'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$/i;
const UNIX_FORMAT = 'unix';
/** Years outside 1..9999 cannot be written as ISO 8601 without extensions. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

/** Why `format` is not a valid date format, or undefined when it is. */
export function checkDateFormat(format: string): string | undefined {
  if (format === UNIX_FORMAT) return undefined;
  const tokens = tokenizeFormat(format);
  return typeof tokens === 'string' ? tokens : undefined;
}

/** Reads `text` as ISO 8601 (no format) or by `format`; returns ISO text in UTC, or null when it is no valid date. */
export function parseDateText(text: string, format?: string): string | null {
  const trimmed = text.trim();
  const parts = format === undefined ? parseIso(trimmed) : format === UNIX_FORMAT ? parseUnix(trimmed) : parseFormatted(trimmed, format);
  return parts === undefined ? null : renderIso(parts);
}

/** Writes an ISO date or date-time by `format` (in UTC); null when `iso` is no valid date. */
export function formatDateText(iso: string, format: string): string | null {
  const parts = parseIso(iso.trim());
  if (parts === undefined) return null;
  if (format === UNIX_FORMAT) return String(Math.floor(toEpochMilliseconds(parts) / 1000));
  const tokens = tokenizeFormat(format);
  if (typeof tokens === 'string') return null;
  return tokens.map((token) => (token.kind === 'text' ? token.text : renderField(token.token, parts))).join('');
}

/** True when `text` is an ISO date or date-time a date field accepts. */
export function isIsoDate(text: string): boolean {
  return parseIso(text.trim()) !== undefined;
}

function tokenizeFormat(format: string): FormatToken[] | string {
  const tokens: FormatToken[] = [];
  let i = 0;
  while (i < format.length) {
    const char = format[i];
    if (char === "'") {
      const close = format.indexOf("'", i + 1);
      if (close < 0) return `unterminated quoted text in date format at offset ${i}`;
      tokens.push({ kind: 'text', text: close === i + 1 ? "'" : format.slice(i + 1, close) });
      i = close + 1;
    } else if (/[A-Za-z]/.test(char)) {
      const token = TOKENS.find((candidate) => format.startsWith(candidate, i));
      if (token === undefined) {
        return `unknown date format letter '${char}' at offset ${i} (tokens: ${TOKENS.join(' ')}; quote literal text with '...')`;
      }
      tokens.push({ kind: 'field', token });
      i += token.length;
    } else {
      tokens.push({ kind: 'text', text: char });
      i++;
    }
  }
  return tokens;
}

function parseIso(text: string): DateParts | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zulu, sign, offsetHour, offsetMinute] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: hour === undefined ? 0 : Number(hour),
    minute: minute === undefined ? 0 : Number(minute),
    second: Number(second),
    millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
    hasTime: hour !== undefined,
  };
  if (!isValid(parts)) return undefined;
  if (sign === undefined || zulu !== undefined) return parts;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(offsetHour) * 60 + Number(offsetMinute));
  if (Number(offsetHour) > 23 || Number(offsetMinute) > 59) return undefined;
  return fromEpochMilliseconds(toEpochMilliseconds(parts) - offsetMinutes * 60_000, true);
}

function parseUnix(text: string): DateParts | undefined {
  if (!/^-?\d{1,12}(?:\.\d+)?$/.test(text)) return undefined;
  return fromEpochMilliseconds(Math.round(Number(text) * 1000), true);
}

function parseFormatted(text: string, format: string): DateParts | undefined {
  const tokens = tokenizeFormat(format);
  if (typeof tokens === 'string') return undefined;
  const fields: Record<string, number> = {};
  let pos = 0;
  let hasTime = false;
  for (const token of tokens) {
    if (token.kind === 'text') {
      if (text.slice(pos, pos + token.text.length).toLowerCase() !== token.text.toLowerCase()) return undefined;
      pos += token.text.length;
      continue;
    }
    if (token.token === 'MMMM' || token.token === 'MMM') {
      const rest = text.slice(pos).toLowerCase();
      const index = MONTHS.findIndex((name) => rest.startsWith(token.token === 'MMMM' ? name.toLowerCase() : name.slice(0, 3).toLowerCase()));
      if (index < 0) return undefined;
      fields.month = index + 1;
      pos += token.token === 'MMMM' ? MONTHS[index].length : 3;
      continue;
    }
    const width = token.token === 'yyyy' ? 4 : token.token === 'SSS' ? 3 : 2;
    const exact = token.token.length > 1 && token.token !== 'SSS';
    const digits = /^\d+/.exec(text.slice(pos, pos + width))?.[0] ?? '';
    if (digits === '' || (exact && digits.length !== width)) return undefined;
    pos += digits.length;
    const value = Number(digits);
    const letter = token.token[0];
    if (letter === 'y') fields.year = token.token === 'yy' ? (value < 70 ? 2000 + value : 1900 + value) : value;
    else if (letter === 'M') fields.month = value;
    else if (letter === 'd') fields.day = value;
    else {
      hasTime = true;
      if (letter === 'H') fields.hour = value;
      else if (letter === 'm') fields.minute = value;
      else if (letter === 's') fields.second = value;
      else fields.millisecond = value;
    }
  }
  if (pos !== text.length || fields.year === undefined) return undefined;
  const parts: DateParts = {
    year: fields.year,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: fields.millisecond ?? 0,
    hasTime,
  };
  return isValid(parts) ? parts : undefined;
}

function isValid(parts: DateParts): boolean {
  const { year, month, day, hour, minute, second } = parts;
  return (
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function toEpochMilliseconds(parts: DateParts): number {
  const date = new Date(0);
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  date.setUTCHours(parts.hour, parts.minute, parts.second, parts.millisecond);
  return date.getTime();
}

function fromEpochMilliseconds(milliseconds: number, hasTime: boolean): DateParts | undefined {
  const date = new Date(milliseconds);
  if (Number.isNaN(date.getTime())) return undefined;
  const parts = {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
    hasTime,
  };
  return isValid(parts) ? parts : undefined;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function renderIso(parts: DateParts): string {
  const date = `${pad(parts.year, 4)}-${pad(parts.month, 2)}-${pad(parts.day, 2)}`;
  if (!parts.hasTime) return date;
  const millis = parts.millisecond === 0 ? '' : `.${pad(parts.millisecond, 3)}`;
  return `${date}T${pad(parts.hour, 2)}:${pad(parts.minute, 2)}:${pad(parts.second, 2)}${millis}Z`;
}

function renderField(token: string, parts: DateParts): string {
  switch (token) {
    case 'yyyy':
      return pad(parts.year, 4);
    case 'yy':
      return pad(parts.year % 100, 2);
    case 'MMMM':
      return MONTHS[parts.month - 1];
    case 'MMM':
      return MONTHS[parts.month - 1].slice(0, 3);
    case 'MM':
      return pad(parts.month, 2);
    case 'M':
      return String(parts.month);
    case 'dd':
      return pad(parts.day, 2);
    case 'd':
      return String(parts.day);
    case 'HH':
      return pad(parts.hour, 2);
    case 'H':
      return String(parts.hour);
    case 'mm':
      return pad(parts.minute, 2);
    case 'ss':
      return pad(parts.second, 2);
    default:
      return pad(parts.millisecond, 3);
  }
}
