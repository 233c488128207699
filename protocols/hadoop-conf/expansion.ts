/**
 * `${var}` expansion with the rules of Hadoop's `Configuration.substituteVars`:
 *
 * - the innermost reference is expanded first, so `${a.${b}}` works;
 * - `${env.NAME}` reads the environment map; `${env.NAME:-dflt}` uses dflt when NAME is unset or
 *   empty, `${env.NAME-dflt}` only when it is unset;
 * - any other `${name}` reads a Java-style system property first (`user.name`, `user.home`, ...)
 *   and then the configuration property `name` (its raw value, expanded on a later round);
 *   an `env.` reference that the environment cannot answer also falls back to a property;
 * - the first reference nothing answers stops expansion: the text is returned as it stands;
 * - a value that contains its own reference (`a = x${a}`) is returned unexpanded;
 * - expansion runs at most MAX_SUBSTITUTIONS rounds of one replacement each, and, like Hadoop,
 *   fails once they are used up even if the last round finished the job: so a value may need at
 *   most 19 replacements. This is how indirect loops such as a -> b -> a end (Hadoop throws
 *   IllegalStateException; we throw ConfigError).
 */
import { ConfigError } from '../errors/index.js';

/** Hadoop's MAX_SUBST: rounds of replacement allowed while expanding one value. */
export const MAX_SUBSTITUTIONS = 20;

/** Where variable names are looked up. Each returns `undefined` for "not set". */
export interface VariableSources {
  env(name: string): string | undefined;
  systemProperty(name: string): string | undefined;
  property(name: string): string | undefined;
}

/**
 * Expand `${...}` references in `expr`.
 * @param key the property being read, for the error message
 * @throws ConfigError when MAX_SUBSTITUTIONS rounds are used up
 */
export function expandVariables(expr: string, sources: VariableSources, key: string): string {
  let evaluated = expr;
  for (let round = 0; round < MAX_SUBSTITUTIONS; round++) {
    const bounds = findVariable(evaluated);
    if (bounds === undefined) return evaluated;
    const [start, end] = bounds;
    const name = evaluated.slice(start, end);
    const value = lookup(name, sources);
    if (value === undefined) return evaluated; // unbound: leave ${name} as written
    const reference = evaluated.slice(start - 2, end + 1);
    if (value.includes(reference)) return expr; // direct self-reference
    evaluated = evaluated.slice(0, start - 2) + value + evaluated.slice(end + 1);
  }
  throw new ConfigError(
    `read property ${key}: variable substitution depth too large (${MAX_SUBSTITUTIONS} rounds; ` + `a reference loop?) in "${expr}"`,
    { operation: 'expand configuration' },
  );
}

function lookup(name: string, sources: VariableSources): string | undefined {
  let value: string | undefined;
  if (name.startsWith('env.') && name.length > 4) {
    value = envLookup(name.slice(4), sources);
  } else {
    value = sources.systemProperty(name);
  }
  return value ?? sources.property(name);
}

/** `NAME`, `NAME:-default` (unset or empty) or `NAME-default` (unset only), first marker wins. */
function envLookup(spec: string, sources: VariableSources): string | undefined {
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (c === ':' && i < spec.length - 1 && spec[i + 1] === '-') {
      const v = sources.env(spec.slice(0, i));
      return v === undefined || v === '' ? spec.slice(i + 2) : v;
    }
    if (c === '-') {
      const v = sources.env(spec.slice(0, i));
      return v === undefined ? spec.slice(i + 1) : v;
    }
  }
  return sources.env(spec);
}

/**
 * Bounds [start, end) of the name inside the first innermost `${name}`: the name is non-empty and
 * holds no '}', '$' or space. Mirrors Hadoop's findSubVariable scan.
 */
export function findVariable(s: string): [number, number] | undefined {
  let leftBrace = s.indexOf('{', 1);
  scan: while (leftBrace > 0 && leftBrace + 2 < s.length) {
    if (s[leftBrace - 1] !== '$') {
      leftBrace = s.indexOf('{', leftBrace + 1);
      continue;
    }
    const start = leftBrace + 1;
    for (let i = start; i < s.length; i++) {
      const c = s[i];
      if (c === '}' && i > start) return [start, i];
      if (c === '}' || c === ' ' || c === '$') {
        leftBrace = s.indexOf('{', i + 1);
        continue scan;
      }
    }
    return undefined;
  }
  return undefined;
}
