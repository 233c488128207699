/**
 * The decoders Spindle runs on bytes from the network or from disk, as fuzz targets. Each target
 * feeds one input to a decoder; the decoder may return anything or throw one of Spindle's typed errors
 * (SpindleError and its subclasses), and nothing else: a RangeError, a TypeError, an out-of-memory
 * abort or a hang is a finding. Inputs are random bytes and mutations of valid samples (flipped,
 * inserted, removed and truncated bytes), so that the mutations reach past the first length check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import fc from 'fast-check';
import { parseCredentials, serializeCredentials, createCredentials, createToken } from '../../protocols/credentials/index.js';
import {
  FrameDecoder as DeFrameDecoder,
  decodeFrameBody,
  encodeMessage,
  encodePreamble,
  type Message,
} from '../../protocols/driver-executor/index.js';
import { SpindleError } from '../../protocols/errors/index.js';
import { FrameDecoder as RpcFrameDecoder, decodeResponsePacket, encodePacket } from '../../protocols/hadoop-rpc/framing.js';
import { parseDirectives } from '../../protocols/sasl/directives.js';
import { decodeFrames, encodeFrame } from '../../executor/shuffle-files.js';
import { parseAvroHeader } from '../../executor/avro-split.js';

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate. */
  samples: Buffer[];
  /** Runs the decoder on one input; throws only what `expected` accepts. */
  run(input: Buffer): void;
}

/** What a decoder may throw: one of our typed errors. */
export function expected(err: unknown): boolean {
  return err instanceof SpindleError;
}

const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

const DE_MESSAGES: Message[] = [
  { type: 'hello', executorId: '3', host: 'node-1', containerId: 'container_1_0001_01_000002', cores: 2, pid: 42, nonce: bytes(16) },
  { type: 'welcome', appId: 'application_1_0001', nameNodes: ['http://nn1:9870', 'http://nn2:9870'], hdfsUser: 'alice' },
  { type: 'launch', tasks: [{ tid: 7, stageId: 1, partition: 3, attempt: 0, inputs: bytes(40) }] },
  { type: 'cancel', tids: [1, 2, 300000] },
  {
    type: 'status',
    updates: [
      {
        tid: 7,
        succeeded: false,
        result: null,
        error: { kind: 'USER', name: 'Error', message: 'boom', stack: 'at x' },
        records: 10,
        bytesRead: 100,
        bytesWritten: 0,
        durationUs: 5,
      },
    ],
  },
  {
    type: 'stage',
    plan: {
      stageId: 1,
      description: 'count of range(10)',
      nodes: [{ id: 0, op: 'range', parents: [], numPartitions: 2, fns: [{ source: '(x) => x', builtin: null, env: null }], params: null }],
      root: 0,
      action: { kind: 'count', fns: [], params: null },
    },
  },
  { type: 'fetch', reqId: 9, files: ['shuffle_0_1_2'], reduceId: 1 },
  { type: 'blocks', reqId: 9, index: 0, data: bytes(30), last: true, error: null },
];

function credentialsSample(): Buffer {
  const token = createToken({ identifier: bytes(20), password: bytes(20), kind: 'YARN_AM_RM_TOKEN', service: '127.0.0.1:8030' });
  return serializeCredentials(createCredentials([['svc', token]], [['spindle.secret', bytes(32)]]));
}

function saslChallenges(): Buffer[] {
  const file = join(process.cwd(), '..', 'shared', 'vectors', 'digest-md5-jdk17.json');
  const fallback = [Buffer.from('realm="default",nonce="abc",qop="auth-conf",charset=utf-8,cipher="3des,rc4",algorithm=md5-sess')];
  try {
    const cases = (JSON.parse(readFileSync(file, 'utf8')) as { cases: { challenge: string }[] }).cases;
    return cases.length > 0 ? cases.map((c) => Buffer.from(c.challenge)) : fallback;
  } catch {
    // The vectors live beside the repository on developer machines; the fallback keeps this self-contained.
    return fallback;
  }
}

/** An Avro object container header with a schema and codec, as a file starts. */
function avroHeaderSample(): Buffer {
  const schema = Buffer.from(JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] }));
  const entry = (key: string, value: Buffer): Buffer => Buffer.concat([zz(key.length), Buffer.from(key), zz(value.length), value]);
  return Buffer.concat([
    Buffer.from('Obj\x01', 'latin1'),
    zz(2),
    entry('avro.schema', schema),
    entry('avro.codec', Buffer.from('null')),
    zz(0),
    bytes(16),
  ]);
}

function zz(n: number): Buffer {
  let v = n * 2;
  const out: number[] = [];
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

export const TARGETS: FuzzTarget[] = [
  {
    name: 'driver-executor message body',
    samples: DE_MESSAGES.map((m) => encodeMessage(m).subarray(4)),
    run: (input) => void decodeFrameBody(input),
  },
  {
    name: 'driver-executor frame stream',
    samples: [Buffer.concat([encodePreamble().subarray(6), ...DE_MESSAGES.map(encodeMessage)])],
    run: (input) => {
      const d = new DeFrameDecoder(64 * 1024);
      for (let at = 0; at < input.length; at += 7) d.push(input.subarray(at, at + 7));
    },
  },
  {
    name: 'shuffle segment frames',
    samples: [
      Buffer.concat([encodeFrame(['a', 1, { b: [2] }]), encodeFrame([[1, 2]])]),
      Buffer.concat([encodeFrame([]), Buffer.from(serialize([1]))]),
    ],
    run: (input) => {
      for (const _ of decodeFrames(input));
    },
  },
  {
    name: 'Hadoop RPC response packets',
    samples: [encodePacket([bytes(12), bytes(30)]), encodePacket([bytes(5)])],
    run: (input) => {
      const d = new RpcFrameDecoder(64 * 1024);
      for (const packet of d.push(input)) decodeResponsePacket(packet);
      if (input.length > 4) decodeResponsePacket(input.subarray(4));
    },
  },
  {
    name: 'Hadoop token storage (HDTS)',
    samples: [credentialsSample()],
    run: (input) => void parseCredentials(input),
  },
  {
    name: 'SASL DIGEST-MD5 challenge directives',
    samples: saslChallenges(),
    run: (input) =>
      void parseDirectives(input, 'challenge', ['realm', 'nonce', 'qop', 'charset', 'cipher', 'algorithm', 'maxbuf', 'stale'], ['realm']),
  },
  {
    name: 'Avro object container header',
    samples: [avroHeaderSample()],
    run: (input) => void parseAvroHeader(input, 'fuzz.avro'),
  },
];

/** Random bytes, or a valid sample with a few random edits. */
export function inputsFor(target: FuzzTarget): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
  );
  const mutated = fc.tuple(fc.constantFrom(...target.samples), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([sample, edits]) => {
    let b = Buffer.from(sample);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip' && b.length > 0) b[at] = e.value;
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([e.value]), b.subarray(at)]);
      else if (e.kind === 'remove') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else if (e.kind === 'truncate') b = b.subarray(0, at);
    }
    return b;
  });
  const random = fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a));
  return fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: random, weight: 1 });
}
