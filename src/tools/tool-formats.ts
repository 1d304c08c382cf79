/**
 * The `format` values a tool schema may use, each checked in time linear in the text (RE2 or plain
 * code). Any other format is refused when the run starts: ajv would otherwise ignore it, and the
 * page's function would receive text it believes was checked. These are the formats OpenAI's
 * Structured Outputs lists, plus `uri`.
 */
import { linearMatcher } from './linear-regexp.ts';

const datePattern = linearMatcher('^(\\d{4})-(\\d{2})-(\\d{2})$');
const timePattern = linearMatcher('^([01]\\d|2[0-3]):([0-5]\\d):([0-5]\\d|60)(\\.\\d+)?(z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$', true);
const durationPattern = linearMatcher('^P(\\d+W|(\\d+Y)?(\\d+M)?(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+S)?)?)$');
const email = linearMatcher("^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", true);
const hostnamePattern = linearMatcher('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?$', true);
const ipv4 = linearMatcher('^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$');
const ipv6Characters = linearMatcher('^[0-9a-f:.]+$', true);
const uuid = linearMatcher('^(urn:uuid:)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$', true);
const uri = linearMatcher('^[a-z][a-z0-9+.-]*:[^\\s]*$', true);

function date(text: string): boolean {
  if (!datePattern(text)) return false;
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  // Date.UTC rolls 2023-02-30 over into March: a real date maps back to its own month.
  return month >= 1 && month <= 12 && day >= 1 && new Date(Date.UTC(year, month - 1, day)).getUTCMonth() === month - 1;
}

function dateTime(text: string): boolean {
  const separator = text.search(/[Tt ]/);
  return separator === 10 && date(text.slice(0, 10)) && timePattern(text.slice(11));
}

function duration(text: string): boolean {
  // "P" alone and a "T" with nothing after it carry no duration.
  return durationPattern(text) && text !== 'P' && !text.endsWith('T');
}

function hostname(text: string): boolean {
  return text.length <= 253 && hostnamePattern(text);
}

function ipv6(text: string): boolean {
  if (!text.includes(':') || !ipv6Characters(text)) return false;
  try {
    // The URL parser implements RFC 4291's text forms, in linear time.
    return new URL(`http://[${text}]/`).hostname !== '';
  } catch {
    return false;
  }
}

/** Checks by format name, for ajv's `addFormat`. */
export const toolFormats: Readonly<Record<string, (text: string) => boolean>> = {
  date,
  time: timePattern,
  'date-time': dateTime,
  duration,
  email,
  hostname,
  ipv4,
  ipv6,
  uuid,
  uri,
};
