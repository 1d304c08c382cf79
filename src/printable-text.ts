/**
 * Text from a file, quoted in an error message (a JSON parser's excerpt of the bytes it choked
 * on), made printable: control characters and U+FFFD (bytes that were not UTF-8) become \uXXXX
 * escapes, so a message never carries raw bytes of a corrupt file.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
