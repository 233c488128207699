import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type * as TS from 'typescript';
import { CAPTURE_HELPER, CAPTURE_HELPER_NAME, CAPTURING_GLOBAL } from '../protocols/job-spec/index.js';
import { insertionSourceMap, type Insertion } from './insertion-map.js';

// require(), not import: importing the 9 MB CommonJS compiler from ESM first scans it for export
// names, which doubled its load time here (1.6 s against 0.6 s on a busy machine).
const ts = createRequire(import.meta.url)('typescript') as typeof TS;

/**
 * Automatic closure capture, a source rewrite applied to the job's own files before esbuild bundles
 * them. Executors rebuild a function from its source in the bundle's module scope, so it sees the
 * module's top-level names but not the locals of `main`. Every function literal passed to a method
 * that ships functions (`ds.filter((w) => w.length >= minLen)`) is analysed with the TypeScript
 * binder (as is a local function passed by name: `const keep = (w) => ...; ds.filter(keep)`); the
 * names it uses that are declared neither inside it, nor at the module's top level, nor nowhere
 * (globals) are captured:
 *
 *   ds.filter(__spindleCapture((w) => w.length >= minLen, globalThis.__spindleCapturing && (() => [minLen]), "minLen", "job.ts:7"))
 *
 * Text is only inserted, never a line break, and the rewritten file carries its own source map
 * (insertion-map.ts), which esbuild composes into the bundle's: stacks point at the user's lines
 * and columns.
 */

/**
 * Methods that take functions shipped to executors: Dataset's transformations and actions, and
 * the Context's `accumulator` (its merge function).
 * Calls are matched by method name alone (JavaScript jobs have no types): wrapping the function
 * given to an array's `map` is harmless, it returns the same function.
 */
export const SHIPPING_METHODS: ReadonlySet<string> = new Set([
  'map',
  'flatMap',
  'filter',
  'mapPartitions',
  'mapPartitionsWithIndex',
  'keyBy',
  'mapValues',
  'reduceByKey',
  'combineByKey',
  'aggregateByKey',
  'sortBy',
  'reduce',
  'fold',
  'aggregate',
  'foreach',
  'accumulator',
]);

/** One lambda that captures. */
export interface CapturingLambda {
  /** 1-based line of the lambda's start. */
  line: number;
  /** The method it is given to. */
  method: string;
  /** Captured names, in order of first use. */
  names: string[];
}

export interface CaptureResult {
  /** The rewritten source; the input itself when nothing captures. */
  code: string;
  lambdas: CapturingLambda[];
}

/** A symbol the executor would not have must be one of these (properties, types and labels never are). */
const VALUE_BINDING =
  ts.SymbolFlags.Variable | ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Enum | ts.SymbolFlags.ValueModule;

/**
 * Rewrites `source` (the file at `path`, shown as `shownAs` in error messages) so that its shipped
 * lambdas carry their captured variables. TypeScript and JavaScript (`.ts`, `.mts`, `.js`, `.mjs`).
 */
export function captureClosures(source: string, path: string, shownAs: string): CaptureResult {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, scriptKind(path));
  const checker = bindOnly(sf);
  const edits: Insertion[] = [];
  const lambdas: CapturingLambda[] = [];

  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      if (SHIPPING_METHODS.has(method)) {
        visit(node.expression);
        for (const arg of node.arguments) {
          const expr = skipParentheses(arg);
          const byName = ts.isIdentifier(expr);
          const fn = byName ? localFunction(expr, checker) : expr;
          if (!fn || (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn) && !ts.isFunctionDeclaration(fn))) {
            if (!byName) visit(arg);
            continue;
          }
          // The lambda runs on executors: lambdas inside it are analysed as part of it, never wrapped.
          const free = freeLocals(fn, sf, checker);
          // A function passed by name is captured here, at the call: only if its variables are the ones in scope here.
          if (free.size === 0 || (byName && !visibleAt(node, free, checker))) continue;
          const names = [...free.keys()];
          const line = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1;
          lambdas.push({ line, method, names });
          edits.push({ pos: arg.getStart(sf), text: `${CAPTURE_HELPER_NAME}(` });
          const thunk = `globalThis.${CAPTURING_GLOBAL} && (() => [${names.join(', ')}])`;
          edits.push({ pos: arg.end, text: `, ${thunk}, ${JSON.stringify(names.join(','))}, ${JSON.stringify(`${shownAs}:${line}`)})` });
        }
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (edits.length === 0) return { code: source, lambdas };
  let code = source;
  for (const e of [...edits].sort((a, b) => b.pos - a.pos)) code = code.slice(0, e.pos) + e.text + code.slice(e.pos);
  // After the last line: a trailing line comment or a missing final newline must not swallow it.
  const map = insertionSourceMap(ts, sf, edits, basename(path));
  return { code: `${code}\n;${CAPTURE_HELPER}\n${map}\n`, lambdas };
}

function scriptKind(path: string): TS.ScriptKind {
  if (/\.[cm]?tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(path)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/**
 * A type checker over this one file and nothing else (no lib, no imports resolved): all it is asked
 * is which declaration a name binds to, which is the binder's work; names it cannot find are globals.
 */
function bindOnly(sf: TS.SourceFile): TS.TypeChecker {
  const host: TS.CompilerHost = {
    getSourceFile: (name) => (name === sf.fileName ? sf : undefined),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => {},
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => name === sf.fileName,
    readFile: () => undefined,
  };
  const options: TS.CompilerOptions = { noLib: true, noResolve: true, allowJs: true, types: [], noEmit: true };
  return ts.createProgram({ rootNames: [sf.fileName], options, host }).getTypeChecker();
}

function skipParentheses(node: TS.Expression): TS.Expression {
  let n = node;
  while (ts.isParenthesizedExpression(n)) n = n.expression;
  return n;
}

/** The function a name passed to a shipping method stands for: a function declaration or a `const` set to a lambda. */
function localFunction(id: TS.Identifier, checker: TS.TypeChecker): TS.FunctionLikeDeclaration | undefined {
  const decl = checker.getSymbolAtLocation(id)?.valueDeclaration;
  if (!decl) return undefined;
  if (ts.isFunctionDeclaration(decl) && decl.body) return decl;
  if (!ts.isVariableDeclaration(decl) || !decl.initializer || !(ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const)) return undefined;
  const init = skipParentheses(decl.initializer);
  return ts.isArrowFunction(init) || ts.isFunctionExpression(init) ? init : undefined;
}

/** Whether each of `free` means, at `node`, the variable it means inside its function (no declaration shadows it here). */
function visibleAt(node: TS.Node, free: ReadonlyMap<string, TS.Symbol>, checker: TS.TypeChecker): boolean {
  const inScope = new Map(checker.getSymbolsInScope(node, ts.SymbolFlags.Value).map((s) => [s.name, s]));
  return [...free].every(([name, symbol]) => inScope.get(name) === symbol);
}

/** The names `fn` uses that are bound in an enclosing function or block (neither its own, nor top-level, nor globals), in order. */
function freeLocals(fn: TS.FunctionLikeDeclaration, sf: TS.SourceFile, checker: TS.TypeChecker): Map<string, TS.Symbol> {
  const names = new Map<string, TS.Symbol>();
  const walk = (node: TS.Node): void => {
    // Types, and names declared only as types, never reach executors.
    if (ts.isTypeNode(node) || ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeParameterDeclaration(node)) {
      return;
    }
    if (ts.isIdentifier(node) && !names.has(node.text)) {
      const symbol = valueSymbol(node, checker);
      const decl = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
      if (
        symbol &&
        decl &&
        symbol.flags & VALUE_BINDING &&
        decl.getSourceFile() === sf &&
        !(decl.pos >= fn.pos && decl.end <= fn.end) &&
        !isTopLevel(decl)
      ) {
        names.set(node.text, symbol);
      }
    }
    ts.forEachChild(node, walk);
  };
  for (const p of fn.parameters) walk(p);
  if (fn.body) walk(fn.body);
  return names;
}

/** The symbol an identifier in expression position refers to; undefined for property names and the like. */
function valueSymbol(id: TS.Identifier, checker: TS.TypeChecker): TS.Symbol | undefined {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent) && parent.name === id) return checker.getShorthandAssignmentValueSymbol(parent);
  if (ts.isPropertyAccessExpression(parent) && parent.name === id) return undefined;
  if (ts.isQualifiedName(parent) && parent.right === id) return undefined;
  return checker.getSymbolAtLocation(id);
}

/** Declared by a statement of the module itself (imports included): executors have it. */
function isTopLevel(decl: TS.Node): boolean {
  let n: TS.Node = decl;
  while (ts.isBindingElement(n) || ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) n = n.parent;
  if (ts.isVariableDeclaration(n)) n = n.parent.parent;
  if (ts.isImportSpecifier(n) || ts.isNamespaceImport(n) || ts.isImportClause(n) || ts.isImportEqualsDeclaration(n)) return true;
  return ts.isSourceFile(n.parent);
}
