/**
 * Received bytes not yet consumed, as the chunks they arrived in. Length-prefixed readers (frames,
 * protected records) peek a u32 length and take whole units; only a unit that spans chunks is
 * copied, never the whole backlog, so a long run of small chunks costs linear time.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Bytes held. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The u32 BE at the front; the caller checks `length >= 4` first. */
  peekUInt32BE(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    const head = Buffer.alloc(4);
    let at = 0;
    for (const c of this.chunks) {
      at += c.copy(head, at, 0, Math.min(c.length, 4 - at));
      if (at === 4) break;
    }
    return head.readUInt32BE(0);
  }

  /** The next n bytes (the caller checks `length >= n` first). */
  take(n: number): Buffer {
    this.length -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - at);
      c.copy(out, at, 0, take);
      at += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    return out;
  }
}
