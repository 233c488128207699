/**
 * The avro-scan input: an Avro object container file (codec null, 64 KiB blocks) of generated sales
 * records, deterministic for a count and a seed. avro-scan counts the records of one category above
 * an amount ({@link AVRO_FILTER}); the generator counts them as it goes, so every tool's count is
 * checked against it.
 */
import avro from 'avsc';
import { Readable } from 'node:stream';
import { xorshift } from './record-data.js';

export const SALE_SCHEMA = {
  type: 'record',
  name: 'Sale',
  namespace: 'spindle.bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'category', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'quantity', type: 'int' },
    { name: 'note', type: 'string' },
  ],
} as const;

export const CATEGORIES = ['books', 'music', 'garden', 'toys', 'food', 'tools', 'sports', 'health', 'office', 'travel'] as const;
/** avro-scan's filter: category = books and amount > 500 (about 5% of the records). */
export const AVRO_FILTER = { category: 'books', minAmount: 500 } as const;

export interface Sale {
  id: number;
  customer: string;
  category: string;
  amount: number;
  quantity: number;
  note: string;
}

const NOTE = 'fast delivery, gift wrapped, left at the door, signed for by a neighbour, '.repeat(2);
const CHUNK_RECORDS = 5_000;

/** Record `i` of the stream, drawing from `next`. */
export function sale(i: number, next: () => number): Sale {
  return {
    id: i,
    customer: `c${String(next() % 1_000_000).padStart(6, '0')}`,
    category: CATEGORIES[next() % CATEGORIES.length]!,
    amount: (next() % 100_000) / 100,
    quantity: 1 + (next() % 10),
    note: NOTE.slice(0, 20 + (next() % 41)),
  };
}

/** Whether a record passes avro-scan's filter. */
export function matches(r: Pick<Sale, 'category' | 'amount'>): boolean {
  return r.category === AVRO_FILTER.category && r.amount > AVRO_FILTER.minAmount;
}

/** The file's bytes for `count` records; totals are complete once the stream has ended. */
export function avroData(count: number, seed = 3): { stream: Readable; totals: { records: number; matches: number } } {
  const next = xorshift(seed);
  const totals = { records: 0, matches: 0 };
  // A fixed sync marker (avsc draws a random one), so that the same count gives the same bytes.
  const syncMarker = Buffer.from('spindle-bench-v1');
  const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(SALE_SCHEMA as unknown as avro.Schema), { codec: 'null', syncMarker });
  const records = new Readable({
    objectMode: true,
    highWaterMark: 1,
    read() {
      if (totals.records >= count) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK_RECORDS, count - totals.records);
      // One push per record keeps to the encoder's object stream; the batch bounds the work per read.
      for (let j = 0; j < n; j++) {
        const r = sale(totals.records++, next);
        if (matches(r)) totals.matches++;
        this.push(r);
      }
    },
  });
  records.on('error', (err) => encoder.destroy(err));
  records.pipe(encoder);
  return { stream: encoder as unknown as Readable, totals };
}
