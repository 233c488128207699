import { deserialize, serialize } from 'node:v8';
import { ProtocolError, errorMessage } from '../errors/index.js';

/**
 * User values (records, closure values, action parameters and results) travel as Node's
 * structured-clone bytes: what `structuredClone` keeps survives (Map, Set, Date, RegExp, BigInt,
 * typed arrays, Buffers, undefined, cycles); functions and class prototypes do not.
 */

/** Serializes a value; a value structured clone cannot copy gives a message naming `what`. */
export function encodeValue(value: unknown, what: string): Buffer {
  try {
    return serialize(value);
  } catch (err) {
    throw new ProtocolError(
      `${what} cannot be sent between driver and executors: ${errorMessage(err).replace(/\.$/, '')}; ` +
        'use data structuredClone copies (no functions or symbols)',
      { cause: err },
    );
  }
}

export function decodeValue(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}

/** A deep copy made as a receiver's would be (Buffers stay Buffers, unlike structuredClone). */
export function copyValue<T>(value: T): T {
  return deserialize(serialize(value)) as T;
}
