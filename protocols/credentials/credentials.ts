import { readFile } from 'node:fs/promises';
import { ConfigError, ProtocolError, errorMessage } from '../errors/index.js';
import { readProtobufCredentials, writeProtobufCredentials } from './protobuf-format.js';
import { createCredentials, type Credentials } from './token.js';
import { readWritableCredentials, writeWritableCredentials } from './writable.js';

/**
 * Hadoop token storage ("HDTS"), the format of container_tokens files and of
 * ContainerLaunchContext.tokens (Credentials.readTokenStorageStream / writeTokenStorageToStream):
 *
 *   "HDTS" (48 44 54 53) | format byte | body
 *   format 0 = Writable body (writable.ts), 1 = delimited CredentialsProto (protobuf-format.ts)
 *
 * Hadoop 3.3+ writes format 0 by default; some 3.0-era releases wrote format 1. Both are read.
 */

const MAGIC = Buffer.from('HDTS', 'latin1');
const HEADER_LENGTH = MAGIC.length + 1;
/** Format Hadoop writes by default ("the oldest supported format for compatibility"). */
export const DEFAULT_CREDENTIALS_FORMAT = 0;

/** Parses an HDTS byte stream (format 0 or 1). Throws ProtocolError naming what is wrong and where. */
export function parseCredentials(bytes: Uint8Array): Credentials {
  if (bytes.length < HEADER_LENGTH) {
    throw new ProtocolError(`token storage: ${bytes.length} bytes, too short for the "HDTS" header`);
  }
  if (!MAGIC.equals(bytes.subarray(0, MAGIC.length))) {
    const got = Buffer.from(bytes.subarray(0, MAGIC.length)).toString('hex');
    throw new ProtocolError(`token storage: bad magic at offset 0: expected 48445453 ("HDTS"), got ${got}`);
  }
  const format = bytes[MAGIC.length]!;
  const body =
    format === 0 ? readWritableCredentials(bytes, HEADER_LENGTH) : format === 1 ? readProtobufCredentials(bytes, HEADER_LENGTH) : undefined;
  if (body === undefined) {
    throw new ProtocolError(`token storage: unknown format ${format} at offset ${MAGIC.length} (expected 0 or 1)`);
  }
  return createCredentials(body.tokens, body.secrets);
}

/** Serialises credentials as HDTS; format 0 (Writable) by default, like Hadoop. */
export function serializeCredentials(creds: Credentials, format: 0 | 1 = DEFAULT_CREDENTIALS_FORMAT): Buffer {
  if (format !== 0 && format !== 1) throw new ConfigError(`serializeCredentials: format must be 0 or 1, got ${String(format)}`);
  const body = format === 0 ? writeWritableCredentials(creds.tokens, creds.secrets) : writeProtobufCredentials(creds.tokens, creds.secrets);
  return Buffer.concat([MAGIC, Buffer.from([format]), body]);
}

/** Reads and parses a token storage file such as `$HADOOP_TOKEN_FILE_LOCATION`. */
export async function readCredentialsFile(path: string): Promise<Credentials> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ConfigError(`read credentials file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return parseCredentials(bytes);
  } catch (err) {
    throw new ProtocolError(`read credentials file ${path}: ${errorMessage(err)}`, { cause: err });
  }
}
