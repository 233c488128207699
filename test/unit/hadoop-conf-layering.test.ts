import { expect } from 'chai';
import { inspect } from 'node:util';
import { ConfigError } from '../../protocols/errors/index.js';
import { HadoopConfiguration, MAX_SUBSTITUTIONS, type ConfResource } from '../../protocols/hadoop-conf/index.js';

const resource = (source: string, props: Record<string, string | [string, 'final']>): ConfResource => ({
  source,
  properties: Object.entries(props).map(([name, v]) =>
    Array.isArray(v) ? { name, value: v[0], final: true } : { name, value: v, final: false },
  ),
});

function conf(
  props: Record<string, string>,
  options: { env?: Record<string, string>; systemProperties?: Record<string, string> } = {},
): HadoopConfiguration {
  return HadoopConfiguration.fromResources([resource('site.xml', props)], { ...options, includeDefaults: false });
}

describe('hadoop-conf layering', () => {
  it('lets later resources override earlier ones, except keys an earlier one marked final', () => {
    const c = HadoopConfiguration.fromResources([
      resource('core-site.xml', { plain: 'core', locked: ['core', 'final'] }),
      resource('hdfs-site.xml', { plain: 'hdfs', locked: 'hdfs' }),
      resource('yarn-site.xml', { plain: 'yarn', locked: ['yarn', 'final'] }),
    ]);
    expect(c.get('plain')).to.equal('yarn');
    expect(c.sourceOf('plain')).to.equal('yarn-site.xml');
    expect(c.get('locked')).to.equal('core');
    expect(c.isFinal('locked')).to.equal(true);
    expect(c.ignoredOverrides).to.deep.equal([
      { name: 'locked', source: 'hdfs-site.xml' },
      { name: 'locked', source: 'yarn-site.xml' },
    ]);
  });

  it('applies final within one resource too, and a later final wins over a non-final earlier value', () => {
    const c = HadoopConfiguration.fromResources(
      [
        {
          source: 'a.xml',
          properties: [
            { name: 'k', value: '1', final: true },
            { name: 'k', value: '2', final: false },
          ],
        },
        resource('b.xml', { late: 'b' }),
        resource('c.xml', { late: ['c', 'final'] }),
        resource('d.xml', { late: 'd' }),
      ],
      { includeDefaults: false },
    );
    expect(c.get('k')).to.equal('1');
    expect(c.get('late')).to.equal('c');
  });

  it('lets a valueless property mark a key final without changing it', () => {
    const c = HadoopConfiguration.fromResources(
      [
        resource('a.xml', { k: 'a' }),
        { source: 'b.xml', properties: [{ name: 'k', value: undefined, final: true }] },
        resource('c.xml', { k: 'c' }),
      ],
      { includeDefaults: false },
    );
    expect(c.get('k')).to.equal('a');
    expect(c.isFinal('k')).to.equal(true);
  });

  it('puts Hadoop defaults under the site files and maps deprecated keys', () => {
    const c = HadoopConfiguration.fromResources([resource('core-site.xml', { 'fs.default.name': 'hdfs://old:8020' })]);
    expect(c.get('fs.defaultFS')).to.equal('hdfs://old:8020');
    expect(c.get('fs.default.name')).to.equal('hdfs://old:8020');
    expect(c.isSet('fs.defaultFS')).to.equal(true);
    expect(c.get('yarn.resourcemanager.hostname')).to.equal('0.0.0.0');
    expect(c.sourceOf('yarn.resourcemanager.hostname')).to.equal('yarn-default.xml');
    expect(c.isSet('yarn.resourcemanager.hostname')).to.equal(false);
    expect(c.get('yarn.resourcemanager.scheduler.address')).to.equal('0.0.0.0:8030');
    expect(c.toRecord()).to.deep.equal({ 'fs.defaultFS': 'hdfs://old:8020' });
    expect(c.toRecord({ includeDefaults: true })).to.include({ 'dfs.namenode.http-address': '0.0.0.0:9870' });
  });

  it('trims like Java: getTrimmed strips ASCII whitespace and controls but not U+00A0', () => {
    const c = conf({ a: ' \t\n x y \r\n', b: '\u00a0z\u00a0', list: ' a , b,,\n c ,' });
    expect(c.get('a')).to.equal(' \t\n x y \r\n');
    expect(c.getTrimmed('a')).to.equal('x y');
    expect(c.getTrimmed('b')).to.equal('\u00a0z\u00a0');
    expect(c.getTrimmedStrings('list')).to.deep.equal(['a', 'b', 'c']);
    expect(c.getTrimmedStrings('absent')).to.deep.equal([]);
  });

  it('reads booleans case-insensitively and rejects anything else', () => {
    const c = conf({ t: ' TRUE ', f: 'False', bad: 'yes', empty: ' ' });
    expect(c.getBoolean('t', false)).to.equal(true);
    expect(c.getBoolean('f', true)).to.equal(false);
    expect(c.getBoolean('absent', true)).to.equal(true);
    expect(c.getBoolean('empty', true)).to.equal(true);
    expect(() => c.getBoolean('bad', false)).to.throw(ConfigError, /bad: expected true or false, got "yes"/);
  });
});

describe('hadoop-conf variable expansion', () => {
  it('expands properties, nested references innermost first', () => {
    const c = conf({
      host: 'rm.example.com',
      address: '${host}:${port}',
      port: '8030',
      which: 'host',
      nested: '[${${which}}]',
      'key.a': 'A',
      selector: 'a',
      indirect: '${key.${selector}}',
    });
    expect(c.get('address')).to.equal('rm.example.com:8030');
    expect(c.get('nested')).to.equal('[rm.example.com]');
    expect(c.get('indirect')).to.equal('A');
    expect(c.getRaw('address')).to.equal('${host}:${port}');
  });

  it('reads ${env.NAME} from the given map, with :- and - defaults', () => {
    const c = conf(
      {
        plain: '${env.HOME_DIR}/x',
        colonDash: '${env.EMPTY:-fallback}',
        dash: '${env.EMPTY-fallback}',
        unsetDash: '${env.UNSET-fallback}',
        setColonDash: '${env.HOME_DIR:-fallback}',
        missing: '${env.UNSET}/x',
      },
      { env: { HOME_DIR: '/home/alice', EMPTY: '' } },
    );
    expect(c.get('plain')).to.equal('/home/alice/x');
    expect(c.get('colonDash')).to.equal('fallback');
    expect(c.get('dash')).to.equal('');
    expect(c.get('unsetDash')).to.equal('fallback');
    expect(c.get('setColonDash')).to.equal('/home/alice');
    expect(c.get('missing')).to.equal('${env.UNSET}/x');
  });

  it('asks system properties before configuration properties, as Hadoop does', () => {
    const c = conf(
      { 'user.name': 'from-conf', dir: '/tmp/${user.name}', other: '${only.in.conf}', 'only.in.conf': 'c' },
      { systemProperties: { 'user.name': 'alice' } },
    );
    expect(c.get('dir')).to.equal('/tmp/alice');
    expect(c.get('other')).to.equal('c');
  });

  it('leaves an unresolvable reference in place and stops there', () => {
    const c = conf({ v: '${nope}/${known}', known: 'k', w: '${known}/${nope}' });
    expect(c.get('v')).to.equal('${nope}/${known}');
    expect(c.get('w')).to.equal('k/${nope}');
  });

  it('ignores malformed references: empty names, spaces, a lone $', () => {
    const c = conf({ v: '${} ${a b} $ {x} ${', x: 'X' });
    expect(c.get('v')).to.equal('${} ${a b} $ {x} ${');
  });

  it('returns a self-referencing value unexpanded', () => {
    const c = conf({ loop: 'x${loop}', partly: '${known}-${partly}', known: 'k' });
    expect(c.get('loop')).to.equal('x${loop}');
    expect(c.get('partly')).to.equal('${known}-${partly}');
  });

  it('ends an indirect loop with a ConfigError naming the property', () => {
    const c = conf({ a: '${b}', b: '${a}' });
    expect(() => c.get('a')).to.throw(ConfigError, /read property a: variable substitution depth too large/);
  });

  it('allows MAX_SUBSTITUTIONS - 1 replacements and fails on the next, like Hadoop', () => {
    const chain = (n: number): Record<string, string> => {
      const props: Record<string, string> = {};
      for (let i = 0; i < n; i++) props[`k${i}`] = `\${k${i + 1}}`;
      props[`k${n}`] = 'end';
      return props;
    };
    expect(conf(chain(MAX_SUBSTITUTIONS - 1)).get('k0')).to.equal('end');
    expect(() => conf(chain(MAX_SUBSTITUTIONS)).get('k0')).to.throw(ConfigError, /depth too large/);
  });

  it('keeps the environment out of inspect() and JSON', () => {
    const c = conf({ token: '${env.SECRET_TOKEN}' }, { env: { SECRET_TOKEN: 's3cr3t-value' } });
    expect(c.get('token')).to.equal('s3cr3t-value');
    expect(inspect(c, { depth: 5, showHidden: true })).not.to.contain('s3cr3t-value');
    expect(JSON.stringify(c)).not.to.contain('s3cr3t-value');
  });
});
