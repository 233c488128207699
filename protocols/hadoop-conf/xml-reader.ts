/**
 * Parses one Hadoop `*-site.xml` document into an ordered list of entries. Pure: no file access;
 * `xi:include` elements come back as entries for the loader to resolve.
 *
 *   <configuration>
 *     <property>
 *       <name>fs.defaultFS</name>          name: trimmed (Hadoop trims names)
 *       <value>hdfs://nn:8020</value>      value: kept verbatim; an empty <value/> means "no value"
 *       <final>true</final>                final: exactly "true", untrimmed, as Hadoop compares it
 *     </property>
 *     <property name="a" value="b" final="true"/>        attribute form, also accepted by Hadoop
 *     <xi:include href="mount-table.xml"><xi:fallback/></xi:include>
 *   </configuration>
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ConfigError } from '../errors/index.js';
import { javaTrim } from './java-strings.js';

/** One `<property>` as written in a resource. */
export interface ConfProperty {
  name: string;
  /** `undefined` when the element had no text: Hadoop then leaves any earlier value in place. */
  value: string | undefined;
  final: boolean;
}

/** An `<xi:include>`: `fallback` holds the entries inside `<xi:fallback>`, if that element exists. */
export interface ConfInclude {
  include: string;
  fallback: ConfEntry[] | undefined;
}

export type ConfEntry = ConfProperty | ConfInclude;

/** fast-xml-parser's ordered node: `{ tag: children, ':@'?: attributes }` or `{ '#text': string }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Hadoop keeps value whitespace and never converts types.
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // An entity map here (rather than `false`) also turns on numeric references such as &#13;,
  // which XML requires; the map holds only XML's five predefined entities. The typings only
  // admit a boolean, hence the cast.
  htmlEntities: { amp: '&', apos: "'", gt: '>', lt: '<', quot: '"' } as unknown as boolean,
});

/**
 * Parse the text of one configuration resource.
 * @param text the XML document
 * @param source file path (or other name) used in error messages
 * @throws ConfigError when the document is not well-formed XML or not a `<configuration>`
 */
export function parseConfigurationXml(text: string, source: string): ConfEntry[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const fail = (what: string): never => {
    throw new ConfigError(`read ${source}: ${what}`, { operation: 'load configuration', path: source });
  };
  if (body.trim() === '') fail('the file is empty (expected a <configuration> document)');
  const verdict = XMLValidator.validate(body);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    fail(`not well-formed XML at ${where}: ${msg.replace(/\.$/, '')}; repair the file (a <configuration> of <property> elements)`);
  }
  const roots = elements(parser.parse(body) as XmlNode[]);
  if (roots.length !== 1) fail(`expected one root element, found ${roots.length}`);
  const root = roots[0]!;
  if (tagOf(root) !== 'configuration') fail(`root element is <${tagOf(root)}>, expected <configuration>`);
  return entriesOf(root, fail);
}

function entriesOf(parent: XmlNode, fail: (what: string) => never): ConfEntry[] {
  const out: ConfEntry[] = [];
  for (const node of elements(childrenOf(parent))) {
    switch (tagOf(node)) {
      case 'property':
        out.push(propertyOf(node, out.length + 1, fail));
        break;
      case 'configuration': // nested <configuration> blocks are flattened, as Hadoop does
        out.push(...entriesOf(node, fail));
        break;
      case 'include': {
        const href = attributesOf(node).href;
        if (href === undefined || href === '') fail('<xi:include> without an href attribute');
        const fallbackNode = elements(childrenOf(node)).find((n) => tagOf(n) === 'fallback');
        out.push({ include: href!, fallback: fallbackNode ? entriesOf(fallbackNode, fail) : undefined });
        break;
      }
      default: // <description>, unknown elements: Hadoop ignores them
        break;
    }
  }
  return out;
}

function propertyOf(node: XmlNode, ordinal: number, fail: (what: string) => never): ConfProperty {
  const attrs = attributesOf(node);
  let name = attrs.name;
  let value = attrs.value;
  let final = attrs.final === 'true';
  for (const field of elements(childrenOf(node))) {
    const text = textOf(field);
    switch (tagOf(field)) {
      case 'name':
        if (text.length > 0) name = text;
        break;
      case 'value':
        if (text.length > 0) value = text;
        break;
      case 'final':
        final = text === 'true';
        break;
      default:
        break;
    }
  }
  const trimmed = name === undefined ? '' : javaTrim(name);
  if (trimmed === '') fail(`property #${ordinal} has no <name>`);
  return { name: trimmed, value, final };
}

function elements(nodes: XmlNode[]): XmlNode[] {
  return nodes.filter((n) => tagOf(n) !== '#text' && tagOf(n) !== '#comment');
}

function tagOf(node: XmlNode): string {
  return Object.keys(node).find((k) => k !== ':@') ?? '';
}

function childrenOf(node: XmlNode): XmlNode[] {
  const children = node[tagOf(node)];
  return Array.isArray(children) ? (children as XmlNode[]) : [];
}

function attributesOf(node: XmlNode): Record<string, string | undefined> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}

/** Concatenated character data (text and CDATA) directly inside an element. */
function textOf(node: XmlNode): string {
  return childrenOf(node)
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : ''))
    .join('');
}
