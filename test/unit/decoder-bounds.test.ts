import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { SpilledValues } from '../../executor/group-values.js';
import { CorruptShuffleDataError, encodeFrame, keyedRecords, mapOutputRange, readFrames, readRange } from '../../executor/shuffle-files.js';
import { AuthenticationError, ProtocolError } from '../../protocols/errors/index.js';
import { FrameDecoder, decodeResponsePacket } from '../../protocols/hadoop-rpc/framing.js';
import { decodeSasl } from '../../protocols/hadoop-rpc/messages.js';
import { parseLogEnvelope, parseLogListing } from '../../protocols/nm-rest/index.js';
import { DigestMd5Client } from '../../protocols/sasl/index.js';

/**
 * Hostile lengths and counts: each decoder refuses a length far beyond its input (2^31 in about 20
 * bytes) with its typed error, before allocating anything of that size. An allocation would show as a
 * RangeError or an out-of-memory abort instead, or as tens of megabytes more in use.
 */

const GIB2 = 2 ** 31;

/** Runs `f` and returns what it threw, checking that the heap did not grow by anything like `GIB2`. */
async function refusal(f: () => unknown): Promise<unknown> {
  const before = process.memoryUsage();
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  const after = process.memoryUsage();
  expect(after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed)).to.be.lessThan(64 * 1024 * 1024);
  return err;
}

describe('decoders refuse hostile lengths and counts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-bounds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('Hadoop RPC', () => {
    it('a packet length of 2^31 - 1 (beyond DEFAULT_MAX_PACKET_LENGTH) in a 20-byte input', async () => {
      const input = Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.alloc(16)]);
      const err = await refusal(() => new FrameDecoder().push(input));
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as Error).message).to.match(/RPC packet length 2147483647 outside 0\.\.134217728/);
    });

    it('a delimited message of 2^31 bytes inside a 20-byte packet', async () => {
      // varint 2^31 = 80 80 80 80 08
      const packet = Buffer.concat([Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), Buffer.alloc(15)]);
      const err = await refusal(() => decodeResponsePacket(packet));
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as Error).message).to.match(/message of 2147483648 bytes overruns the packet \(15 left\)/);
    });

    it('a SASL token field claiming 2^31 bytes in a 20-byte RpcSaslProto', async () => {
      // state = WRAP (field 2 varint 5), token (field 3, length-delimited) of 2^31 bytes
      const body = Buffer.concat([Buffer.from([0x10, 0x05, 0x1a, 0x80, 0x80, 0x80, 0x80, 0x08]), Buffer.alloc(12)]);
      const err = await refusal(() => decodeSasl(body));
      expect(err).to.be.instanceOf(ProtocolError);
      expect((err as Error).message).to.match(/cannot decode RpcSaslProto/);
    });
  });

  describe('SASL DIGEST-MD5', () => {
    it('a challenge beyond RFC 2831s 2048 bytes is refused before it is parsed', async () => {
      const client = new DigestMd5Client({ username: 'u', password: 'p', protocol: '', serverId: 'default' });
      const err = await refusal(() => client.respond(Buffer.alloc(2049, 0x61)));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect((err as Error).message).to.match(/2049 bytes, more than 2048/);
    });
  });

  describe('shuffle files', () => {
    it('readRange: a range of 2^31 bytes named by an index, in a 20-byte file', async () => {
      const path = join(dir, 'shuffle_0_0_1.data');
      writeFileSync(path, Buffer.alloc(20));
      const err = await refusal(() => readRange(path, 0, GIB2));
      expect(err).to.be.instanceOf(CorruptShuffleDataError);
      expect((err as CorruptShuffleDataError).path).to.equal(path);
      expect((err as Error).message).to.contain(`has 20 bytes, not the ${GIB2} at byte 0 its index names`);
    });

    it('readFrames: an index range past the end of the file, and a frame length of 2^31 - 1 inside it', async () => {
      const path = join(dir, 'f.data');
      const frame = encodeFrame([1, 2]);
      writeFileSync(path, frame);
      const drain = async (start: number, length: number): Promise<void> => {
        for await (const _ of readFrames(path, start, length));
      };
      expect(await refusal(() => drain(0, GIB2))).to.be.instanceOf(CorruptShuffleDataError);
      expect(await refusal(() => drain(frame.length, 1))).to.be.instanceOf(CorruptShuffleDataError);
      writeFileSync(path, Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.alloc(16)]));
      const err = await refusal(() => drain(0, 20));
      expect(err).to.be.instanceOf(CorruptShuffleDataError);
      expect((err as Error).message).to.match(/frame of 2147483647 bytes at byte 0 runs past its range/);
    });

    it('mapOutputRange: a reducer the index does not have is a ProtocolError, as is a name that is not a map output', async () => {
      writeFileSync(join(dir, 'shuffle_0_0_1.index'), '[4,5]');
      for (const [name, reduceId] of [
        ['shuffle_0_0_1', 2],
        ['shuffle_0_0_1', -1],
        ['shuffle_0_0_1', 0.5],
        ['../etc/passwd', 0],
      ] as const) {
        const err = await mapOutputRange(dir, name, reduceId).catch((e: unknown) => e);
        expect(err, `${name} ${reduceId}`).to.be.instanceOf(ProtocolError);
      }
    });

    it('spilled group values: a frame length of 2^31 - 1 in a 20-byte file, a cut header, a frame of no array', async () => {
      const path = join(dir, 'group');
      const values = (): unknown[] => [...new SpilledValues(path, 0)];
      writeFileSync(path, Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.alloc(16)]));
      const err = await refusal(values);
      expect(err).to.be.instanceOf(CorruptShuffleDataError);
      expect((err as Error).message).to.match(/frame of 2147483647 bytes at byte 0 runs past the file \(20\)/);
      writeFileSync(path, Buffer.concat([encodeFrame([1]), Buffer.from([0, 0])]));
      expect(values).to.throw(CorruptShuffleDataError, /ends inside a frame header/);
      const notArray = serialize({ a: 1 });
      const head = Buffer.alloc(4);
      head.writeUInt32BE(notArray.length);
      writeFileSync(path, Buffer.concat([head, notArray]));
      expect(values).to.throw(CorruptShuffleDataError, /holds no record array/);
      writeFileSync(path, Buffer.concat([encodeFrame([1, 'two']), encodeFrame([[3]])]));
      expect(values()).to.deep.equal([1, 'two', [3]]);
    });

    it('keyed records: a frame whose records are not [key, value] arrays is corrupt', () => {
      expect(keyedRecords([['a', 1], ['b']], 'here')).to.have.length(2);
      for (const bad of [[['a', 1], null], [1], ['ab']]) {
        expect(() => keyedRecords(bad, 'here'), JSON.stringify(bad)).to.throw(CorruptShuffleDataError, /is not a \[key, value\] pair/);
      }
    });
  });

  describe('NodeManager answers', () => {
    const envelope = (length: string): Buffer =>
      Buffer.from(`LogType:stdout\nLogLength:${length}\nLogContents:\nabc\nEnd of LogType:stdout.\n`);

    it('a LogLength that is no byte count a file can have', () => {
      expect(parseLogEnvelope(envelope('4'), 'stdout').data.toString()).to.equal('abc\n');
      expect(() => parseLogEnvelope(envelope('99999999999999999999'), 'stdout', -4)).to.throw(
        ProtocolError,
        /LogLength is 100000000000000000000, not a byte count/,
      );
    });

    it('a listed fileSize that is negative, fractional or beyond 2^53', () => {
      for (const size of ['-1', '1.5', '1e300']) {
        const listing = { containerLogsInfo: { containerLogInfo: [{ fileName: 'stdout\n', fileSize: size }] } };
        expect(() => parseLogListing(listing, 'c'), size).to.throw(ProtocolError, /fileSize of stdout\\u000a is .*, not a byte count/);
      }
    });
  });
});
