import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationError } from '../../protocols/errors/index.js';
import {
  DigestMd5Client,
  isCipherSupported,
  tokenAuthOptions,
  type DigestCipher,
  type DigestMd5Options,
} from '../../protocols/sasl/index.js';

/**
 * Known answers recorded from the JDK 17 javax.security.sasl DIGEST-MD5 client and server set up
 * as Hadoop TOKEN auth (copied from shared/vectors/digest-md5-jdk17.json).
 */
interface WrappedMessage {
  seq: number | null;
  plain_hex: string;
  wrapped_hex: string;
}
interface VectorCase {
  qop: string;
  cipher: DigestCipher | null;
  negotiated_qop: string;
  challenge: string;
  response: string;
  success: string;
  client_to_server?: WrappedMessage[];
  server_to_client?: WrappedMessage[];
}
interface Vectors {
  username: string;
  password: string;
  identifier_hex: string;
  password_bytes_hex: string;
  cases: VectorCase[];
}

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'sasl');
const vectors = JSON.parse(readFileSync(join(fixtures, 'digest-md5-jdk17.json'), 'utf8')) as Vectors;

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const text = (s: string): Buffer => Buffer.from(s, 'latin1');

function cnonceOf(response: string): string {
  const m = /cnonce="([^"]+)"/.exec(response);
  if (!m) throw new Error(`no cnonce in ${response}`);
  return m[1]!;
}

function optionsFor(c: VectorCase, extra: Partial<DigestMd5Options> = {}): DigestMd5Options {
  return {
    username: vectors.username,
    password: vectors.password,
    protocol: '',
    serverId: 'default',
    cnonce: cnonceOf(c.response),
    ...extra,
  };
}

/** A client that has completed the vector's exchange, forcing the vector's cipher. */
function authenticated(c: VectorCase): DigestMd5Client {
  const client = new DigestMd5Client(optionsFor(c, c.cipher ? { allowedCiphers: [c.cipher] } : {}));
  client.respond(text(c.challenge));
  client.verifyServerFinal(text(c.success));
  return client;
}

function caseName(c: VectorCase): string {
  return c.cipher ? `${c.qop}/${c.cipher}` : c.qop;
}

describe('sasl DIGEST-MD5 against the JDK 17 vectors', () => {
  it('covers auth, auth-int and auth-conf with 3des and rc4', () => {
    expect(vectors.cases.map(caseName)).to.deep.equal(['auth', 'auth-int', 'auth-conf/3des', 'auth-conf/rc4']);
  });

  it('tokenAuthOptions derives the vectors username and password from the token bytes', () => {
    const options = tokenAuthOptions(hex(vectors.identifier_hex), hex(vectors.password_bytes_hex));
    expect(options.username).to.equal(vectors.username);
    expect(options.password).to.equal(vectors.password);
    expect(options.protocol).to.equal('');
    expect(options.serverId).to.equal('default');
    expect(Object.keys(options)).to.not.include('password');
    expect(JSON.stringify(options)).to.not.include(vectors.password);
  });

  for (const c of vectors.cases) {
    const runnable = c.cipher === null || isCipherSupported(c.cipher);

    describe(caseName(c), () => {
      if (runnable) {
        it('reproduces the JDK client response byte for byte', () => {
          const client = new DigestMd5Client(optionsFor(c, c.cipher ? { allowedCiphers: [c.cipher] } : {}));
          expect(client.respond(text(c.challenge)).toString('latin1')).to.equal(c.response);
          expect(client.qop).to.equal(c.negotiated_qop);
          expect(client.cipher).to.equal(c.cipher ?? undefined);
        });
      } else {
        it(`refuses ${c.cipher} clearly when this runtime lacks it`, () => {
          const client = new DigestMd5Client(optionsFor(c, { allowedCiphers: [c.cipher!] }));
          expect(() => client.respond(text(c.challenge)))
            .to.throw(AuthenticationError)
            .with.property('message')
            .that.matches(/no usable cipher/);
        });
      }

      it('accepts the recorded rspauth and rejects a wrong one', () => {
        const client = new DigestMd5Client(optionsFor(c));
        client.respond(text(c.challenge));
        const bad = c.success.replace(/.$/, (d) => (d === '0' ? '1' : '0'));
        expect(() => client.verifyServerFinal(text(bad))).to.throw(AuthenticationError, /rspauth does not match/);

        const again = new DigestMd5Client(optionsFor(c));
        again.respond(text(c.challenge));
        again.verifyServerFinal(text(c.success));
        expect(again.securityLayer()?.qop).to.equal(c.qop === 'auth' ? undefined : c.qop);
      });

      if (c.cipher !== null) {
        it('by default picks 3des from the offered list (the digest does not depend on the cipher)', () => {
          const client = new DigestMd5Client(optionsFor(c));
          const response = client.respond(text(c.challenge)).toString('latin1');
          expect(response).to.equal(c.response.replace(/cipher="[^"]*"$/, 'cipher="3des"'));
          expect(client.cipher).to.equal('3des');
        });
      }

      if (c.client_to_server || c.server_to_client) {
        it('wraps the client->server messages to the recorded bytes, in order', function () {
          if (!runnable) this.skip();
          const layer = authenticated(c).securityLayer()!;
          for (const m of c.client_to_server!) {
            expect(layer.wrap(hex(m.plain_hex)).toString('hex'), `seq ${m.seq}`).to.equal(m.wrapped_hex);
          }
        });

        it('unwraps the server->client messages to the recorded plaintext, in order', function () {
          if (!runnable) this.skip();
          const layer = authenticated(c).securityLayer()!;
          for (const m of c.server_to_client!) {
            expect(layer.unwrap(hex(m.wrapped_hex)).toString('hex'), `seq ${m.seq}`).to.equal(m.plain_hex);
          }
        });

        it('keeps the two directions independent (interleaved wrap and unwrap)', function () {
          if (!runnable) this.skip();
          const layer = authenticated(c).securityLayer()!;
          const out = c.client_to_server!;
          const inc = c.server_to_client!;
          for (let i = 0; i < Math.max(out.length, inc.length); i++) {
            if (inc[i]) expect(layer.unwrap(hex(inc[i]!.wrapped_hex)).toString('hex')).to.equal(inc[i]!.plain_hex);
            if (out[i]) expect(layer.wrap(hex(out[i]!.plain_hex)).toString('hex')).to.equal(out[i]!.wrapped_hex);
          }
        });

        it('an empty message wraps to nothing and does not advance the sequence number', function () {
          if (!runnable) this.skip();
          const layer = authenticated(c).securityLayer()!;
          const nonEmpty = c.client_to_server!.filter((m) => m.plain_hex.length > 0);
          for (const m of nonEmpty) {
            expect(layer.wrap(Buffer.alloc(0))).to.have.length(0);
            expect(layer.wrap(hex(m.plain_hex)).toString('hex')).to.equal(m.wrapped_hex);
          }
          expect(layer.unwrap(Buffer.alloc(0))).to.have.length(0);
          expect(layer.unwrap(hex(c.server_to_client![0]!.wrapped_hex)).toString('hex')).to.equal(c.server_to_client![0]!.plain_hex);
        });
      }
    });
  }
});

describe('sasl DIGEST-MD5 RFC 2831 section 4 example', () => {
  it('computes the RFC response and accepts its rspauth', () => {
    const client = new DigestMd5Client({
      username: 'chris',
      password: 'secret',
      protocol: 'imap',
      serverId: 'elwood.innosoft.com',
      cnonce: 'OA6MHXh6VqTrRk',
    });
    const response = client
      .respond(text('realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8'))
      .toString('latin1');
    expect(response).to.include('digest-uri="imap/elwood.innosoft.com"');
    expect(response).to.include('response=d388dad90d4bbd760a152321f2143af7');
    expect(() => client.verifyServerFinal(text('rspauth=ea40f60335c427b5527b84dbabcdfffd'))).to.not.throw();
  });
});
