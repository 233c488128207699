import protobuf from 'protobufjs';
import { ProtocolError, errorMessage } from '../errors/index.js';
import { descriptor } from './proto/descriptor.generated.js';
import { createToken, type Token } from './token.js';

/**
 * HDTS format 1 body (Credentials.writeProto / readProto): one CredentialsProto written with
 * writeDelimitedTo, i.e. a protobuf varint byte length followed by the message.
 *
 *   varint len | CredentialsProto { tokens  = 1: CredentialsKVProto { alias = 1, token  = 2 } *
 *                                   secrets = 2: CredentialsKVProto { alias = 1, secret = 3 } * }
 *   TokenProto { identifier = 1, password = 2, kind = 3, service = 4 }
 *
 * These wire types stay in this file; callers see Token and plain maps.
 */

const root = protobuf.Root.fromJSON(descriptor);
const CredentialsProto = root.lookupType('hadoop.common.CredentialsProto');

interface TokenProto {
  identifier: Uint8Array;
  password: Uint8Array;
  kind: string;
  service: string;
}
interface CredentialsKVProto {
  alias: string;
  token?: TokenProto;
  secret?: Uint8Array;
}
interface CredentialsProtoValue {
  tokens: CredentialsKVProto[];
  secrets: CredentialsKVProto[];
}

/** Reads the delimited CredentialsProto at `offset`. Bytes after it are ignored, as Java does. */
export function readProtobufCredentials(bytes: Uint8Array, offset: number): { tokens: [string, Token][]; secrets: [string, Buffer][] } {
  const what = 'HDTS format 1';
  const { value: length, size } = readVarint32(bytes, offset, what);
  const start = offset + size;
  if (start + length > bytes.length) {
    throw new ProtocolError(`${what}: truncated CredentialsProto: needs ${length} bytes at offset ${start}, ${bytes.length - start} left`);
  }
  let message: CredentialsProtoValue;
  try {
    const decoded = CredentialsProto.decode(bytes.subarray(start, start + length));
    message = CredentialsProto.toObject(decoded, { defaults: true, arrays: true }) as unknown as CredentialsProtoValue;
  } catch (err) {
    throw new ProtocolError(`${what}: invalid CredentialsProto at offset ${start}: ${errorMessage(err)}`, { cause: err });
  }
  const tokens = message.tokens.map((kv, i): [string, Token] => {
    if (!kv.token) throw new ProtocolError(`${what}: tokens[${i}] (alias '${kv.alias}') has no token`);
    return [kv.alias, createToken(kv.token)];
  });
  const secrets = message.secrets.map((kv): [string, Buffer] => [kv.alias, Buffer.from(kv.secret ?? new Uint8Array(0))]);
  return { tokens, secrets };
}

/** Writes the delimited CredentialsProto. */
export function writeProtobufCredentials(tokens: Map<string, Token>, secrets: Map<string, Buffer>): Buffer {
  const value: CredentialsProtoValue = {
    tokens: [...tokens].map(([alias, t]) => ({
      alias,
      token: { identifier: t.identifier, password: t.password, kind: t.kind, service: t.service },
    })),
    secrets: [...secrets].map(([alias, secret]) => ({ alias, secret })),
  };
  return Buffer.from(CredentialsProto.encodeDelimited(CredentialsProto.fromObject(value)).finish());
}

/** A protobuf varint that must fit in 31 bits (a message length). */
function readVarint32(bytes: Uint8Array, offset: number, what: string): { value: number; size: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (offset + i >= bytes.length) throw new ProtocolError(`${what}: truncated length varint at offset ${offset}`);
    const b = bytes[offset + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0x7fffffff) throw new ProtocolError(`${what}: length ${value} at offset ${offset} is too large`);
      return { value, size: i + 1 };
    }
  }
  throw new ProtocolError(`${what}: malformed length varint at offset ${offset}`);
}
