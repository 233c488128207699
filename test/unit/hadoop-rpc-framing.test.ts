import { expect } from 'chai';
import { ProtocolError } from '../../protocols/errors/index.js';
import {
  FrameDecoder,
  decodeResponsePacket,
  encodeCallPacket,
  encodeContextPacket,
  encodePacket,
  encodePingPacket,
  encodePreamble,
  encodeSaslPacket,
  encodeVarint,
  readVarint,
  splitDelimited,
} from '../../protocols/hadoop-rpc/framing.js';
import {
  decodeMethodHeader,
  decodeRequestHeader,
  decodeSasl,
  encodeConnectionContext,
  encodeRequestHeader,
  encodeResponseHeader,
  encodeSasl,
} from '../../protocols/hadoop-rpc/messages.js';

const CLIENT_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('hadoop-rpc framing', () => {
  describe('request header bytes', () => {
    it('writes rpcKind=2 and rpcOp=0 explicitly and zigzags the call id', () => {
      // 08 02: rpcKind RPC_PROTOCOL_BUFFER; 10 00: rpcOp RPC_FINAL_PACKET (present although 0)
      // 18 xx: sint32 callId; 22 len: clientId; 28 xx: sint32 retryCount
      expect(hex(encodeRequestHeader({ callId: -3, clientId: CLIENT_ID, retryCount: -1 }))).to.equal(
        `0802100018052210${hex(CLIENT_ID)}2801`,
      );
      expect(hex(encodeRequestHeader({ callId: -33, clientId: Buffer.alloc(0), retryCount: -1 }))).to.equal('08021000184122002801');
      expect(hex(encodeRequestHeader({ callId: -4, clientId: CLIENT_ID, retryCount: -1 }))).to.contain('1807');
      // Call id 0 and retryCount 0 are required/meaningful and stay on the wire.
      expect(hex(encodeRequestHeader({ callId: 0, clientId: CLIENT_ID, retryCount: 0 }))).to.equal(`0802100018002210${hex(CLIENT_ID)}2800`);
      expect(hex(encodeRequestHeader({ callId: 300, clientId: CLIENT_ID, retryCount: 0 }))).to.contain('18d804');
    });

    it('builds the ping packet: header only', () => {
      const ping = encodePingPacket(CLIENT_ID);
      const header = `0802100018072210${hex(CLIENT_ID)}2801`;
      expect(hex(ping)).to.equal(`0000001b1a${header}`);
    });

    it('builds the preamble for SASL and for no auth', () => {
      expect(hex(encodePreamble('sasl'))).to.equal('68727063' + '09' + '00' + 'df');
      expect(hex(encodePreamble('none'))).to.equal('6872706309' + '0000');
    });

    it('builds a call packet: length, delimited header, method header and body', () => {
      const body = Buffer.from([0x0a, 0x01, 0x41]);
      const packet = encodeCallPacket(7, CLIENT_ID, { methodName: 'allocate', protocolName: 'p.PB', protocolVersion: 1 }, body);
      expect(packet.readUInt32BE(0)).to.equal(packet.length - 4);
      const [h, m, b] = splitDelimited(packet.subarray(4));
      expect(decodeRequestHeader(h!)).to.deep.equal({ callId: 7, clientId: CLIENT_ID, retryCount: 0, rpcKind: 2, rpcOp: 0 });
      expect(decodeMethodHeader(m!)).to.deep.equal({ methodName: 'allocate', protocolName: 'p.PB', protocolVersion: 1 });
      expect(b).to.deep.equal(body);
    });

    it('delimits an empty request body as a zero length', () => {
      const packet = encodeCallPacket(0, CLIENT_ID, { methodName: 'm', protocolName: 'p', protocolVersion: 1 }, new Uint8Array(0));
      expect(packet[packet.length - 1]).to.equal(0);
      expect(splitDelimited(packet.subarray(4))).to.have.length(3);
    });
  });

  describe('SASL and context messages', () => {
    it('keeps protocol="" present when echoing a SaslAuth and omits absent fields', () => {
      const bytes = encodeSasl({
        state: 'INITIATE',
        token: Buffer.from('r'),
        auths: [{ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' }],
      });
      // auths entry: 0a 05 TOKEN, 12 0a DIGEST-MD5, 1a 00 (protocol present, empty), 22 07 default
      expect(hex(bytes)).to.contain('0a05544f4b454e120a4449474553542d4d44351a00220764656661756c74');
      const noProtocol = encodeSasl({ state: 'INITIATE', auths: [{ method: 'TOKEN', mechanism: 'DIGEST-MD5' }] });
      expect(hex(noProtocol)).not.to.contain('1a00');
      expect(decodeSasl(bytes).auths![0]).to.deep.equal({ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' });
      expect(decodeSasl(noProtocol).auths![0]).to.deep.equal({ method: 'TOKEN', mechanism: 'DIGEST-MD5' });
    });

    it('writes state SUCCESS (0) and NEGOTIATE without a token', () => {
      expect(hex(encodeSasl({ state: 'NEGOTIATE' }))).to.equal('1001');
      expect(hex(encodeSasl({ state: 'SUCCESS' }))).to.equal('1000');
    });

    it('sends the SASL packet with call id -33 and an empty client id', () => {
      const packet = encodeSaslPacket({ state: 'NEGOTIATE' });
      expect(hex(packet)).to.equal('0000000e' + '0a' + '08021000184122002801' + '02' + '1001');
    });

    it('writes an empty userInfo for token auth and the user for simple auth', () => {
      // 12 00: userInfo present but empty; 1a: protocol
      expect(hex(encodeConnectionContext({ protocol: 'P' }))).to.equal('12001a0150');
      expect(hex(encodeConnectionContext({ protocol: 'P', effectiveUser: 'al' }))).to.equal('1204' + '0a02616c' + '1a0150');
      const packet = encodeContextPacket(CLIENT_ID, { protocol: 'P' });
      expect(decodeRequestHeader(splitDelimited(packet.subarray(4))[0]!).callId).to.equal(-3);
    });
  });

  describe('response packets', () => {
    it('casts uint32 call ids back to negative int32', () => {
      const header = encodeResponseHeader({ callId: -33, status: 'SUCCESS' });
      // 08 + 5-byte varint of 4294967263
      expect(hex(header).slice(0, 12)).to.equal('08dfffffff0f');
      const r = decodeResponsePacket(encodePacket([header, encodeSasl({ state: 'NEGOTIATE' })]).subarray(4));
      expect(r.header.callId).to.equal(-33);
      expect(r.body).to.deep.equal(Buffer.from('1001', 'hex'));
      expect(
        decodeResponsePacket(encodePacket([encodeResponseHeader({ callId: -1, status: 'FATAL' })]).subarray(4)).header.callId,
      ).to.equal(-1);
    });

    it('decodes ERROR headers without a body', () => {
      const header = encodeResponseHeader({
        callId: 5,
        status: 'ERROR',
        exceptionClassName: 'org.apache.hadoop.ipc.RpcNoSuchMethodException',
        errorMsg: 'Unknown method x\n\tat ...',
        errorDetail: 'ERROR_NO_SUCH_METHOD',
      });
      const r = decodeResponsePacket(encodePacket([header]).subarray(4));
      expect(r.body).to.equal(undefined);
      expect(r.header).to.include({ callId: 5, status: 'ERROR', errorDetail: 'ERROR_NO_SUCH_METHOD', serverIpcVersionNum: 9 });
      expect(r.header.exceptionClassName).to.equal('org.apache.hadoop.ipc.RpcNoSuchMethodException');
    });

    it('returns an empty body for an empty response message', () => {
      const r = decodeResponsePacket(encodePacket([encodeResponseHeader({ callId: 0, status: 'SUCCESS' }), new Uint8Array(0)]).subarray(4));
      expect(r.body).to.deep.equal(Buffer.alloc(0));
    });

    it('rejects malformed packets with ProtocolError', () => {
      expect(() => decodeResponsePacket(Buffer.alloc(0))).to.throw(ProtocolError);
      expect(() => decodeResponsePacket(Buffer.from([0x05, 0x08]))).to.throw(ProtocolError, /overruns/);
      expect(() => decodeResponsePacket(Buffer.from([0x80]))).to.throw(ProtocolError, /truncated varint/);
      // header without the required status field
      expect(() => decodeResponsePacket(Buffer.from([0x02, 0x08, 0x01]))).to.throw(ProtocolError);
      const three = encodePacket([encodeResponseHeader({ callId: 0, status: 'SUCCESS' }), Buffer.alloc(1), Buffer.alloc(1)]);
      expect(() => decodeResponsePacket(three.subarray(4))).to.throw(ProtocolError, /3 messages/);
    });
  });

  describe('varints', () => {
    it('round-trips values around the 7-bit boundaries', () => {
      for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) {
        const b = encodeVarint(v);
        expect(readVarint(b, 0)).to.deep.equal({ value: v, next: b.length });
      }
      expect(hex(encodeVarint(300))).to.equal('ac02');
      expect(() => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0)).to.throw(ProtocolError, /longer than 5/);
    });
  });

  describe('FrameDecoder', () => {
    const packets = [Buffer.from('first packet'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from('z')];
    const stream = Buffer.concat(
      packets.map((p) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(p.length);
        return Buffer.concat([len, p]);
      }),
    );

    it('yields several packets from one chunk', () => {
      expect(new FrameDecoder().push(stream)).to.deep.equal(packets);
    });

    it('survives a split at every byte offset', () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        const d = new FrameDecoder();
        const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
        expect(out, `cut at ${cut}`).to.deep.equal(packets);
        expect(d.buffered).to.equal(0);
      }
    });

    it('survives two splits at every pair of offsets in the first packets', () => {
      for (let a = 0; a < 30; a++) {
        for (let b = a; b < 40; b++) {
          const d = new FrameDecoder();
          const out = [...d.push(stream.subarray(0, a)), ...d.push(stream.subarray(a, b)), ...d.push(stream.subarray(b))];
          expect(out).to.deep.equal(packets);
        }
      }
    });

    it('works one byte at a time', () => {
      const d = new FrameDecoder();
      const out: Buffer[] = [];
      for (const byte of stream) out.push(...d.push(Buffer.from([byte])));
      expect(out).to.deep.equal(packets);
    });

    it('holds a partial packet until the rest arrives', () => {
      const d = new FrameDecoder();
      expect(d.push(stream.subarray(0, 10))).to.deep.equal([]);
      expect(d.buffered).to.equal(6);
    });

    it('rejects negative and oversize lengths', () => {
      expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).to.throw(ProtocolError, /-2/);
      expect(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 101]))).to.throw(ProtocolError, /101 outside 0\.\.100/);
      expect(new FrameDecoder(100).push(Buffer.concat([Buffer.from([0, 0, 0, 100]), Buffer.alloc(100)]))).to.have.length(1);
    });
  });
});
