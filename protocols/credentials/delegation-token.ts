import { ProtocolError } from '../errors/index.js';
import { WritableReader, WritableWriter } from './writable.js';

/**
 * The identifier of a delegation token (Hadoop's AbstractDelegationTokenIdentifier: HDFS, YARN and
 * WebHDFS tokens alike), the part of a token that is not secret:
 *
 *   byte   version            0
 *   Text   owner              the user the token acts for (its short name, as the NameNode records it)
 *   Text   renewer            who may renew it (the ResourceManager for an application's tokens)
 *   Text   realUser           a proxy user's real user, else empty
 *   VLong  issueDate          epoch ms
 *   VLong  maxDate            epoch ms: no renewal goes past it (dfs.namenode.delegation.token.max-lifetime)
 *   VInt   sequenceNumber     the server's number for the token (its logs and errors name it)
 *   VInt   masterKeyId
 *
 * e.g. 00 04 "root" 04 "root" 00 8A 01A23CED5E44 8A 01A23CF1F224 16 02 (sequence number 22, master key 2).
 */
export interface DelegationTokenIdentifier {
  owner: string;
  renewer: string;
  realUser: string;
  issueDate: number;
  maxDate: number;
  sequenceNumber: number;
  masterKeyId: number;
}

/** The only identifier version Hadoop writes (AbstractDelegationTokenIdentifier.VERSION). */
const VERSION = 0;

/** Decodes a delegation token identifier. @throws ProtocolError for another version, a cut or trailing bytes. */
export function decodeDelegationTokenIdentifier(bytes: Uint8Array): DelegationTokenIdentifier {
  const what = 'delegation token identifier';
  const r = new WritableReader(bytes, 0, what);
  const version = r.byte('version');
  if (version !== VERSION) throw new ProtocolError(`${what}: version ${version}, expected ${VERSION}`);
  const id: DelegationTokenIdentifier = {
    owner: r.text('owner'),
    renewer: r.text('renewer'),
    realUser: r.text('realUser'),
    issueDate: r.vlong('issueDate'),
    maxDate: r.vlong('maxDate'),
    sequenceNumber: r.vint('sequenceNumber'),
    masterKeyId: r.vint('masterKeyId'),
  };
  if (r.remaining !== 0) throw new ProtocolError(`${what}: ${r.remaining} unexpected bytes after masterKeyId at offset ${r.offset}`);
  return id;
}

/** Encodes a delegation token identifier (the inverse of {@link decodeDelegationTokenIdentifier}). */
export function encodeDelegationTokenIdentifier(id: DelegationTokenIdentifier): Buffer {
  return new WritableWriter()
    .raw(Buffer.from([VERSION]))
    .text(id.owner)
    .text(id.renewer)
    .text(id.realUser)
    .vlong(id.issueDate)
    .vlong(id.maxDate)
    .vint(id.sequenceNumber)
    .vint(id.masterKeyId)
    .toBuffer();
}
