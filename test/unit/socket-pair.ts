import { Duplex } from 'node:stream';

/**
 * What passes between two in-memory sockets, seen (and possibly changed) by someone in the middle:
 * each chunk written by one side goes through the tap for its direction before the other side reads it.
 */
export interface Taps {
  /** Chunks written by the first socket, on their way to the second; return what arrives instead. */
  aToB?: (chunk: Buffer) => Buffer;
  /** Chunks written by the second socket, on their way to the first. */
  bToA?: (chunk: Buffer) => Buffer;
}

/** Two connected in-memory sockets, with an optional relay in the middle. */
export function socketPair(taps: Taps = {}): [Duplex, Duplex] {
  let a: Duplex;
  let b: Duplex;
  const make = (peer: () => Duplex, tap: ((chunk: Buffer) => Buffer) | undefined): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(tap ? tap(chunk) : chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        // As with TCP: the peer sees the connection end.
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb(err);
      },
    });
  a = make(() => b, taps.aToB);
  b = make(() => a, taps.bToA);
  return [a, b];
}
