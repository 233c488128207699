/**
 * The decoders Spindle runs on bytes from the network or from disk, as fuzz targets. Each target
 * feeds one input to a decoder; the decoder may return anything or throw one of Spindle's typed errors
 * (SpindleError and its subclasses), and nothing else: a RangeError, a TypeError, an out-of-memory
 * abort or a hang is a finding. Inputs are random bytes and mutations of valid samples (flipped,
 * inserted, removed and truncated bytes), so that the mutations reach past the first length check.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import fc from 'fast-check';
import { ContainerLogTail } from '../../client/container-logs.js';
import { SpilledValues } from '../../executor/group-values.js';
import {
  createCredentials,
  createToken,
  decodeTokenUrlString,
  encodeTokenUrlString,
  parseCredentials,
  serializeCredentials,
} from '../../protocols/credentials/index.js';
import {
  FrameDecoder as DeFrameDecoder,
  deriveChannelKeys,
  decodeFrameBody,
  encodeMessage,
  encodePreamble,
  type ChannelKeys,
  type Message,
} from '../../protocols/driver-executor/index.js';
import { SpindleError } from '../../protocols/errors/index.js';
import { FrameDecoder as RpcFrameDecoder, decodeResponsePacket, encodePacket } from '../../protocols/hadoop-rpc/framing.js';
import { decodeSasl, encodeResponseHeader, encodeSasl } from '../../protocols/hadoop-rpc/messages.js';
import { NmRestClient, parseLogEnvelope, parseLogListing } from '../../protocols/nm-rest/index.js';
import { parseDirectives } from '../../protocols/sasl/directives.js';
import { DigestMd5Client, isCipherSupported, type DigestCipher } from '../../protocols/sasl/index.js';
import { decodeAllocateResponse } from '../../protocols/yarn/index.js';
import { encodeMessage as encodeYarnMessage } from '../../protocols/yarn/wire.js';
import { decodeFrames, encodeFrame, keyedRecords, readSizedFrames, sizedFrames } from '../../executor/shuffle-files.js';
import { parseAvroHeader } from '../../executor/avro-split.js';

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate. */
  samples: Buffer[];
  /** Runs the decoder on one input; throws (or rejects with) only what `expected` accepts. */
  run(input: Buffer): void | Promise<void>;
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

const TOKEN = createToken({ identifier: bytes(20), password: bytes(20), kind: 'YARN_AM_RM_TOKEN', service: '127.0.0.1:8030' });

function credentialsSample(format: 0 | 1): Buffer {
  return serializeCredentials(createCredentials([['svc', TOKEN]], [['spindle.secret', bytes(32)]]), format);
}

/** The JDK 17 DIGEST-MD5 vectors in test/fixtures/sasl (this file runs from dist/test/fuzz). */
interface SaslVectors {
  username: string;
  password: string;
  cases: {
    qop: string;
    cipher: string | null;
    challenge: string;
    response: string;
    success: string;
    server_to_client?: { wrapped_hex: string }[];
  }[];
}
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SASL: SaslVectors = JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'sasl', 'digest-md5-jdk17.json'), 'utf8'));

/** A DIGEST-MD5 client of the vectors' case, its challenge answered (its cnonce replayed) and nothing else yet. */
function respondedClient(c: SaslVectors['cases'][number]): DigestMd5Client {
  const client = new DigestMd5Client({
    username: SASL.username,
    password: SASL.password,
    protocol: '',
    serverId: 'default',
    cnonce: /cnonce="([^"]+)"/.exec(c.response)![1]!,
  });
  client.respond(Buffer.from(c.challenge));
  return client;
}

/**
 * One target per quality of protection the vectors hold: each input is unwrapped by a fresh layer
 * (as the first message from the server), samples are the server's wrapped messages.
 */
function saslLayerTargets(): FuzzTarget[] {
  return SASL.cases
    .filter((c) => c.qop !== 'auth' && (c.cipher === null || isCipherSupported(c.cipher as DigestCipher)))
    .map((c) => ({
      name: `SASL ${c.qop}${c.cipher ? `/${c.cipher}` : ''} wrapped messages`,
      samples: (c.server_to_client ?? []).map((m) => Buffer.from(m.wrapped_hex, 'hex')),
      run: (input: Buffer) => {
        const client = respondedClient(c);
        client.verifyServerFinal(Buffer.from(c.success));
        client.securityLayer()!.unwrap(input);
      },
    }));
}

/** An AllocateResponseProto with a grant, a completion and an NM token. */
function allocateResponseSample(): Buffer {
  const appId = { id: 1, cluster_timestamp: 1700000000000 };
  const containerId = { app_id: appId, app_attempt_id: { application_id: appId, attemptId: 1 }, id: 2 };
  const token = { identifier: bytes(12), password: bytes(8), kind: 'ContainerToken', service: 'h:45454' };
  return encodeYarnMessage('hadoop.yarn.AllocateResponseProto', {
    response_id: 7,
    num_cluster_nodes: 3,
    allocated_containers: [
      {
        id: containerId,
        nodeId: { host: 'h', port: 45454 },
        node_http_address: 'h:8042',
        resource: { memory: 1024, virtual_cores: 1 },
        priority: { priority: 1 },
        container_token: token,
        allocation_request_id: 4,
      },
    ],
    completed_container_statuses: [{ container_id: containerId, state: 3, diagnostics: 'done', exit_status: 0 }],
    nm_tokens: [{ nodeId: { host: 'h', port: 45454 }, token: { ...token, kind: 'NMToken' } }],
  });
}

/** Every sample driver-executor message, framed, one after another. */
function deStream(): Buffer {
  return Buffer.concat(DE_MESSAGES.map(encodeMessage));
}

/** Both ends' channel keys for a fixed handshake (sequence numbers from 0). */
function channelKeys(): { driver: ChannelKeys; executor: ChannelKeys } {
  const [secret, ne, nd, th] = [bytes(32), bytes(32).reverse(), bytes(32), bytes(32).reverse()];
  return { driver: deriveChannelKeys(secret, ne, nd, th, 'driver'), executor: deriveChannelKeys(secret, ne, nd, th, 'executor') };
}

/** A scratch file the file-reading targets write each input to (one per process, made when first needed). */
let scratchFile: string | undefined;
function inputFile(input: Buffer): string {
  if (scratchFile === undefined) {
    // In memory where there is a tmpfs: a stall of a busy disk is not a hang of the decoder.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'spindle-fuzz-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratchFile = join(dir, 'input');
  }
  writeFileSync(scratchFile, input);
  return scratchFile;
}

const LOG_CONTENT = 'line one\nline two\npartial';
const LOG_ENVELOPE = Buffer.from(
  'Container: container_1_0001_01_000002 on localhost:45451\nLogAggregationType: LOCAL\n' +
    '====================================================\nLogType:stdout\nLogLastModifiedTime:Tue Nov 24 14:02:51 +0000 2026\n' +
    `LogLength:${LOG_CONTENT.length}\nLogContents:\n${LOG_CONTENT}End of LogType:stdout.` +
    '[This log file belongs to a running container (container_1_0001_01_000002) and so may not be complete.]\n' +
    '*****************************************************\n\n',
);
const LOG_LISTING = Buffer.from(
  JSON.stringify({
    containerLogsInfo: {
      containerLogInfo: [
        { fileName: 'stdout', fileSize: String(LOG_CONTENT.length), lastModifiedTime: 'Tue Nov 24 14:02:51 +0000 2026' },
        { fileName: 'stderr', fileSize: '0', lastModifiedTime: 'Tue Nov 24 14:02:51 +0000 2026' },
      ],
      logAggregationType: 'LOCAL',
      containerId: 'container_1_0001_01_000002',
      nodeId: 'localhost:45451',
    },
  }),
);

/**
 * Following a container's stdout through a NodeManager that answers `input`: up to its first NUL as
 * the log listing's JSON, the rest as the log envelope (the sample envelope when there is no NUL).
 * The real client (readFrom's catch-up reads included) runs over a transport that answers so.
 */
async function tailOnce(input: Buffer): Promise<void> {
  const cut = input.indexOf(0);
  const listing = cut < 0 ? input : input.subarray(0, cut);
  const envelope = cut < 0 ? LOG_ENVELOPE : input.subarray(cut + 1);
  const nm = new NmRestClient({
    transport: async (request) => ({ status: 200, headers: {}, body: request.url.includes('/containerlogs/') ? envelope : listing }),
  });
  const tail = new ContainerLogTail(nm, 'container_1_0001_01_000002', 'localhost:8042', ['stdout']);
  await tail.poll();
  await tail.poll();
  tail.flush();
}

/** JSON text parsed, or an empty object (what the NodeManager client makes of an empty or non-JSON answer is its own test). */
function jsonOrNothing(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return {};
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
    // What anyone on the network can send once a channel is protected: bytes that must be refused
    // by their record length or tag, whatever the chunking.
    name: 'protected records, raw bytes',
    samples: [Buffer.concat(channelKeys().driver.sealer.seal([deStream()], deStream().length))],
    run: (input) => {
      const { executor } = channelKeys();
      for (let at = 0; at < input.length; at += 7) executor.opener.push(input.subarray(at, at + 7));
    },
  },
  {
    // What an authenticated peer's records may hold: any plaintext, sealed and opened, then framed.
    name: 'protected records, authenticated plaintext',
    samples: [deStream()],
    run: (input) => {
      const { driver, executor } = channelKeys();
      const frames = new DeFrameDecoder(64 * 1024);
      for (const plain of executor.opener.push(Buffer.concat(driver.sealer.seal([input], input.length)))) frames.push(plain);
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
    samples: [
      encodePacket([encodeResponseHeader({ callId: 12, status: 'SUCCESS' }), bytes(30)]),
      encodePacket([
        encodeResponseHeader({ callId: -1, status: 'FATAL', exceptionClassName: 'x.Y', errorMsg: 'no', errorDetail: 'FATAL_UNAUTHORIZED' }),
      ]),
    ],
    run: (input) => {
      const d = new RpcFrameDecoder(64 * 1024);
      for (const packet of d.push(input)) decodeResponsePacket(packet);
      if (input.length > 4) decodeResponsePacket(input.subarray(4));
    },
  },
  {
    name: 'Hadoop RPC response header + SASL body',
    samples: [
      encodePacket([encodeResponseHeader({ callId: -33, status: 'SUCCESS' }), encodeSasl({ state: 'WRAP', token: bytes(24) })]).subarray(4),
      encodePacket([
        encodeResponseHeader({ callId: -33, status: 'SUCCESS' }),
        encodeSasl({
          state: 'NEGOTIATE',
          auths: [
            {
              method: 'TOKEN',
              mechanism: 'DIGEST-MD5',
              protocol: '',
              serverId: 'default',
              challenge: Buffer.from(SASL.cases[0]!.challenge),
            },
          ],
        }),
      ]).subarray(4),
    ],
    run: (input) => {
      const { body } = decodeResponsePacket(input);
      if (body !== undefined) decodeSasl(body);
    },
  },
  {
    name: 'Hadoop RPC response header + YARN allocate body',
    samples: [
      encodePacket([encodeResponseHeader({ callId: 5, status: 'SUCCESS' }), allocateResponseSample()]).subarray(4),
      encodePacket([
        encodeResponseHeader({ callId: 6, status: 'ERROR', exceptionClassName: 'java.io.IOException', errorMsg: 'no' }),
      ]).subarray(4),
    ],
    run: (input) => {
      const { header, body } = decodeResponsePacket(input);
      if (header.status === 'SUCCESS' && body !== undefined) decodeAllocateResponse(body);
    },
  },
  {
    name: 'Hadoop token storage (HDTS)',
    samples: [credentialsSample(0), credentialsSample(1)],
    run: (input) => void parseCredentials(input),
  },
  {
    name: 'Hadoop token URL string',
    samples: [Buffer.from(encodeTokenUrlString(TOKEN))],
    run: (input) => void decodeTokenUrlString(input.toString('latin1')),
  },
  {
    name: 'SASL DIGEST-MD5 challenge directives',
    samples: SASL.cases.map((c) => Buffer.from(c.challenge)),
    run: (input) =>
      void parseDirectives(input, 'challenge', ['realm', 'nonce', 'qop', 'charset', 'cipher', 'algorithm', 'maxbuf', 'stale'], ['realm']),
  },
  {
    name: 'SASL DIGEST-MD5 challenge (client response)',
    samples: SASL.cases.map((c) => Buffer.from(c.challenge)),
    run: (input) => {
      new DigestMd5Client({ username: SASL.username, password: SASL.password, protocol: '', serverId: 'default' }).respond(input);
    },
  },
  {
    name: 'SASL DIGEST-MD5 server final (rspauth)',
    samples: SASL.cases.map((c) => Buffer.from(c.success)),
    run: (input) => respondedClient(SASL.cases[1]!).verifyServerFinal(input),
  },
  ...saslLayerTargets(),
  {
    name: 'shuffle segment frames as keyed records',
    samples: [
      Buffer.concat([
        encodeFrame([
          ['a', 1],
          ['b', [2]],
        ]),
        encodeFrame([[{ k: 1 }, null]]),
      ]),
    ],
    run: (input) => {
      for (const f of sizedFrames(input)) keyedRecords(f.records, 'fuzz');
    },
  },
  {
    name: 'shuffle file frames (readSizedFrames)',
    samples: [Buffer.concat([encodeFrame(['a', 1, { b: [2] }]), encodeFrame([[1, 2]])])],
    // The file holds the input; a range beyond the file is refused before any read (decoder-bounds.test.ts).
    run: async (input) => {
      for await (const _ of readSizedFrames(inputFile(input), 0, input.length));
    },
  },
  {
    name: 'spilled group values',
    samples: [Buffer.concat([encodeFrame([1, 'two', [3]]), encodeFrame([{ four: 4 }])])],
    run: (input) => {
      for (const _ of new SpilledValues(inputFile(input), 0));
    },
  },
  {
    name: 'NodeManager log envelope',
    samples: [LOG_ENVELOPE],
    run: (input) => {
      for (const size of [undefined, LOG_CONTENT.length, -10]) parseLogEnvelope(input, 'stdout', size);
    },
  },
  {
    name: 'NodeManager log listing',
    samples: [LOG_LISTING],
    run: (input) => void parseLogListing(jsonOrNothing(input), 'container_1_0001_01_000002'),
  },
  {
    name: 'container log tail (listing + envelope)',
    samples: [Buffer.concat([LOG_LISTING, Buffer.from([0]), LOG_ENVELOPE])],
    run: tailOnce,
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
