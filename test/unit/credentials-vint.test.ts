import { expect } from 'chai';
import { decodeVInt, decodeVLong, encodeVInt, encodeVLong } from '../../protocols/credentials/index.js';
import { ProtocolError } from '../../protocols/errors/index.js';

/** Hadoop WritableUtils.writeVLong output, worked out by hand from its rules. */
const TABLE: [number | bigint, string][] = [
  [0, '00'],
  [1, '01'],
  [-1, 'ff'],
  [127, '7f'],
  [128, '8f80'],
  [-112, '90'],
  [-113, '8770'],
  [-114, '8771'],
  [-128, '877f'],
  [-256, '87ff'],
  [-257, '860100'],
  [200, '8fc8'],
  [255, '8fff'],
  [256, '8e0100'],
  [300, '8e012c'],
  [65535, '8effff'],
  [65536, '8d010000'],
  [2 ** 31 - 1, '8c7fffffff'],
  [-(2 ** 31), '847fffffff'],
  [2 ** 32, '8b0100000000'],
  [Number.MAX_SAFE_INTEGER, '891fffffffffffff'],
  [2n ** 63n - 1n, '887fffffffffffffff'],
  [-(2n ** 63n), '807fffffffffffffff'],
];

describe('credentials VInt (Hadoop WritableUtils)', () => {
  for (const [value, bytes] of TABLE) {
    it(`${value} <-> ${bytes}`, () => {
      expect(encodeVLong(value).toString('hex')).to.equal(bytes);
      const decoded = decodeVLong(Buffer.from(bytes, 'hex'), 0);
      expect(decoded.size).to.equal(bytes.length / 2);
      expect(BigInt(decoded.value)).to.equal(BigInt(value));
    });
  }

  it('returns numbers for safe integers and bigints beyond', () => {
    expect(decodeVLong(Buffer.from('891fffffffffffff', 'hex'), 0).value).to.equal(Number.MAX_SAFE_INTEGER);
    expect(decodeVLong(Buffer.from('8920000000000000', 'hex'), 0).value).to.equal(2n ** 53n);
    expect(decodeVLong(Buffer.from('807fffffffffffffff', 'hex'), 0).value).to.equal(-(2n ** 63n));
  });

  it('encodes numbers and bigints identically', () => {
    for (const v of [0, -112, -113, 127, 128, 300, -300, 2 ** 40, -(2 ** 40)]) {
      expect(encodeVLong(BigInt(v)).equals(encodeVLong(v)), String(v)).to.equal(true);
    }
  });

  it('round-trips every value in -70000..70000 and around every power of two', () => {
    const values: bigint[] = [];
    for (let v = -70000; v <= 70000; v++) values.push(BigInt(v));
    for (let p = 0n; p < 63n; p++) values.push(2n ** p - 1n, 2n ** p, 2n ** p + 1n, -(2n ** p) - 1n, -(2n ** p), -(2n ** p) + 1n);
    for (const v of values) {
      const bytes = encodeVLong(v);
      const { value, size } = decodeVLong(bytes, 0);
      if (BigInt(value) !== v || size !== bytes.length) expect.fail(`${v} -> ${bytes.toString('hex')} -> ${value}/${size}`);
    }
  });

  it('decodes at an offset inside a larger buffer', () => {
    const buf = Buffer.concat([Buffer.from('ffff', 'hex'), encodeVLong(300), Buffer.from('01', 'hex')]);
    expect(decodeVLong(buf, 2)).to.deep.equal({ value: 300, size: 3 });
  });

  it('accepts non-minimal encodings, as Hadoop does', () => {
    expect(decodeVLong(Buffer.from('8f05', 'hex'), 0)).to.deep.equal({ value: 5, size: 2 });
    expect(decodeVLong(Buffer.from('8e0000', 'hex'), 0)).to.deep.equal({ value: 0, size: 3 });
  });

  it('throws ProtocolError with the offset on truncated input', () => {
    expect(() => decodeVLong(Buffer.from('8e01', 'hex'), 0)).to.throw(ProtocolError, /offset 0: needs 3 bytes, 2 left/);
    expect(() => decodeVLong(Buffer.from('00', 'hex'), 1)).to.throw(ProtocolError, /offset 1: no bytes left/);
  });

  it('decodeVInt refuses values beyond 32 bits', () => {
    expect(decodeVInt(Buffer.from('8c7fffffff', 'hex'), 0)).to.deep.equal({ value: 2 ** 31 - 1, size: 5 });
    expect(() => decodeVInt(Buffer.from('8b0100000000', 'hex'), 0)).to.throw(ProtocolError, /does not fit in 32 bits/);
  });

  it('rejects values it cannot encode', () => {
    expect(() => encodeVLong(1.5)).to.throw(RangeError);
    expect(() => encodeVLong(2 ** 60)).to.throw(RangeError);
    expect(() => encodeVLong(2n ** 63n)).to.throw(RangeError);
    expect(() => encodeVInt(2 ** 31)).to.throw(RangeError);
    expect(encodeVInt(-(2 ** 31)).toString('hex')).to.equal('847fffffff');
  });
});
