/**
 * An immutable Hadoop configuration: ordered resources layered with Hadoop's rules, read with
 * Hadoop's expansion and trimming. The typed option builders (hdfsOptions, yarnOptions, ...) read
 * it; nothing else in Spindle should look at raw keys.
 */
import { ConfigError } from '../errors/index.js';
import { DEFAULT_RESOURCES, DEPRECATED_KEYS } from './defaults.js';
import { expandVariables } from './expansion.js';
import { javaTrim, splitTrimmed } from './java-strings.js';
import type { ConfProperty } from './xml-reader.js';

/** One resource after includes are resolved: where it came from and its properties in order. */
export interface ConfResource {
  /** File path, or a name such as "core-default.xml". */
  source: string;
  properties: readonly ConfProperty[];
}

export interface ConfigurationOptions {
  /** Answers `${env.NAME}`. Default: empty (never `process.env`; the adapter passes it in). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers Java-style `${user.name}`, `${user.home}`, `${java.io.tmpdir}`. Default: empty. */
  systemProperties?: Readonly<Record<string, string | undefined>>;
  /** Put Hadoop's defaults (defaults.ts) under the resources. Default true. */
  includeDefaults?: boolean;
}

/** A site value that was not applied because an earlier resource marked the key final. */
export interface IgnoredOverride {
  name: string;
  source: string;
}

interface Entry {
  value: string;
  source: string;
  isDefault: boolean;
}

/** Map a deprecated key to its current name. */
export function canonicalKey(name: string): string {
  return DEPRECATED_KEYS[name] ?? name;
}

export class HadoopConfiguration {
  readonly #entries = new Map<string, Entry>();
  readonly #finals = new Set<string>();
  readonly #ignored: IgnoredOverride[] = [];
  // Private fields: the environment may hold secrets; it never shows up when the object is
  // logged, inspected or serialised.
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #systemProperties: Readonly<Record<string, string | undefined>>;

  private constructor(options: ConfigurationOptions) {
    this.#env = options.env ?? {};
    this.#systemProperties = options.systemProperties ?? {};
  }

  /**
   * Layer resources in order. A later resource overrides an earlier one, except for keys an
   * earlier resource marked `<final>true</final>`; a property with no value overrides nothing
   * (but may still mark the key final), exactly as Hadoop's loadProperty does.
   */
  static fromResources(resources: readonly ConfResource[], options: ConfigurationOptions = {}): HadoopConfiguration {
    const conf = new HadoopConfiguration(options);
    if (options.includeDefaults ?? true) {
      for (const r of DEFAULT_RESOURCES) conf.#load(r, true);
    }
    for (const r of resources) conf.#load(r, false);
    return conf;
  }

  #load(resource: ConfResource, isDefault: boolean): void {
    for (const property of resource.properties) {
      const name = canonicalKey(property.name);
      if (property.value !== undefined) {
        if (this.#finals.has(name)) {
          this.#ignored.push({ name, source: resource.source });
        } else {
          this.#entries.set(name, { value: property.value, source: resource.source, isDefault });
        }
      }
      if (property.final) this.#finals.add(name);
    }
  }

  /** The value as written, without expansion; `undefined` when unset. */
  getRaw(name: string): string | undefined {
    return this.#entries.get(canonicalKey(name))?.value;
  }

  /**
   * The value with `${...}` references expanded (see expansion.ts); `undefined` when unset.
   * Values are not trimmed, as in Hadoop's `get`.
   * @throws ConfigError when expansion loops past the depth limit
   */
  get(name: string): string | undefined {
    const raw = this.getRaw(name);
    if (raw === undefined) return undefined;
    return expandVariables(
      raw,
      {
        env: (n) => this.#env[n],
        systemProperty: (n) => this.#systemProperties[n],
        property: (n) => this.getRaw(n),
      },
      name,
    );
  }

  /** Hadoop's `getTrimmed`: the expanded value with Java `trim()` applied. */
  getTrimmed(name: string): string | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : javaTrim(v);
  }

  /** Comma/newline separated list, each item trimmed, empty items dropped; [] when unset. */
  getTrimmedStrings(name: string): string[] {
    return splitTrimmed(this.get(name));
  }

  /**
   * `true`/`false` in any case, after trimming. Hadoop silently falls back to the default for
   * anything else; we reject it, since such a value is always a mistake.
   * @throws ConfigError naming the key and the value
   */
  getBoolean(name: string, defaultValue: boolean): boolean {
    const v = this.getTrimmed(name);
    if (v === undefined || v === '') return defaultValue;
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw new ConfigError(`${name}: expected true or false, got "${v}" (${this.sourceOf(name)})`, {
      operation: 'read configuration',
    });
  }

  /** Whether some resource marked the key final. */
  isFinal(name: string): boolean {
    return this.#finals.has(canonicalKey(name));
  }

  /** The resource that supplied the current value (a file path or "yarn-default.xml" etc.). */
  sourceOf(name: string): string | undefined {
    return this.#entries.get(canonicalKey(name))?.source;
  }

  /** Whether the current value comes from a site resource rather than Hadoop's defaults. */
  isSet(name: string): boolean {
    const e = this.#entries.get(canonicalKey(name));
    return e !== undefined && !e.isDefault;
  }

  /** Site values that lost to a final key, in load order (Hadoop logs these as warnings). */
  get ignoredOverrides(): readonly IgnoredOverride[] {
    return this.#ignored;
  }

  /** All keys with a value, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /**
   * Raw (unexpanded) values as a plain object, e.g. to ship with `toHadoopXml`. Values stay
   * unexpanded so `${env.X}` is resolved where the configuration is finally read.
   * @param options.includeDefaults also include Hadoop's defaults; default false
   */
  toRecord(options: { includeDefaults?: boolean } = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.names()) {
      const e = this.#entries.get(name)!;
      if (!e.isDefault || options.includeDefaults) out[name] = e.value;
    }
    return out;
  }
}
