/** FNV-1a (32-bit) of a name, case- and space-insensitive: the demo tools' fake data is a function of it. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name.trim().toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
