import { expect } from 'chai';
import avro from 'avsc';
import { checkAvroBounds, MAX_EMPTY_ITEMS } from '../../protocols/driver-executor/avro-bounds.js';
import { decodeFrameBody } from '../../protocols/driver-executor/index.js';
import { ProtocolError } from '../../protocols/errors/index.js';

describe('Avro bounds check', () => {
  const type = avro.Type.forSchema({
    type: 'record',
    name: 'T',
    fields: [
      { name: 'ids', type: { type: 'array', items: 'long' } },
      { name: 'tags', type: { type: 'map', values: 'string' } },
      { name: 'note', type: ['null', 'string'] },
      { name: 'blob', type: 'bytes' },
      { name: 'nothing', type: { type: 'array', items: 'null' } },
    ],
  });

  it('accepts what avsc writes', () => {
    const value = { ids: [1, -2, 2 ** 40], tags: { a: 'x', b: '' }, note: 'hi', blob: Buffer.alloc(300, 7), nothing: [null, null] };
    checkAvroBounds(type, type.toBuffer(value), 't');
    checkAvroBounds(type, type.toBuffer({ ids: [], tags: {}, note: null, blob: Buffer.alloc(0), nothing: [] }), 't');
  });

  it('refuses counts and lengths larger than the bytes that remain, before avsc allocates', () => {
    // ids: one block claiming two billion longs (zigzag varint 0x80d0acf30e), then nothing.
    const claim = Buffer.from([0x80, 0xd0, 0xac, 0xf3, 0x0e]);
    expect(() => checkAvroBounds(type, claim, 't')).to.throw(ProtocolError, /array block of 2000000000 items with 0 bytes left/);
    const longBlob = Buffer.concat([Buffer.from([0, 0, 0]), Buffer.from([0xfe, 0xff, 0x03])]);
    expect(() => checkAvroBounds(type, longBlob, 't')).to.throw(ProtocolError, /bytes of 32767 bytes with 0 left/);
    expect(() => checkAvroBounds(type, Buffer.from([0, 0, 4]), 't')).to.throw(ProtocolError, /union branch 2 of 2/);
    const manyNulls = Buffer.from([0, 0, 0, 0, 0x80, 0x80, 0x10]);
    expect(MAX_EMPTY_ITEMS).to.be.lessThan(131072);
    expect(() => checkAvroBounds(type, manyNulls, 't')).to.throw(ProtocolError, /array block of 131072 items/);
  });

  it('guards every driver-executor message, after authentication too', () => {
    // A cancel message (tag 14) announcing two billion tids: refused with a typed error, nothing allocated.
    const body = Buffer.from([0x0e, 0x80, 0xd0, 0xac, 0xf3, 0x0e]);
    expect(() => decodeFrameBody(body)).to.throw(ProtocolError, /malformed cancel message: array block of 2000000000 items/);
  });
});
