/**
 * Parsers for command-line values: sizes, durations, counts, K=V pairs, path#alias. Pure functions;
 * each throws a ConfigError that names the option and shows an accepted form.
 */
import { basename } from 'node:path';
import { ConfigError, errorMessage } from '../../protocols/errors/index.js';
import { hdfsSourceParts } from '../resources.js';

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;
const UNIT_MB: Record<string, number> = { k: 1 / 1024, '': 1, m: 1, g: 1024, t: 1024 * 1024 };
const SIZE_FORMS = 'use e.g. 512m, 2g or 1.5g (a number alone is MB)';

/**
 * A memory size in whole megabytes (MiB, as YARN counts): "512m", "2g", "1.5g", "2048" (MB when no
 * unit), "512mb", "4GiB". Rounds up to a whole MB; below 1 MB is an error.
 */
export function parseSize(option: string, text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new ConfigError(`${option}: "${text}" is not a size; ${SIZE_FORMS}`);
  const unit = m[2]!.toLowerCase();
  // "b" alone means bytes ("512b"); with a unit it is only part of the unit's name ("512mb", "4GiB").
  const factor = unit === '' && m[3] !== undefined ? 1 / (1024 * 1024) : UNIT_MB[unit]!;
  const exact = Number(m[1]) * factor;
  if (exact < 1) throw new ConfigError(`${option}: "${text}" is less than 1 MB; ${SIZE_FORMS}`);
  const mb = Math.ceil(exact - 1e-9);
  if (!Number.isSafeInteger(mb)) throw new ConfigError(`${option}: "${text}" is too large`);
  return mb;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in milliseconds: "30s", "10m", "1h30m", "500ms", "2d", or plain seconds ("90"). */
export function parseDuration(option: string, text: string): number {
  const t = text.trim().toLowerCase();
  const fail = (): never => {
    throw new ConfigError(`${option}: "${text}" is not a duration; use e.g. 30s, 10m or 1h30m`);
  };
  if (/^\d+(\.\d+)?$/.test(t)) return positiveMs(option, Number(t) * 1000, text);
  let ms = 0;
  DURATION_PART.lastIndex = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(t); m; m = DURATION_PART.exec(t)) {
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = DURATION_PART.lastIndex;
  }
  if (t === '' || end !== t.length) fail();
  return positiveMs(option, ms, text);
}

function positiveMs(option: string, ms: number, text: string): number {
  const r = Math.round(ms);
  if (!(r > 0)) throw new ConfigError(`${option}: "${text}" must be longer than 0`);
  return r;
}

/** What a count may look like, for the messages of parseCount. */
const COUNT_FORMS = 'digits only (no sign, decimal point, exponent or 0x)';

/**
 * A whole number from `min` to `max`, written in digits: "4", " 12 ". "1e3", "0x10", "-1", "1.5"
 * and "" are refused with the accepted form, and so is a value past `max` (an absolute ceiling,
 * checked before the cluster is asked what it can grant).
 */
export function parseCount(option: string, text: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  const range = `a whole number from ${min} to ${max}`;
  if (!/^\d+$/.test(t)) throw new ConfigError(`${option}: "${text}" is not a whole number; use ${range}, ${COUNT_FORMS}`);
  const n = Number(t);
  if (n < min) throw new ConfigError(`${option}: ${t} is less than ${min}; use ${range}`);
  if (n > max) throw new ConfigError(`${option}: ${t} is more than ${max}, the most Spindle accepts; use ${range}`);
  return n;
}

/**
 * A decimal number within bounds: "1.5", "0.75", "2". `above` is an exclusive lower bound, `min` an
 * inclusive one; `max` is inclusive.
 */
export function parseDecimal(option: string, text: string, bounds: { min?: number; above?: number; max?: number }): number {
  const t = text.trim();
  const range = [
    bounds.above !== undefined ? `above ${bounds.above}` : bounds.min !== undefined ? `at least ${bounds.min}` : '',
    bounds.max !== undefined ? `at most ${bounds.max}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(t)) throw new ConfigError(`${option}: "${text}" is not a number; use a number ${range}, e.g. 1.5`);
  const n = Number(t);
  if (
    (bounds.above !== undefined && n <= bounds.above) ||
    (bounds.min !== undefined && n < bounds.min) ||
    (bounds.max !== undefined && n > bounds.max)
  ) {
    throw new ConfigError(`${option}: ${t} is out of range; use a number ${range}`);
  }
  return n;
}

/** A duration in milliseconds that may be 0: plain digits are milliseconds ("100"); "250ms", "2s" as parseDuration. */
export function parseMillis(option: string, text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^0+(ms|s|m|h|d)$/i.test(t)) return 0;
  return parseDuration(option, text);
}

/** The range of YARN's int32 fields (priority). */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** An integer that fits YARN's int32 fields, possibly negative (YARN priorities may be). */
export function parseInteger(option: string, text: string): number {
  const t = text.trim();
  const n = Number(t);
  if (!/^[+-]?\d+$/.test(t) || n < INT32_MIN || n > INT32_MAX) {
    throw new ConfigError(
      `${option}: "${text}" is not a whole number from ${INT32_MIN} to ${INT32_MAX}; use digits with an optional sign, e.g. 10`,
    );
  }
  return n;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "NAME=value" (the value may contain "=" and be empty) → [name, value]. */
export function parseKeyValue(option: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError(`${option}: "${text}" is not NAME=value`);
  const key = text.slice(0, eq);
  if (!ENV_NAME.test(key))
    throw new ConfigError(`${option}: "${key}" is not a valid variable name (letters, digits and _, not starting with a digit)`);
  return [key, text.slice(eq + 1)];
}

/**
 * Repeated `--env` options: NAME=value, or NAME alone to pass on the value NAME has in `env` (this
 * process's environment), so that a secret never has to be on a command line. A later value for the
 * same name wins.
 */
export function collectEnvironment(
  option: string,
  texts: readonly string[],
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    if (t.includes('=')) {
      const [k, v] = parseKeyValue(option, t);
      out[k] = v;
      continue;
    }
    if (!ENV_NAME.test(t)) {
      throw new ConfigError(
        `${option}: "${t}" is neither NAME=value nor a variable name (letters, digits and _, not starting with a digit)`,
      );
    }
    const value = env[t];
    if (value === undefined) throw new ConfigError(`${option} ${t}: ${t} is not set here; export it first, or pass ${t}=value`);
    out[t] = value;
  }
  return out;
}

/** A file to ship: where it is and the name it gets in the container's working directory. */
export interface ShipSpec {
  /** A local path, or an hdfs:// URL / absolute HDFS path prefixed with "hdfs:". */
  source: string;
  /** Link name in the working directory. */
  alias: string;
  /** The source is already on HDFS (hdfs://… or hdfs:/…); nothing is uploaded. */
  remote: boolean;
}

const ALIAS = /^[^/\\\0]+$/;

/**
 * "path[#alias]" as in Spark's --files/--archives: the alias defaults to the file name. A '#' inside
 * a file name would need the alias form ("a#b.txt#a.txt" ships a#b.txt as a.txt).
 */
export function parseShipSpec(option: string, text: string): ShipSpec {
  const hash = text.lastIndexOf('#');
  const source = hash >= 0 ? text.slice(0, hash) : text;
  if (source.trim() === '') throw new ConfigError(`${option}: "${text}" names no file`);
  const remote = /^hdfs:/i.test(source);
  let path = source;
  if (remote) {
    try {
      path = hdfsSourceParts(source).path;
    } catch (err) {
      throw new ConfigError(`${option}: ${errorMessage(err)}`);
    }
  }
  const alias = hash >= 0 ? text.slice(hash + 1) : basename(path.replace(/\/+$/, ''));
  if (!ALIAS.test(alias) || alias === '.' || alias === '..') {
    throw new ConfigError(`${option}: alias "${alias}" must be a plain file name (no "/")`);
  }
  return { source, alias, remote };
}

/** Commander collector for a repeatable option: every value, in order (no default shown in help). */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** "a,b , c" and repeated options → ["a","b","c"]. */
export function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses an application id and says what one looks like when it is not. */
export function parseAppId(text: string): string {
  const t = text.trim();
  if (!/^application_\d+_\d+$/.test(t)) {
    throw new ConfigError(`"${text}" is not an application id; ids look like application_1700000000000_0001 (see spindle list)`);
  }
  return t;
}

/** Parses a container id (container_[e<epoch>_]<cluster>_<app>_<attempt>_<seq>). */
export function parseContainerId(text: string): string {
  const t = text.trim();
  if (!/^container_(e\d+_)?\d+_\d+_\d+_\d+$/.test(t)) {
    throw new ConfigError(`"${text}" is not a container id; ids look like container_1700000000000_0001_01_000002`);
  }
  return t;
}
