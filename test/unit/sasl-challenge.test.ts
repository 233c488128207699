import { expect } from 'chai';
import { inspect } from 'node:util';
import { AuthenticationError, ConfigError } from '../../protocols/errors/index.js';
import { DigestMd5Client, isCipherSupported, type DigestMd5Options } from '../../protocols/sasl/index.js';

const base: DigestMd5Options = {
  username: 'dXNlcg==',
  password: 'cGFzc3dvcmQ=',
  protocol: '',
  serverId: 'default',
  cnonce: 'fixed-cnonce',
};

function client(extra: Partial<DigestMd5Options> = {}): DigestMd5Client {
  return new DigestMd5Client({ ...base, ...extra });
}

function respond(challenge: string, extra: Partial<DigestMd5Options> = {}): { text: string; c: DigestMd5Client } {
  const c = client(extra);
  return { text: c.respond(Buffer.from(challenge, 'utf8')).toString('utf8'), c };
}

/** Directive value in a response, unquoted. */
function field(response: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|,)${key}=("((?:[^"\\\\]|\\\\.)*)"|[^,]*)`).exec(response);
  if (!m) return undefined;
  return m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[1];
}

const TOKEN_CHALLENGE = 'realm="default",nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess';

describe('sasl DIGEST-MD5 challenge parsing', () => {
  it('reads quoted and unquoted values with white space around separators', () => {
    const { text } = respond(' realm = "default" ,\tnonce="abc" , qop=auth ,charset=utf-8,algorithm=md5-sess ');
    expect(text).to.equal(respond(TOKEN_CHALLENGE).text);
  });

  it('keeps escaped quotes and backslashes in a quoted nonce and echoes them escaped', () => {
    const { text } = respond('nonce="a\\"b\\\\c",qop="auth",charset=utf-8,algorithm=md5-sess');
    expect(text).to.include('nonce="a\\"b\\\\c"');
    expect(field(text, 'nonce')).to.equal('a"b\\c');
  });

  it('reads comma lists inside quotes for qop and cipher', () => {
    const { c } = respond(
      'realm="default",nonce="n",qop="auth, auth-int,auth-conf",cipher="rc4-40, 3des",charset=utf-8,algorithm=md5-sess',
    );
    expect(c.qop).to.equal('auth-conf');
    expect(c.cipher).to.equal('3des');
  });

  it('ignores unknown directives, even repeated ones', () => {
    const { text } = respond(`${TOKEN_CHALLENGE},x-ext="1",x-ext=2`);
    expect(text).to.equal(respond(TOKEN_CHALLENGE).text);
  });

  for (const dup of ['nonce="x"', 'qop="auth"', 'algorithm=md5-sess', 'charset=utf-8', 'maxbuf=1000,maxbuf=1000']) {
    const key = dup.split('=')[0]!;
    it(`rejects a duplicate ${key} directive`, () => {
      expect(() => respond(`${TOKEN_CHALLENGE},${dup}`)).to.throw(AuthenticationError, `duplicate '${key}'`);
    });
  }

  it('allows several realms and uses the first', () => {
    const { text } = respond('realm="first",realm="second",nonce="n",charset=utf-8,algorithm=md5-sess');
    expect(field(text, 'realm')).to.equal('first');
  });

  it('omits realm when the challenge has none, and still authenticates against the digest', () => {
    const { text } = respond('nonce="n",qop="auth",charset=utf-8,algorithm=md5-sess');
    expect(field(text, 'realm')).to.equal(undefined);
    expect(text).to.match(/^charset=utf-8,username="dXNlcg==",nonce="n",nc=00000001,/);
  });

  const malformed: [string, string, RegExp][] = [
    ['missing nonce', 'realm="default",qop="auth",charset=utf-8,algorithm=md5-sess', /no nonce/],
    ['missing algorithm', 'realm="default",nonce="n",qop="auth",charset=utf-8', /no algorithm/],
    ['algorithm md5', 'nonce="n",algorithm=md5', /unsupported algorithm 'md5'/],
    ['charset latin1', 'nonce="n",charset=iso-8859-1,algorithm=md5-sess', /unsupported charset/],
    ['unterminated quote', 'nonce="n,algorithm=md5-sess', /unterminated quoted value of 'nonce'/],
    ['garbage after quote', 'nonce="n"x,algorithm=md5-sess', /',' expected/],
    ['valueless directive', 'nonce=', /'nonce' has no value/],
    ['no equals sign', 'nonce "n"', /'=' expected/],
    ['empty name', '="n",algorithm=md5-sess', /empty directive name/],
    ['bad maxbuf', `${TOKEN_CHALLENGE},maxbuf=12`, /invalid maxbuf/],
  ];
  for (const [name, challenge, message] of malformed) {
    it(`rejects a challenge with ${name}`, () => {
      expect(() => respond(challenge)).to.throw(AuthenticationError, message);
    });
  }

  it('rejects a challenge longer than 2048 bytes', () => {
    expect(() => respond(`${TOKEN_CHALLENGE},x="${'a'.repeat(2100)}"`)).to.throw(AuthenticationError, /more than 2048/);
  });

  it('without charset=utf-8 omits charset from the response', () => {
    const { text } = respond('realm="default",nonce="n",qop="auth",algorithm=md5-sess');
    expect(text.startsWith('username="dXNlcg==",realm="default",')).to.equal(true);
  });

  it('refuses non ISO 8859-1 credentials when the server did not offer utf-8', () => {
    expect(() => respond('nonce="n",algorithm=md5-sess', { username: 'ユーザー' })).to.throw(AuthenticationError, /utf-8/);
    expect(() => respond('nonce="n",charset=utf-8,algorithm=md5-sess', { username: 'ユーザー' })).to.not.throw();
  });
});

describe('sasl DIGEST-MD5 qop and cipher negotiation', () => {
  const offer = (qop: string, cipher?: string): string =>
    `realm="default",nonce="n",qop="${qop}",charset=utf-8${cipher ? `,cipher="${cipher}"` : ''},algorithm=md5-sess`;

  it('defaults to auth when the challenge has no qop', () => {
    expect(respond('nonce="n",charset=utf-8,algorithm=md5-sess').c.qop).to.equal('auth');
  });

  it('picks the strongest offered qop the client allows', () => {
    expect(respond(offer('auth,auth-int,auth-conf', '3des')).c.qop).to.equal('auth-conf');
    expect(respond(offer('auth,auth-int,auth-conf', '3des'), { allowedQops: ['auth', 'auth-int'] }).c.qop).to.equal('auth-int');
    expect(respond(offer('auth-conf,auth', '3des'), { allowedQops: ['auth'] }).c.qop).to.equal('auth');
  });

  it('writes qop and (for auth-conf only) cipher at the end of the response', () => {
    expect(respond(offer('auth-int')).text).to.match(/,qop=auth-int$/);
    expect(respond(offer('auth-conf', '3des,rc4')).text).to.match(/,qop=auth-conf,cipher="3des"$/);
  });

  it('fails when no offered qop is allowed', () => {
    expect(() => respond(offer('auth'), { allowedQops: ['auth-int', 'auth-conf'] })).to.throw(
      AuthenticationError,
      /no acceptable qop: server offers 'auth'/,
    );
  });

  it('falls back from auth-conf to a weaker allowed qop when no cipher is usable', () => {
    expect(respond(offer('auth-conf,auth-int', 'unknown-cipher')).c.qop).to.equal('auth-int');
    expect(respond(offer('auth-conf,auth-int')).c.qop).to.equal('auth-int');
  });

  it('fails when auth-conf is the only acceptable qop and no cipher is usable', () => {
    expect(() => respond(offer('auth-conf'))).to.throw(AuthenticationError, /without a cipher directive/);
    expect(() => respond(offer('auth-conf', 'aes-999'))).to.throw(AuthenticationError, /no usable cipher among 'aes-999'/);
  });

  it('uses rc4 or des only when this runtime supports them', () => {
    for (const cipher of ['rc4', 'des', 'rc4-56', 'rc4-40'] as const) {
      const attempt = (): DigestMd5Client => respond(offer('auth-conf', cipher)).c;
      if (isCipherSupported(cipher)) expect(attempt().cipher).to.equal(cipher);
      else expect(attempt).to.throw(AuthenticationError, /no usable cipher/);
    }
    expect(isCipherSupported('3des')).to.equal(true);
  });

  it('honours allowedCiphers', () => {
    expect(() => respond(offer('auth-conf', '3des'), { allowedCiphers: [] })).to.throw(AuthenticationError);
  });
});

describe('sasl DIGEST-MD5 client state and options', () => {
  it('responds only once and verifies only after responding', () => {
    const c = client();
    expect(() => c.verifyServerFinal(Buffer.from('rspauth=00'))).to.throw(AuthenticationError, /state initial/);
    c.respond(Buffer.from(TOKEN_CHALLENGE));
    expect(() => c.respond(Buffer.from(TOKEN_CHALLENGE))).to.throw(AuthenticationError, /state responded/);
  });

  it('rejects a final message without rspauth and stays failed afterwards', () => {
    const c = client();
    c.respond(Buffer.from(TOKEN_CHALLENGE));
    expect(() => c.verifyServerFinal(Buffer.from('realm="default"'))).to.throw(AuthenticationError, /no rspauth/);
    expect(() => c.verifyServerFinal(Buffer.from('rspauth=00'))).to.throw(AuthenticationError, /state failed/);
    expect(c.securityLayer()).to.equal(undefined);
  });

  it('generates a fresh 40-character cnonce when none is given', () => {
    const a = respond(TOKEN_CHALLENGE, { cnonce: undefined }).text;
    const b = respond(TOKEN_CHALLENGE, { cnonce: undefined }).text;
    expect(field(a, 'cnonce')).to.match(/^[A-Za-z0-9+/]{40}$/);
    expect(field(a, 'cnonce')).to.not.equal(field(b, 'cnonce'));
  });

  const badOptions: [string, Partial<DigestMd5Options>, RegExp][] = [
    ['empty username', { username: '' }, /DigestMd5Options\.username/],
    ['missing password', { password: undefined as unknown as string }, /DigestMd5Options\.password/],
    ['missing protocol', { protocol: undefined as unknown as string }, /DigestMd5Options\.protocol/],
    ['empty serverId', { serverId: '' }, /DigestMd5Options\.serverId/],
    ['empty allowedQops', { allowedQops: [] }, /DigestMd5Options\.allowedQops/],
    ['unknown qop', { allowedQops: ['auth', 'integrity' as 'auth'] }, /DigestMd5Options\.allowedQops/],
    ['unknown cipher', { allowedCiphers: ['aes' as '3des'] }, /DigestMd5Options\.allowedCiphers/],
    ['empty cnonce', { cnonce: '' }, /DigestMd5Options\.cnonce/],
  ];
  for (const [name, extra, message] of badOptions) {
    it(`rejects options with ${name}`, () => {
      expect(() => client(extra)).to.throw(ConfigError, message);
    });
  }

  it('never shows the password when the client is inspected or serialised', () => {
    const c = client({ password: 'TOP-SECRET-PASSWORD' });
    expect(inspect(c, { showHidden: true, depth: 5 })).to.not.include('TOP-SECRET');
    expect(JSON.stringify(c)).to.not.include('TOP-SECRET');
    c.respond(Buffer.from(TOKEN_CHALLENGE));
    expect(inspect(c, { showHidden: true, depth: 5 })).to.not.include('TOP-SECRET');
  });
});
