import { expect } from 'chai';
import { ConfigError } from '../../protocols/errors/index.js';
import { HadoopConfiguration, parseConfigurationXml, toHadoopXml, type ConfProperty } from '../../protocols/hadoop-conf/index.js';

const wrap = (body: string): string => `<?xml version="1.0"?>\n<configuration>\n${body}\n</configuration>\n`;

function properties(xml: string): ConfProperty[] {
  return parseConfigurationXml(xml, 'test.xml').filter((e): e is ConfProperty => 'name' in e);
}

describe('hadoop-conf XML reader', () => {
  it('trims names but keeps values verbatim, and reads final only when exactly "true"', () => {
    const props = properties(
      wrap(`
      <property><name>  a.b\t</name><value>  spaced  </value><final>true</final></property>
      <property><name>c</name><value>x</value><final> true </final></property>
      <property><name>d</name><value>y</value><final>TRUE</final></property>`),
    );
    expect(props).to.deep.equal([
      { name: 'a.b', value: '  spaced  ', final: true },
      { name: 'c', value: 'x', final: false },
      { name: 'd', value: 'y', final: false },
    ]);
  });

  it('treats an empty <value> as no value, and accepts the attribute form', () => {
    const props = properties(
      wrap(`
      <property><name>empty</name><value></value></property>
      <property><name>selfclosing</name><value/></property>
      <property><name>novalue</name><final>true</final></property>
      <property name="attr" value="v" final="true"/>`),
    );
    expect(props).to.deep.equal([
      { name: 'empty', value: undefined, final: false },
      { name: 'selfclosing', value: undefined, final: false },
      { name: 'novalue', value: undefined, final: true },
      { name: 'attr', value: 'v', final: true },
    ]);
  });

  it('decodes entities and CDATA and ignores comments, descriptions and a BOM', () => {
    const xml = `\uFEFF${wrap(`
      <!-- a comment -->
      <property><name>k</name><value>a &amp; b &lt;c&gt; <![CDATA[<d> & e]]>&#65;</value>
        <description>ignored</description></property>`)}`;
    expect(properties(xml)).to.deep.equal([{ name: 'k', value: 'a & b <c> <d> & eA', final: false }]);
  });

  it('flattens nested <configuration> blocks and returns xi:include entries in order', () => {
    const entries = parseConfigurationXml(
      wrap(`
      <property><name>one</name><value>1</value></property>
      <configuration><property><name>two</name><value>2</value></property></configuration>
      <xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x.xml">
        <xi:fallback><property><name>three</name><value>3</value></property></xi:fallback>
      </xi:include>`),
      'test.xml',
    );
    expect(entries).to.deep.equal([
      { name: 'one', value: '1', final: false },
      { name: 'two', value: '2', final: false },
      { include: 'x.xml', fallback: [{ name: 'three', value: '3', final: false }] },
    ]);
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['a mismatched closing tag', wrap('<property><name>a</name><value>1</name></property>'), /not well-formed XML at line 3/],
    ['an empty file', '   \n', /empty/],
    ['a different root element', '<properties><property/></properties>', /root element is <properties>/],
    ['two root elements', '<configuration/><configuration/>', /one root element, found 2/],
    ['a property without a name', wrap('<property><value>1</value></property>'), /property #1 has no <name>/],
    ['an include without href', wrap('<include/>'), /without an href/],
  ];
  for (const [what, xml, message] of malformed) {
    it(`rejects ${what} with a ConfigError naming the file`, () => {
      let error: unknown;
      try {
        parseConfigurationXml(xml, '/etc/hadoop/core-site.xml');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message)
        .to.match(message)
        .and.to.contain('/etc/hadoop/core-site.xml');
      expect((error as ConfigError).path).to.equal('/etc/hadoop/core-site.xml');
    });
  }
});

describe('hadoop-conf toHadoopXml', () => {
  function roundTrip(props: Record<string, string>): HadoopConfiguration {
    const xml = toHadoopXml(props);
    return HadoopConfiguration.fromResources([{ source: 'shipped.xml', properties: properties(xml) }], {
      includeDefaults: false,
    });
  }

  it('writes a document that reads back to the same values', () => {
    const props = {
      'fs.defaultFS': 'hdfs://nn:8020',
      markup: 'a & b < c > d ]]> "quoted" \'single\'',
      whitespace: '  leading and trailing  ',
      lines: 'line1\nline2\r\nline3\ttabbed',
      unicode: 'ünïcødé 😀 \u00a0nbsp',
      reference: '${not.expanded.by.the.writer}',
    };
    const conf = roundTrip(props);
    for (const [name, value] of Object.entries(props)) {
      expect(conf.getRaw(name), name).to.equal(value);
    }
    expect(conf.names()).to.have.members(Object.keys(props));
  });

  it('produces a <configuration> document with one property per entry', () => {
    const xml = toHadoopXml({ a: '1', b: '2' });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n')).to.equal(true);
    expect(xml.match(/<property>/g)).to.have.length(2);
    expect(xml).to.contain('<property><name>a</name><value>1</value></property>');
  });

  it('writes an empty value, which Hadoop reads back as unset', () => {
    const conf = roundTrip({ empty: '', kept: 'x' });
    expect(conf.getRaw('empty')).to.equal(undefined);
    expect(conf.getRaw('kept')).to.equal('x');
  });

  it('rejects names Hadoop would change and characters XML cannot carry', () => {
    expect(() => toHadoopXml({ ' padded': 'x' })).to.throw(ConfigError, /surrounding whitespace/);
    expect(() => toHadoopXml({ '': 'x' })).to.throw(ConfigError, /empty/);
    expect(() => toHadoopXml({ bell: 'a\u0007b' })).to.throw(ConfigError, /"bell".*XML cannot carry/);
    expect(() => toHadoopXml({ surrogate: 'a\uD800b' })).to.throw(ConfigError, /XML cannot carry/);
  });
});
