import { expect } from 'chai';
import avro from 'avsc';
import { AvroSplitScanner, blockDecompressor, decodeBlock, parseAvroHeader } from '../../executor/index.js';
import { ProtocolError } from '../../protocols/errors/index.js';

const SCHEMA = {
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'name', type: 'string' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
} as const;

async function containerFile(records: unknown[], codec: 'null' | 'deflate', blockSize: number): Promise<Buffer> {
  const encoder = new avro.streams.BlockEncoder(SCHEMA as unknown as avro.Schema, { codec, blockSize });
  const chunks: Buffer[] = [];
  encoder.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (const r of records) encoder.write(r);
  encoder.end();
  await ended;
  return Buffer.concat(chunks);
}

const parsed = new Map<
  Buffer,
  { header: NonNullable<ReturnType<typeof parseAvroHeader>>; type: avro.Type; decompress: (b: Buffer) => Buffer }
>();

/** Records of the split [start, end), feeding `chunk` bytes at a time. */
function readSplit(file: Buffer, start: number, end: number, chunk: number): unknown[] {
  let p = parsed.get(file);
  if (!p) {
    const header = parseAvroHeader(file, 'test')!;
    p = { header, type: avro.Type.forSchema(header.schema as avro.Schema), decompress: blockDecompressor(header.codec, 'test') };
    parsed.set(file, p);
  }
  const { header, type, decompress } = p;
  const scanner = new AvroSplitScanner(header.sync, start, end, header.length, 'test');
  const out: unknown[] = [];
  for (let i = AvroSplitScanner.scanFrom(start, header.length); i < file.length && !scanner.done; i += chunk) {
    for (const block of scanner.push(file.subarray(i, Math.min(i + chunk, file.length))))
      out.push(...decodeBlock(type, block, decompress, 'test'));
  }
  scanner.finish();
  return out.map((r) => ({ ...(r as object) }));
}

describe('Avro container splits at sync markers', function () {
  this.timeout(60_000);
  const records = Array.from({ length: 60 }, (_, i) => ({
    id: i,
    name: `event-${i}-${'é'.repeat(i % 5)}`,
    tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
    note: i % 3 === 0 ? null : `note ${i}`,
  }));

  for (const codec of ['null', 'deflate'] as const) {
    it(`${codec}: two splits at every boundary offset give every record once`, async () => {
      const file = await containerFile(records, codec, 100);
      const header = parseAvroHeader(file, 'test')!;
      expect(header.codec).to.equal(codec);
      for (let k = 0; k <= file.length; k++) {
        for (const chunk of [7, 1 << 20]) {
          const got = [...readSplit(file, 0, k, chunk), ...readSplit(file, k, file.length, chunk)];
          expect(got, `split at ${k}, chunk ${chunk}`).to.deep.equal(records);
        }
      }
    });
  }

  it('three splits at many offsets, fed one byte at a time', async () => {
    const file = await containerFile(records.slice(0, 20), 'null', 60);
    for (let i = 0; i <= file.length; i += 11) {
      for (let j = i; j <= file.length; j += 13) {
        const got = [...readSplit(file, 0, i, 1), ...readSplit(file, i, j, 1), ...readSplit(file, j, file.length, 1)];
        expect(got, `splits at ${i}, ${j}`).to.deep.equal(records.slice(0, 20));
      }
    }
  });

  it('reports a truncated file and a missing sync marker', async () => {
    const file = await containerFile(records, 'null', 100);
    expect(() => readSplit(file.subarray(0, file.length - 5), 0, file.length, 1 << 20)).to.throw(/truncated|no sync marker/);
    expect(() => parseAvroHeader(Buffer.from('PK\x03\x04 not avro'), 'x.avro')).to.throw(/not an Avro object container file/);
  });
});

describe('Avro header from a corrupt file', () => {
  // Inputs the fuzzer found to make avsc loop for seconds: entry counts no header can hold.
  for (const hex of ['4f626a01d4a896619a76', '4f626a01ddeadc16726176726f2e']) {
    it(`refuses ${hex} at once`, () => {
      const started = performance.now();
      expect(() => parseAvroHeader(Buffer.from(hex, 'hex'), 'bad.avro')).to.throw(ProtocolError, /bad\.avro: the Avro header/);
      expect(performance.now() - started).to.be.lessThan(100);
    });
  }

  it('waits for more bytes when a header is merely cut short', () => {
    const schema = Buffer.from('{"type":"int"}');
    const header = Buffer.concat([
      Buffer.from('4f626a0102', 'hex'),
      Buffer.from([22]),
      Buffer.from('avro.schema'),
      Buffer.from([schema.length * 2]),
      schema,
      Buffer.from([0]),
      Buffer.alloc(16, 1),
    ]);
    expect(parseAvroHeader(header, 'ok.avro')?.length).to.equal(header.length);
    for (const cut of [5, 10, header.length - 1]) expect(parseAvroHeader(header.subarray(0, cut), 'ok.avro')).to.equal(undefined);
  });
});
