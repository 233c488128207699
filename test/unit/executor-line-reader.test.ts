import { expect } from 'chai';
import { SplitLineReader } from '../../executor/index.js';

/** Lines as Hadoop reads them: \n, \r and \r\n end lines; no empty line after the last ending. */
function referenceLines(bytes: Buffer): string[] {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (/[\r\n]$/.test(text)) lines.pop();
  return lines;
}

/** Reads the split [start, end) of `bytes` fed in chunks of `chunk` bytes. */
function readSplit(bytes: Buffer, start: number, end: number, chunk: number): string[] {
  const reader = new SplitLineReader(start, end);
  const out: string[] = [];
  for (let i = SplitLineReader.feedOffset(start); i < bytes.length && !reader.done; i += chunk) {
    out.push(...reader.push(bytes.subarray(i, Math.min(i + chunk, bytes.length))));
  }
  out.push(...reader.finish());
  return out;
}

const SAMPLES: Record<string, string> = {
  'LF only': 'a\nbb\nccc\n',
  'CRLF only': 'a\r\nbb\r\n\r\nccc',
  'CR only': 'a\rbb\r\rccc\r',
  mixed: 'one\r\ntwo\rthree\n\nfour\r\r\nfive\n\r\nsix',
  'multi-byte': 'αβγ\r\n雪が降る\n🎉🎉\rü\r\n\n€',
  'empty lines only': '\n\n\r\n\r\r',
  'no ending': 'just one line',
  'byte order mark': '\uFEFFfirst\r\nsecond\n',
  'ends with CR': 'x\ry\r',
  'empty file': '',
};

describe('SplitLineReader (Hadoop line semantics)', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    const bytes = Buffer.from(text, 'utf8');
    const expected = referenceLines(bytes);

    it(`${name}: one split reads every line, for every chunk size`, () => {
      for (const chunk of [1, 2, 3, 5, 1 << 20]) {
        expect(readSplit(bytes, 0, bytes.length, chunk), `chunk ${chunk}`).to.deep.equal(expected);
      }
    });

    it(`${name}: two splits at every boundary offset lose and duplicate nothing`, () => {
      for (let k = 0; k <= bytes.length; k++) {
        for (const chunk of [1, 4, 1 << 20]) {
          const lines = [...readSplit(bytes, 0, k, chunk), ...readSplit(bytes, k, bytes.length, chunk)];
          expect(lines, `split at ${k}, chunk ${chunk}`).to.deep.equal(expected);
        }
      }
    });

    it(`${name}: three splits at every pair of offsets lose and duplicate nothing`, () => {
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          const lines = [...readSplit(bytes, 0, i, 3), ...readSplit(bytes, i, j, 3), ...readSplit(bytes, j, bytes.length, 3)];
          expect(lines, `splits at ${i}, ${j}`).to.deep.equal(expected);
        }
      }
    });
  }

  it('a line belongs to the split where its first byte is, however far it runs', () => {
    const bytes = Buffer.from('0123456789\nabc\n');
    expect(readSplit(bytes, 0, 1, 4)).to.deep.equal(['0123456789']);
    expect(readSplit(bytes, 1, 11, 4)).to.deep.equal([]);
    expect(readSplit(bytes, 11, 15, 4)).to.deep.equal(['abc']);
  });

  it('stops reading once the next line starts past the split', () => {
    const bytes = Buffer.from('a\nb\nc\nd\n');
    const reader = new SplitLineReader(0, 3);
    expect(reader.push(bytes.subarray(0, 4))).to.deep.equal(['a', 'b']);
    expect(reader.done).to.equal(true);
    expect(reader.push(bytes.subarray(4))).to.deep.equal([]);
  });

  it('never cuts a multi-byte character, whatever the chunking', () => {
    const text = `${'€'.repeat(5)}\n${'🎉'.repeat(3)}`;
    const bytes = Buffer.from(text);
    for (let chunk = 1; chunk <= bytes.length; chunk++) {
      expect(readSplit(bytes, 0, bytes.length, chunk)).to.deep.equal(['€€€€€', '🎉🎉🎉']);
    }
  });
});
