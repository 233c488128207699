/**
 * Generated English-like text for wordcount: lines of 6-17 words drawn from a fixed vocabulary with a
 * skewed (Zipf-like) distribution, so a few words are very common and most are rare, as in prose.
 * Deterministic for a seed: the same size gives the same bytes and the same word total every time,
 * which is how the benchmark checks both tools' counts.
 */
import { Readable } from 'node:stream';

/** Distinct words in the vocabulary. */
export const VOCABULARY_SIZE = 50_000;
const CHUNK = 1024 * 1024;
const LETTERS = 'etaoinshrdlcumwfgypbvkjxqz';

/** xorshift32: fast and good enough for test data. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** The vocabulary: distinct lowercase words of 2-11 letters (common letters more likely). */
export function vocabulary(seed = 1): Buffer[] {
  const next = rng(seed);
  const seen = new Set<string>();
  while (seen.size < VOCABULARY_SIZE) {
    const len = 2 + Math.floor(next() * 10);
    let w = '';
    for (let i = 0; i < len; i++) w += LETTERS[Math.floor(next() ** 1.5 * LETTERS.length)];
    seen.add(w);
  }
  return [...seen].map((w) => Buffer.from(w));
}

export interface TextData {
  stream: Readable;
  /** Filled in as the stream is read: bytes and words produced so far. */
  totals: { bytes: number; words: number };
}

/**
 * About `size` bytes of text (whole lines; the last line ends at or just past `size`), in 1 MiB
 * chunks of whole lines.
 */
export function textData(size: number, seed = 7): TextData {
  const words = vocabulary();
  const next = rng(seed);
  const totals = { bytes: 0, words: 0 };
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (totals.bytes >= size) {
        this.push(null);
        return;
      }
      const buf = Buffer.allocUnsafe(CHUNK + 256);
      let at = 0;
      while (at < CHUNK && totals.bytes + at < size) {
        const n = 6 + Math.floor(next() * 12);
        for (let i = 0; i < n; i++) {
          // u^4 skews towards index 0: the first words are the most frequent.
          const w = words[Math.floor(next() ** 4 * words.length)]!;
          w.copy(buf, at);
          at += w.length;
          buf[at++] = i === n - 1 ? 0x0a : 0x20;
        }
        totals.words += n;
      }
      totals.bytes += at;
      this.push(buf.subarray(0, at));
    },
  });
  return { stream, totals };
}
