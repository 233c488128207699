import protobuf from 'protobufjs';
import { ProtocolError } from '../errors/index.js';
import { descriptor } from './proto/descriptor.generated.js';

/**
 * The protobuf layer of the YARN package: loads our own descriptors once and turns plain objects
 * into message bytes and back. Nothing outside this package sees protobufjs types.
 *
 * Decoded objects are plain data shaped like the .proto (snake_case names as written there):
 * only fields present on the wire appear (proto2 presence is kept, defaults are NOT filled in —
 * convert.ts applies them), int64 values arrive as decimal strings (lossless, no Long objects),
 * enums as numbers, bytes as Buffers, repeated fields always as arrays.
 */

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);

/** Fully qualified names of the messages this package encodes or decodes. */
export type MessageName =
  | 'hadoop.yarn.RegisterApplicationMasterRequestProto'
  | 'hadoop.yarn.RegisterApplicationMasterResponseProto'
  | 'hadoop.yarn.AllocateRequestProto'
  | 'hadoop.yarn.AllocateResponseProto'
  | 'hadoop.yarn.FinishApplicationMasterRequestProto'
  | 'hadoop.yarn.FinishApplicationMasterResponseProto'
  | 'hadoop.yarn.StartContainersRequestProto'
  | 'hadoop.yarn.StartContainersResponseProto'
  | 'hadoop.yarn.StopContainersRequestProto'
  | 'hadoop.yarn.StopContainersResponseProto'
  | 'hadoop.yarn.GetContainerStatusesRequestProto'
  | 'hadoop.yarn.GetContainerStatusesResponseProto'
  | 'hadoop.yarn.GetApplicationReportRequestProto'
  | 'hadoop.yarn.GetApplicationReportResponseProto'
  // Records, for tests and fixtures.
  | 'hadoop.yarn.ContainerIdProto'
  | 'hadoop.yarn.ResourceRequestProto'
  | 'hadoop.yarn.ContainerProto'
  | 'hadoop.yarn.ContainerStatusProto'
  | 'hadoop.yarn.ContainerLaunchContextProto'
  | 'hadoop.yarn.URLProto'
  | 'hadoop.common.TokenProto';

const types = new Map<MessageName, protobuf.Type>();

function typeOf(name: MessageName): protobuf.Type {
  let type = types.get(name);
  if (!type) {
    type = root.lookupType(name);
    types.set(name, type);
  }
  return type;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, arrays: true, defaults: false };

/**
 * Encode a plain object as message `name`. Only properties that are set (neither undefined nor
 * null) are written, so a field is present on the wire exactly when the caller set it — also
 * when it equals the proto2 default. int64 fields take numbers or decimal strings.
 */
export function encodeMessage(name: MessageName, value: object): Buffer {
  const type = typeOf(name);
  const message = type.fromObject(value as Record<string, unknown>);
  return Buffer.from(type.encode(message).finish());
}

/**
 * Decode message bytes into a plain object (see the module comment for its shape).
 * @param operation what the bytes are the answer to, for the error message.
 * @throws ProtocolError when the bytes are not a valid `name` message.
 */
export function decodeMessage<T>(name: MessageName, bytes: Uint8Array, operation: string): T {
  const type = typeOf(name);
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT) as T;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ProtocolError(`${operation}: cannot decode ${name.slice(name.lastIndexOf('.') + 1)}: ${detail}`, {
      operation,
      cause,
    });
  }
}

/**
 * Decode a response and convert it to our types; a ProtocolError from the conversion (a field
 * we cannot do without is missing) gets the operation prepended.
 */
export function decodeResponse<P, T>(name: MessageName, bytes: Uint8Array, operation: string, convert: (p: P) => T): T {
  const p = decodeMessage<P>(name, bytes, operation);
  try {
    return convert(p);
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause;
    throw new ProtocolError(`${operation}: ${cause.message}`, { operation, cause });
  }
}
