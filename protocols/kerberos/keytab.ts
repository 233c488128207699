/**
 * The principals in an MIT keytab file, read without the native library (so that `--keytab` is checked
 * before anything logs in). Layout (MIT krb5 `keytab.txt`; all integers big-endian):
 *
 *   file    = 0x05 0x02 (version 2; 0x05 0x01 counts the realm among the components) entry*
 *   entry   = int32 size (negative: a hole of -size bytes, skipped) record[size]
 *   record  = uint16 components, data realm, data component * components, uint32 name type (v2 only),
 *             uint32 timestamp, uint8 kvno, uint16 key type, data key, [uint32 kvno]
 *   data    = uint16 length, bytes
 */

/** Thrown for bytes that are not a keytab; the message says where they stop making sense. */
export class KeytabFormatError extends Error {
  override readonly name = 'KeytabFormatError';
}

/** Principals (`name/instance@REALM`) of a keytab's entries, each once, in file order. */
export function keytabPrincipals(bytes: Buffer): string[] {
  if (bytes.length < 2 || bytes[0] !== 0x05 || (bytes[1] !== 0x01 && bytes[1] !== 0x02)) {
    throw new KeytabFormatError('not a keytab (it does not start with 0x05 0x01 or 0x05 0x02)');
  }
  const v1 = bytes[1] === 0x01;
  const out: string[] = [];
  let at = 2;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new KeytabFormatError(`truncated entry length at byte ${at}`);
    const size = bytes.readInt32BE(at);
    at += 4;
    const end = at + Math.abs(size);
    if (end > bytes.length) throw new KeytabFormatError(`entry at byte ${at - 4} runs past the end of the file`);
    if (size > 0) {
      const principal = readPrincipal(bytes.subarray(at, end), v1);
      if (!out.includes(principal)) out.push(principal);
    }
    at = end;
  }
  return out;
}

function readPrincipal(record: Buffer, v1: boolean): string {
  let at = 0;
  const need = (n: number): void => {
    if (at + n > record.length) throw new KeytabFormatError('truncated principal in an entry');
  };
  const data = (): string => {
    need(2);
    const len = record.readUInt16BE(at);
    need(2 + len);
    const s = record.subarray(at + 2, at + 2 + len).toString('utf8');
    at += 2 + len;
    return s;
  };
  need(2);
  const count = record.readUInt16BE(at) - (v1 ? 1 : 0);
  at += 2;
  const realm = data();
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(data());
  return `${parts.join('/')}@${realm}`;
}
