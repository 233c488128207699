import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCredentials, serializeCredentials, type Credentials } from '../../protocols/credentials/index.js';

/** Shape of `*.expected.json` (see test/fixtures/credentials/README.md). */
interface Expected {
  format: 0 | 1;
  tokens: { alias: string; kind: string; service: string; identifier_hex: string; password_hex?: string }[];
  secrets: { alias: string; value_hex?: string }[];
}

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'credentials');

/** Annotated hex: `#` comments and white space are ignored. */
function readHex(path: string): Buffer {
  return Buffer.from(readFileSync(path, 'utf8').replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
}

function checkAgainst(creds: Credentials, expected: Expected): void {
  const tokens = [...creds.tokens].map(([alias, t]) => ({
    alias,
    kind: t.kind,
    service: t.service,
    identifier_hex: t.identifier.toString('hex'),
    password_hex: t.password.toString('hex'),
  }));
  expect(tokens.length, 'token count').to.equal(expected.tokens.length);
  expected.tokens.forEach((want, i) => {
    const got = tokens[i]!;
    expect({ ...got, password_hex: want.password_hex ?? got.password_hex }, `token[${i}]`).to.deep.equal({
      ...want,
      password_hex: want.password_hex ?? got.password_hex,
    });
  });
  const secrets = [...creds.secrets].map(([alias, v]) => ({ alias, value_hex: v.toString('hex') }));
  expect(
    secrets.map((s) => s.alias),
    'secret aliases',
  ).to.deep.equal(expected.secrets.map((s) => s.alias));
  expected.secrets.forEach((want, i) => {
    if (want.value_hex !== undefined) expect(secrets[i]!.value_hex, `secret[${i}]`).to.equal(want.value_hex);
  });
}

describe('credentials fixtures', () => {
  describe('hand-made format 0 stream', () => {
    const bytes = readHex(join(fixtures, 'handmade-format0.hex'));
    const expected = JSON.parse(readFileSync(join(fixtures, 'handmade-format0.expected.json'), 'utf8')) as Expected;

    it('parses to the documented values', () => {
      expect(bytes[4]).to.equal(expected.format);
      checkAgainst(parseCredentials(bytes), expected);
    });

    it('re-serialises to the identical bytes', () => {
      expect(serializeCredentials(parseCredentials(bytes), 0).toString('hex')).to.equal(bytes.toString('hex'));
    });
  });

  // Captures from a real cluster (e.g. an AM's container_tokens): cluster/<name>.bin, optional
  // cluster/<name>.expected.json. None are checked in yet; each one added becomes a test here.
  const clusterDir = join(fixtures, 'cluster');
  const captures = existsSync(clusterDir)
    ? readdirSync(clusterDir)
        .filter((f) => f.endsWith('.bin'))
        .sort()
    : [];
  for (const file of captures) {
    describe(`cluster capture ${file}`, () => {
      const bytes = readFileSync(join(clusterDir, file));
      const expectedPath = join(clusterDir, file.replace(/\.bin$/, '.expected.json'));

      it('parses, and matches its expected values when given', () => {
        const creds = parseCredentials(bytes);
        if (existsSync(expectedPath)) {
          const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
          expect(bytes[4]).to.equal(expected.format);
          checkAgainst(creds, expected);
        }
      });

      it('re-serialises to the identical bytes in its own format', () => {
        const format = bytes[4] as 0 | 1;
        expect(serializeCredentials(parseCredentials(bytes), format).toString('hex')).to.equal(bytes.toString('hex'));
      });
    });
  }
});
