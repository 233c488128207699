import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationError } from '../../protocols/errors/index.js';
import { DigestMd5Client, type SaslSecurityLayer } from '../../protocols/sasl/index.js';

interface VectorCase {
  qop: string;
  cipher: string | null;
  challenge: string;
  response: string;
  success: string;
  server_to_client?: { seq: number | null; plain_hex: string; wrapped_hex: string }[];
}
const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'sasl');
const vectors = JSON.parse(readFileSync(join(fixtures, 'digest-md5-jdk17.json'), 'utf8')) as {
  username: string;
  password: string;
  cases: VectorCase[];
};

function layerFor(qop: string, cipher: string | null): { layer: SaslSecurityLayer; incoming: Buffer[]; plain: Buffer[] } {
  const c = vectors.cases.find((v) => v.qop === qop && v.cipher === cipher)!;
  const client = new DigestMd5Client({
    username: vectors.username,
    password: vectors.password,
    protocol: '',
    serverId: 'default',
    cnonce: /cnonce="([^"]+)"/.exec(c.response)![1]!,
  });
  client.respond(Buffer.from(c.challenge));
  client.verifyServerFinal(Buffer.from(c.success));
  return {
    layer: client.securityLayer()!,
    incoming: c.server_to_client!.map((m) => Buffer.from(m.wrapped_hex, 'hex')),
    plain: c.server_to_client!.map((m) => Buffer.from(m.plain_hex, 'hex')),
  };
}

function flip(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  const i = index < 0 ? copy.length + index : index;
  copy[i] = copy[i]! ^ 0x01;
  return copy;
}

describe('sasl DIGEST-MD5 security layer', () => {
  for (const [qop, cipher] of [
    ['auth-int', null],
    ['auth-conf', '3des'],
  ] as const) {
    describe(`${qop}${cipher ? `/${cipher}` : ''}`, () => {
      it('rejects a tampered MAC', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        // auth-int: the MAC sits right before the 6-byte trailer; auth-conf: in the last cipher block.
        expect(() => layer.unwrap(flip(incoming[0]!, -7))).to.throw(AuthenticationError, /MAC mismatch|bad padding/);
      });

      it('rejects a tampered message body', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        expect(() => layer.unwrap(flip(incoming[1]!, 0))).to.throw(AuthenticationError);
      });

      it('rejects a changed sequence number in the trailer', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        expect(() => layer.unwrap(flip(incoming[0]!, -1))).to.throw(AuthenticationError, /MAC mismatch/);
      });

      it('rejects a changed message type', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        expect(() => layer.unwrap(flip(incoming[0]!, -5))).to.throw(AuthenticationError, /invalid message type 0/);
      });

      it('rejects a replayed message', () => {
        const { layer, incoming, plain } = layerFor(qop, cipher);
        expect(layer.unwrap(incoming[0]!)).to.deep.equal(plain[0]);
        expect(() => layer.unwrap(incoming[0]!)).to.throw(AuthenticationError);
      });

      it('rejects a message that skips ahead, and is unusable afterwards', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        expect(() => layer.unwrap(incoming[1]!)).to.throw(AuthenticationError);
        expect(() => layer.unwrap(incoming[0]!)).to.throw(AuthenticationError, /unusable after an earlier failure/);
        expect(() => layer.wrap(Buffer.from('x'))).to.throw(AuthenticationError, /unusable/);
      });

      it('rejects truncated tokens', () => {
        const { layer, incoming } = layerFor(qop, cipher);
        expect(() => layer.unwrap(incoming[0]!.subarray(0, 15))).to.throw(AuthenticationError, /too short/);
      });

      it('announces RAW_SEND_SIZE from the default maxbuf', () => {
        const { layer } = layerFor(qop, cipher);
        expect(layer.rawSendSize).to.equal(qop === 'auth-int' ? 65536 - 16 : 65536 - 26);
      });
    });
  }

  it('auth-int reports an out-of-order sequence number as such', () => {
    const { layer, incoming } = layerFor('auth-int', null);
    expect(() => layer.unwrap(incoming[1]!)).to.throw(AuthenticationError, /sequence number 1, expected 0/);
  });

  it('auth-conf rejects a body that is not whole cipher blocks', () => {
    const { layer, incoming } = layerFor('auth-conf', '3des');
    const token = incoming[0]!;
    const cut = Buffer.concat([token.subarray(0, token.length - 6 - 1), token.subarray(token.length - 6)]);
    expect(() => layer.unwrap(cut)).to.throw(AuthenticationError, /not a multiple of 8/);
  });

  it('auth-conf pads so that message, padding and MAC fill whole blocks (1..8 pad bytes)', () => {
    const { layer } = layerFor('auth-conf', '3des');
    for (let n = 1; n <= 17; n++) {
      const wrapped = layer.wrap(Buffer.alloc(n, 0x61));
      const body = wrapped.length - 6;
      expect(body % 8, `message of ${n} bytes`).to.equal(0);
      const pad = body - n - 10;
      expect(pad, `message of ${n} bytes`).to.be.within(1, 8);
    }
  });
});
