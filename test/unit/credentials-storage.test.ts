import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  TokenKinds,
  createCredentials,
  createToken,
  decodeTokenUrlString,
  encodeTokenUrlString,
  parseCredentials,
  readCredentialsFile,
  selectToken,
  serializeCredentials,
  withoutKinds,
  type Credentials,
  type Token,
} from '../../protocols/credentials/index.js';
import { ConfigError, ProtocolError } from '../../protocols/errors/index.js';

/** Hex with spaces and `#` comments stripped. */
function bytes(annotated: string): Buffer {
  return Buffer.from(annotated.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
}

function sample(): Credentials {
  return createCredentials(
    [
      ['', createToken({ identifier: Buffer.from([1, 2, 3]), password: Buffer.from('amrm-pw'), kind: TokenKinds.AMRM, service: '' })],
      [
        'nm:8041',
        createToken({ identifier: Buffer.alloc(300, 7), password: Buffer.alloc(20, 9), kind: TokenKinds.NM, service: 'nm:8041' }),
      ],
      [
        'ha-hdfs:ünïcode',
        createToken({
          identifier: Buffer.alloc(0),
          password: Buffer.alloc(0),
          kind: TokenKinds.HDFS_DELEGATION,
          service: 'ha-hdfs:ünïcode',
        }),
      ],
    ],
    [
      ['ssl.keystore.password', Buffer.from('keystore-secret')],
      ['empty', Buffer.alloc(0)],
    ],
  );
}

function plain(creds: Credentials): unknown {
  return {
    tokens: [...creds.tokens].map(([alias, t]) => [alias, t.identifier.toString('hex'), t.password.toString('hex'), t.kind, t.service]),
    secrets: [...creds.secrets].map(([alias, s]) => [alias, s.toString('hex')]),
  };
}

/** A tiny credentials stream with one token and one secret, in both formats, written by hand. */
const TINY_FORMAT0 = bytes(`
  48 44 54 53 00    # "HDTS", format 0
  01                # 1 token
  01 61             #   alias "a"
  02 aa bb          #   identifier
  01 cc             #   password
  01 4b             #   kind "K"
  01 53             #   service "S"
  01                # 1 secret
  01 73             #   alias "s"
  02 dd ee          #   value
`);
const TINY_FORMAT1 = bytes(`
  48 44 54 53 01    # "HDTS", format 1
  1d                # varint length of CredentialsProto: 29
  0a 12             # tokens (field 1, length-delimited), 18 bytes: CredentialsKVProto
    0a 01 61        #   alias = "a"
    12 0d           #   token (field 2), 13 bytes: TokenProto
      0a 02 aa bb   #     identifier
      12 01 cc      #     password
      1a 01 4b      #     kind "K"
      22 01 53      #     service "S"
  12 07             # secrets (field 2), 7 bytes: CredentialsKVProto
    0a 01 73        #   alias = "s"
    1a 02 dd ee     #   secret (field 3)
`);
const TINY = {
  tokens: [['a', 'aabb', 'cc', 'K', 'S']],
  secrets: [['s', 'ddee']],
};

describe('credentials HDTS token storage', () => {
  it('parses hand-written format 0 and format 1 streams', () => {
    expect(plain(parseCredentials(TINY_FORMAT0))).to.deep.equal(TINY);
    expect(plain(parseCredentials(TINY_FORMAT1))).to.deep.equal(TINY);
  });

  it('serialises to the hand-written bytes', () => {
    const creds = parseCredentials(TINY_FORMAT0);
    expect(serializeCredentials(creds).toString('hex')).to.equal(TINY_FORMAT0.toString('hex'));
    expect(serializeCredentials(creds, 0).toString('hex')).to.equal(TINY_FORMAT0.toString('hex'));
    expect(serializeCredentials(creds, 1).toString('hex')).to.equal(TINY_FORMAT1.toString('hex'));
  });

  for (const format of [0, 1] as const) {
    it(`round-trips tokens and secrets through format ${format}`, () => {
      const creds = sample();
      const encoded = serializeCredentials(creds, format);
      expect(encoded[4]).to.equal(format);
      expect(plain(parseCredentials(encoded))).to.deep.equal(plain(creds));
    });

    it(`round-trips empty credentials through format ${format}`, () => {
      const encoded = serializeCredentials(createCredentials(), format);
      expect(encoded.toString('hex')).to.equal(format === 0 ? '484454530000' + '00' : '484454530100');
      const parsed = parseCredentials(encoded);
      expect(parsed.tokens.size).to.equal(0);
      expect(parsed.secrets.size).to.equal(0);
    });
  }

  it('uses two-byte VInt lengths for a 300-byte identifier in format 0', () => {
    const encoded = serializeCredentials(sample(), 0);
    // count 03, alias "" (00), AMRM token ..., then alias "nm:8041" and identifier length 8E 01 2C.
    expect(encoded.includes(Buffer.from('076e6d3a383034318e012c', 'hex'))).to.equal(true);
  });

  it('keeps file order and lets the last duplicate alias win, like Hadoop', () => {
    const dup = bytes(`48445453 00 02  01 61 00 00 00 00   01 61 01 ff 00 01 4b 00   00`);
    const creds = parseCredentials(dup);
    expect(creds.tokens.size).to.equal(1);
    expect(creds.tokens.get('a')!.identifier.toString('hex')).to.equal('ff');
  });

  describe('malformed input', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['too short', bytes('4844'), /too short for the "HDTS" header/],
      ['bad magic', bytes('48445454 00 00 00'), /bad magic at offset 0: expected 48445453 \("HDTS"\), got 48445454/],
      ['unknown format', bytes('48445453 02 00 00'), /unknown format 2 at offset 4/],
      ['negative token count', bytes('48445453 00 ff'), /negative token count length -1 at offset 5/],
      ['count beyond 32 bits', bytes('48445453 00 8b0100000000'), /token count length.*does not fit in 32 bits/],
      [
        'truncated identifier',
        bytes('48445453 00 01 00 09 aa bb cc dd'),
        /truncated token\[0\]\.identifier: needs 9 bytes at offset 8, 4 left/,
      ],
      ['truncated VInt', bytes('48445453 00 01 00 88 01 02 03'), /token\[0\]\.identifier length: truncated VLong at offset 7/],
      // Counts are checked against the bytes left before any entry is read (5 bytes per token at least, 2 per secret).
      [
        'a token count of 2^31-1 in a 20-byte input',
        bytes(`48445453 00 8c7fffffff ${'00'.repeat(10)}`),
        /token count 2147483647 at offset 5 cannot fit in the 10 bytes left/,
      ],
      [
        'a token count one too many for the bytes left',
        bytes('48445453 00 02 00 00 00 00 00 00 00'),
        /token count 2 at offset 5 cannot fit in the 7 bytes left/,
      ],
      [
        'a secret count beyond the bytes left',
        bytes('48445453 00 00 03 00 00 00 00 00'),
        /secret count 3 at offset 6 cannot fit in the 5 bytes left/,
      ],
      ['missing secret count', TINY_FORMAT0.subarray(0, 17), /secret count length: truncated VLong at offset 17: no bytes left/],
      [
        'format 1 truncated message',
        TINY_FORMAT1.subarray(0, 20),
        /HDTS format 1: truncated CredentialsProto: needs 29 bytes at offset 6, 14 left/,
      ],
      ['format 1 missing length', bytes('48445453 01'), /HDTS format 1: truncated length varint at offset 5/],
      ['format 1 missing required field', bytes('48445453 01 02 0a 00'), /invalid CredentialsProto at offset 6: .*alias/],
      ['format 1 token entry without a token', bytes('48445453 01 05 0a 03 0a 01 61'), /tokens\[0\] \(alias 'a'\) has no token/],
    ];
    for (const [name, input, message] of cases) {
      it(`rejects ${name}`, () => {
        expect(() => parseCredentials(input)).to.throw(ProtocolError, message);
      });
    }

    it('throws ProtocolError (never anything else) for every truncation of both formats', () => {
      for (const full of [serializeCredentials(sample(), 0), serializeCredentials(sample(), 1)]) {
        for (let n = 0; n < full.length; n++) {
          try {
            parseCredentials(full.subarray(0, n));
          } catch (err) {
            if (!(err instanceof ProtocolError)) expect.fail(`prefix of ${n} bytes: ${String(err)}`);
            continue;
          }
          expect.fail(`format ${full[4]}: prefix of ${n}/${full.length} bytes parsed without error`);
        }
      }
    });
  });

  it('selectToken finds a token by kind regardless of alias and service', () => {
    const creds = sample();
    expect(selectToken(creds, TokenKinds.AMRM)!.password.toString()).to.equal('amrm-pw');
    expect(selectToken(creds, TokenKinds.NM)!.service).to.equal('nm:8041');
    expect(selectToken(creds, TokenKinds.CONTAINER)).to.equal(undefined);
  });

  it('withoutKinds strips the AMRMToken and keeps everything else', () => {
    const creds = sample();
    const stripped = withoutKinds(creds, [TokenKinds.AMRM]);
    expect([...stripped.tokens.keys()]).to.deep.equal(['nm:8041', 'ha-hdfs:ünïcode']);
    expect([...stripped.secrets.keys()]).to.deep.equal(['ssl.keystore.password', 'empty']);
    expect(creds.tokens.size).to.equal(3);
    expect(selectToken(parseCredentials(serializeCredentials(stripped)), TokenKinds.AMRM)).to.equal(undefined);
  });

  it('keeps passwords and secret values out of JSON and util.inspect', () => {
    const creds = parseCredentials(serializeCredentials(sample()));
    const amrm = selectToken(creds, TokenKinds.AMRM)!;
    expect(Object.keys(amrm)).to.deep.equal(['identifier', 'kind', 'service']);
    expect(amrm.password.toString()).to.equal('amrm-pw');
    const shown = inspect(creds, { depth: 10 }) + JSON.stringify({ tokens: [...creds.tokens.values()], secrets: creds.secrets });
    for (const secret of ['amrm-pw', 'keystore-secret']) {
      const hex = Buffer.from(secret).toString('hex');
      for (const form of [secret, hex, hex.replace(/(..)(?!$)/g, '$1 '), Buffer.from(secret).toString('base64')]) {
        expect(shown).to.not.include(form);
      }
    }
    expect(shown).to.include('ssl.keystore.password');
    expect(shown).to.include(
      Buffer.from([1, 2, 3])
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 '),
    ); // identifiers are not secret
  });

  describe('readCredentialsFile', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'spindle-creds-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a container_tokens file', async () => {
      const path = join(dir, 'container_tokens');
      writeFileSync(path, TINY_FORMAT0);
      expect(plain(await readCredentialsFile(path))).to.deep.equal(TINY);
    });

    it('names the file when it is missing or malformed', async () => {
      const missing = join(dir, 'nope');
      await readCredentialsFile(missing).then(
        () => expect.fail('should throw'),
        (err: unknown) => {
          expect(err).to.be.instanceOf(ConfigError);
          expect((err as Error).message).to.include(missing);
        },
      );
      const bad = join(dir, 'bad');
      writeFileSync(bad, 'HDTX0');
      await readCredentialsFile(bad).then(
        () => expect.fail('should throw'),
        (err: unknown) => {
          expect(err).to.be.instanceOf(ProtocolError);
          expect((err as Error).message).to.match(new RegExp(`${bad}: token storage: bad magic`));
        },
      );
    });
  });
});

describe('credentials token URL strings (Token.encodeToUrlString)', () => {
  const tiny: Token = createToken({ identifier: Buffer.from([1, 2, 3]), password: Buffer.from([4, 5]), kind: 'K', service: 'S' });
  // Writable bytes 03 010203 02 0405 01 4b 01 53, base64url without '=' padding.
  const TINY_URL = 'AwECAwIEBQFLAVM';
  const urlSafe = createToken({ identifier: Buffer.from([0xfb, 0xff, 0xbf]), password: Buffer.from([0xfe]), kind: 'K', service: '' });

  it('encodes the Writable token in URL-safe base64 without padding', () => {
    expect(encodeTokenUrlString(tiny)).to.equal(TINY_URL);
    expect(encodeTokenUrlString(urlSafe)).to.equal('A_v_vwH-AUsA');
  });

  it('decodes with or without padding and in either alphabet', () => {
    for (const s of [TINY_URL, `${TINY_URL}=`]) {
      const t = decodeTokenUrlString(s);
      expect([t.identifier.toString('hex'), t.password.toString('hex'), t.kind, t.service]).to.deep.equal(['010203', '0405', 'K', 'S']);
    }
    for (const s of ['A_v_vwH-AUsA', 'A/v/vwH+AUsA']) {
      const t = decodeTokenUrlString(s);
      expect(t.identifier.toString('hex')).to.equal('fbffbf');
      expect(t.password.toString('hex')).to.equal('fe');
    }
  });

  it('round-trips a large token', () => {
    const big = selectToken(sample(), TokenKinds.NM)!;
    const back = decodeTokenUrlString(encodeTokenUrlString(big));
    expect([back.identifier, back.password, back.kind, back.service]).to.deep.equal([big.identifier, big.password, big.kind, big.service]);
  });

  it('rejects non-base64 text, truncated tokens and trailing bytes', () => {
    expect(() => decodeTokenUrlString('not base64!')).to.throw(ProtocolError, /not base64/);
    expect(() => decodeTokenUrlString(TINY_URL.slice(0, 8))).to.throw(ProtocolError, /truncated/);
    const withTrailer = Buffer.concat([Buffer.from(TINY_URL, 'base64url'), Buffer.from([0])]).toString('base64url');
    expect(() => decodeTokenUrlString(withTrailer)).to.throw(ProtocolError, /1 unexpected bytes after the token at offset 11/);
  });
});
