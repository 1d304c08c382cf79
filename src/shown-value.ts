/**
 * A value as an error message quotes it: JSON, cut short, and never a throw, whatever a caller
 * sent (a value nested too deeply for JSON.stringify, a cyclic or BigInt one passed in-process,
 * NaN, which JSON would print as null, a megabyte of text).
 */
export function showValue(value: unknown, max = 100): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  let text: string;
  try {
    text = JSON.stringify(typeof value === 'string' ? value.slice(0, max + 1) : value);
  } catch {
    return Array.isArray(value) ? 'an array' : 'an object';
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
