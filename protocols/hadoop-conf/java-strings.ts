/**
 * String helpers that reproduce the Java behaviour Hadoop's Configuration relies on, so values
 * read here compare equal to what a Java client would see.
 */

/**
 * Java's `String.trim()`: strips every character <= U+0020 (space and ASCII control characters)
 * from both ends. Unlike JavaScript's `trim()` it leaves Unicode spaces such as U+00A0 alone.
 */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/**
 * Hadoop's `getTrimmedStrings`: split on commas and newlines, trim each piece. Empty pieces are
 * dropped (Hadoop keeps interior empty strings, which no list we read can use).
 */
export function splitTrimmed(s: string | undefined): string[] {
  if (s === undefined) return [];
  return s
    .split(/[,\n]/)
    .map(javaTrim)
    .filter((p) => p !== '');
}
