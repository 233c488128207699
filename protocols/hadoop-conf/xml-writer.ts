/** Writes a Hadoop `*-site.xml` document, e.g. to ship a client's configuration to the AM. */
import { ConfigError } from '../errors/index.js';
import { javaTrim } from './java-strings.js';

/** Characters XML 1.0 cannot carry at all, not even as character references. */
const ILLEGAL_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Render properties as a `<configuration>` document that Hadoop (and parseConfigurationXml) reads
 * back to the same values. Values are written verbatim (whitespace included; `\r` as `&#13;` so
 * XML line-end normalisation cannot eat it). Note that Hadoop reads an empty `<value>` as "not
 * set", so a property whose value is "" reads back as absent.
 * @throws ConfigError for an empty name, a name with surrounding whitespace (Hadoop trims names),
 *   or text containing characters XML cannot represent
 */
export function toHadoopXml(props: Readonly<Record<string, string>>): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<configuration>'];
  for (const [name, value] of Object.entries(props)) {
    if (name === '' || javaTrim(name) !== name) {
      throw new ConfigError(`write configuration: property name "${name}" is empty or has surrounding whitespace`, {
        operation: 'write configuration',
      });
    }
    if (ILLEGAL_XML.test(name) || ILLEGAL_XML.test(value)) {
      const what = `property ${JSON.stringify(name)} contains a character XML cannot carry`;
      throw new ConfigError(`write configuration: ${what}`, {
        operation: 'write configuration',
      });
    }
    lines.push(`  <property><name>${escapeText(name)}</name><value>${escapeText(value)}</value></property>`);
  }
  lines.push('</configuration>', '');
  return lines.join('\n');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}
