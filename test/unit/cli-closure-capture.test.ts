import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { captureClosures, SHIPPING_METHODS } from '../../client/closure-capture.js';
import { bundleJob } from '../../client/job-bundle.js';
import { CAPTURE_HELPER, CAPTURE_HELPER_NAME, capturedOf } from '../../protocols/job-spec/index.js';

/** The names each shipped lambda of `source` captures, by line. */
function captures(source: string, path = '/jobs/job.mjs'): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const l of captureClosures(source, path, 'job').lambdas) out[l.line] = [...(out[l.line] ?? []), ...l.names];
  return out;
}

describe('closure capture (the bundler’s rewrite)', () => {
  it('captures locals of enclosing functions, not the lambda’s own names, top-level names, imports or globals', () => {
    const src = [
      "import def, { named as alias } from 'pkg';",
      'const TOP = 1; let counter = 0; function helper() {} class Shape {}',
      'export default async function main(ctx, [input, ...rest]) {',
      '  const { a, b: [c] } = ctx.opts; var v = 1; let l = 2; function local() {} class Local {}',
      '  ctx.textFile(input).map((x, { y } = {}, ...zs) => [x, y, zs, a, c, v, l, local, Local, rest, { a }, ctx.appId]);',
      '  ctx.range(1).filter((x) => [TOP, counter, helper, Shape, def, alias, Math, JSON, process, undefinedName, x]);',
      '  ctx.range(1).map((x) => x.a.c.v + ({ l: 1 }).l + { v: 1 }.v);',
      '  try {} catch (e) { for (const k of [1]) { if (k) { const inBlock = k; ctx.range(1).map(() => [e, k, inBlock]); } } }',
      '}',
    ].join('\n');
    expect(captures(src)).to.deep.equal({
      5: ['a', 'c', 'v', 'l', 'local', 'Local', 'rest', 'ctx'],
      8: ['e', 'k', 'inBlock'],
    });
  });

  it('analyses nested lambdas as part of the shipped one and wraps only the outermost', () => {
    const src = [
      'export default async function main(ctx, k) {',
      '  const m = 2;',
      '  return ctx.range(3).map((x) => [1].map((y) => { const m = y; return (z) => z + m + k; }));',
      '}',
    ].join('\n');
    const r = captureClosures(src, '/jobs/job.mjs', 'jobs/job.mjs');
    expect(r.lambdas).to.deep.equal([{ line: 3, method: 'map', names: ['k'] }]);
    expect(r.code.split('\n')[2]).to.equal(
      '  return ctx.range(3).map(__spindleCapture((x) => [1].map((y) => { const m = y; return (z) => z + m + k; }), ' +
        'globalThis.__spindleCapturing && (() => [k]), "k", "jobs/job.mjs:3"));',
    );
  });

  it('captures for a local function passed by name, at the call, unless a declaration there shadows its variables', () => {
    const src = [
      'export default async function main(ctx, k) {',
      '  const keep = (x) => x < k; function odd(x) { return x % 2 === k; } let later = (x) => x + k;',
      '  ctx.range(3).filter(keep).filter(odd).map(later).map(top);',
      '  { const k = 0; ctx.range(3).filter(keep); }',
      '}',
      'function top(x) { return x; }',
    ].join('\n');
    const r = captureClosures(src, '/jobs/job.mjs', 'job.mjs');
    expect(r.lambdas).to.deep.equal([
      { line: 2, method: 'filter', names: ['k'] },
      { line: 2, method: 'filter', names: ['k'] },
    ]);
    expect(r.code.split('\n')[2]).to.equal(
      '  ctx.range(3).filter(__spindleCapture(keep, globalThis.__spindleCapturing && (() => [k]), "k", "job.mjs:2"))' +
        '.filter(__spindleCapture(odd, globalThis.__spindleCapturing && (() => [k]), "k", "job.mjs:2")).map(later).map(top);',
    );
    expect(r.code.split('\n')[3]).to.equal(src.split('\n')[3]);
  });

  it('skips type positions and type-only names in TypeScript', () => {
    const src = [
      'export default async function main(ctx: any, n: number) {',
      '  type Row = { n: number }; interface Named { name: string }',
      '  const rows: Row[] = [];',
      '  return ctx.range(3).map((x: number): Row => ({ n: x + n } as Row)).filter(<T extends Named>(r: T | Row) => (r as Row).n > rows.length);',
      '}',
    ].join('\n');
    expect(captures(src, '/jobs/job.ts')).to.deep.equal({ 4: ['n', 'rows'] });
  });

  it('leaves a file without capturing lambdas as it is, and keeps every line in place when it rewrites', () => {
    const plain = 'export default async (ctx) => ctx.range(3).map((x) => x + 1).collect(); // no locals\n';
    expect(captureClosures(plain, '/jobs/job.mjs', 'job.mjs')).to.deep.equal({ code: plain, lambdas: [] });
    const src = 'export default async function main(ctx, k) {\n  return ctx.range(3).map((x) => x + k).collect(); // trailing comment';
    const out = captureClosures(src, '/jobs/job.mjs', 'job.mjs').code.split('\n');
    expect(out[0]).to.equal(src.split('\n')[0]);
    expect(out[1]).to.match(
      /^ {2}return ctx\.range\(3\)\.map\(__spindleCapture\(\(x\) => x \+ k, .*\)\.collect\(\); \/\/ trailing comment$/,
    );
    expect(out[2]).to.match(/^;function __spindleCapture\(/);
  });

  it('records captures only in a process that ships functions (the driver), not on executors', () => {
    const wrap = new Function(`${CAPTURE_HELPER}; return ${CAPTURE_HELPER_NAME};`)() as (...a: unknown[]) => object;
    const onExecutor = (x: number) => x;
    expect(wrap(onExecutor, undefined, 'k', 'job.mjs:2')).to.equal(onExecutor);
    expect(capturedOf(onExecutor)).to.equal(undefined);
    const onDriver = (x: number) => x;
    expect(wrap(onDriver, () => [1, 'a'], 'k,stop2', 'job.mjs:2')).to.equal(onDriver);
    const c = capturedOf(onDriver)!;
    expect([c.values(), c.names, c.at]).to.deep.equal([[1, 'a'], ['k', 'stop2'], 'job.mjs:2']);
  });

  it('knows every Dataset and Context method that takes a function', () => {
    // Public methods (and the Context interface's) with a parameter of function type, read from the source.
    const takingFunctions = (file: string): Set<string> => {
      const path = new URL(`../../../appmaster/driver/${file}`, import.meta.url);
      const sf = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      const found = new Set<string>();
      const visit = (node: ts.Node): void => {
        if (
          (ts.isMethodDeclaration(node) || ts.isMethodSignature(node)) &&
          ts.isIdentifier(node.name) &&
          !(ts.getCombinedModifierFlags(node as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) &&
          node.parameters.some((p) => p.type && ts.isFunctionTypeNode(p.type))
        ) {
          found.add(node.name.text);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
      return found;
    };
    const methods = new Set([...takingFunctions('dataset.ts'), ...takingFunctions('context.ts')]);
    expect([...methods].sort()).to.deep.equal([...SHIPPING_METHODS].sort());
  });

  it('keeps the bundle’s source map on the user’s lines and columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spindle-capture-map-'));
    try {
      const file = join(dir, 'job.ts');
      writeFileSync(
        file,
        [
          'export default async function main(ctx: any, args: string[]) {',
          '  const minLen: number = Number(args[0]);',
          "  const words = ctx.textFile('in').filter((w: string) => w.length >= minLen); const marker1 = 'm1';",
          "  if (words) throw new Error('marker2');",
          '  return marker1;',
          '}',
        ].join('\n'),
      );
      const { code } = await bundleJob(file, { cwd: dir });
      expect(code).to.include('__spindleCapture(');
      const map = new SourceMap(JSON.parse(Buffer.from(code.slice(code.lastIndexOf('base64,') + 7).trim(), 'base64').toString('utf8')));
      const lines = code.split('\n');
      const origin = (needle: string) => {
        const line = lines.findIndex((l) => l.includes(needle));
        const entry = map.findEntry(line, lines[line]!.indexOf(needle)) as {
          originalSource: string;
          originalLine: number;
          originalColumn: number;
        };
        return { file: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
      };
      expect(origin('(w) => w.length')).to.deep.equal({ file: 'job.ts', line: 3, column: 43 });
      expect(origin('w.length >= minLen')).to.deep.equal({ file: 'job.ts', line: 3, column: 58 });
      expect(origin('"m1"')).to.deep.equal({ file: 'job.ts', line: 3, column: 95 });
      expect(origin('"marker2"')).to.deep.equal({ file: 'job.ts', line: 4, column: 30 });
      expect(origin('return marker1')).to.deep.equal({ file: 'job.ts', line: 5, column: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
