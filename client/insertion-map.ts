import type * as TS from 'typescript';

/**
 * The source map of a file into which text was only inserted (closure-capture's wrappers), so that
 * esbuild, which reads an input file's inline map and composes it into the bundle's, still points
 * every token at the user's own column. esbuild looks up the position of each node it prints and
 * takes that mapping's original position as it is, so there is a mapping at every node start.
 */

/** Text inserted at a position of the original source (never a line break). */
export interface Insertion {
  pos: number;
  text: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A source map VLQ: sign in the lowest bit, 5 bits per digit, low digits first. */
function vlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/**
 * `//# sourceMappingURL=data:...` for `sf` after `insertions`, naming the original `sourceName`.
 * Lines do not move; a column moves right by the text inserted before it on its line.
 */
export function insertionSourceMap(ts: typeof TS, sf: TS.SourceFile, insertions: readonly Insertion[], sourceName: string): string {
  // Original positions worth a mapping: every node start, and where each insertion goes.
  const starts = new Set<number>(insertions.map((i) => i.pos));
  const walk = (node: TS.Node): void => {
    starts.add(node.getStart(sf));
    ts.forEachChild(node, walk);
  };
  ts.forEachChild(sf, walk);
  const byPos = [...insertions].sort((a, b) => a.pos - b.pos);
  const lines: [number, number][][] = sf.getLineStarts().map(() => []);
  for (const pos of [...starts].sort((a, b) => a - b)) {
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    const lineStart = sf.getLineStarts()[line]!;
    // The inserted text before pos on its line; an insertion at pos itself starts there and maps there too.
    let shift = 0;
    for (const i of byPos) if (i.pos >= lineStart && i.pos < pos) shift += i.text.length;
    lines[line]!.push([character + shift, character]);
    for (const i of byPos) if (i.pos === pos) lines[line]!.push([character + shift + i.text.length, character]);
  }
  let prevLine = 0;
  let prevCol = 0;
  const mappings = lines.map((segments, line) => {
    let prevGen = 0;
    return segments
      .map(([gen, col]) => {
        const s = vlq(gen - prevGen) + vlq(0) + vlq(line - prevLine) + vlq(col - prevCol);
        prevGen = gen;
        prevLine = line;
        prevCol = col;
        return s;
      })
      .join(',');
  });
  const map = { version: 3, sources: [sourceName], names: [], mappings: mappings.join(';') };
  return `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}
