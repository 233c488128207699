import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Message, Plugin } from 'esbuild';
import { entryPointProblem, JOB_BUNDLE_FOOTER } from '../protocols/job-spec/index.js';
import { ConfigError } from '../protocols/errors/index.js';

/**
 * `spindle submit` ships the job file and everything it imports as one ESM file, bundled here with
 * esbuild before anything is sent to the cluster: a syntax or import error is reported with file,
 * line and column and nothing is submitted. The job's own files (not its npm packages) are first
 * rewritten so that lambdas carry the locals of main they use (closure-capture.ts).
 */

export const JOB_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;
/** CommonJS dependencies call require(); give the ESM bundle one (as scripts/bundle.mjs does). */
const REQUIRE_BANNER =
  "import { createRequire as __spindleCreateRequire } from 'node:module'; const require = __spindleCreateRequire(import.meta.url);";
/** Errors quoted in full; more are counted. */
const MAX_ERRORS_SHOWN = 5;

/** A job file could not be bundled: syntax errors, unresolved imports. The message points at them. */
export class JobBundleError extends ConfigError {
  override readonly name: string = 'JobBundleError';
}

export interface JobBundle {
  /** The bundle, one ESM file with an inline source map. */
  code: string;
  /** Bytes of code. */
  size: number;
  /** esbuild's warnings, formatted like errors. */
  warnings: string[];
}

/** "job.ts:3:9: error: Expected ";" but found "x"" plus the offending line and a caret. */
export function formatBuildMessage(m: Message, kind: 'error' | 'warning', cwd: string): string {
  const loc = m.location;
  if (!loc) return `${kind}: ${m.text}`;
  const file = relative(cwd, resolve(cwd, loc.file)) || loc.file;
  const head = `${file}:${loc.line}:${loc.column + 1}: ${kind}: ${m.text}`;
  if (!loc.lineText) return head;
  const gutter = String(loc.line).length;
  return `${head}\n  ${loc.line} | ${loc.lineText}\n  ${' '.repeat(gutter)} | ${' '.repeat(loc.column)}^`;
}

export interface BundleJobOptions {
  /** Resolve `file` against this directory. Default: the current directory. */
  cwd?: string;
  /** Also write the bundle here. */
  outFile?: string;
  /** Packages left out of the bundle (they must then exist on the cluster's nodes). */
  external?: string[];
}

/**
 * Bundles `file` (.ts, .mts, .js, .mjs) with its imports for Node 20 into one ES module ending in the
 * job evaluator (JOB_BUNDLE_FOOTER), which is how executors rebuild the job's functions: every
 * top-level binding of the job, its helpers and its npm imports sits in that one module scope.
 * @throws ConfigError for a missing file or another extension; JobBundleError for build errors and
 *   for CommonJS jobs (their bindings would hide in a wrapper function the evaluator cannot see)
 */
export async function bundleJob(file: string, options: BundleJobOptions = {}): Promise<JobBundle> {
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, file);
  if (!(JOB_EXTENSIONS as readonly string[]).includes(extname(path))) {
    throw new ConfigError(`job file ${file}: expected a ${JOB_EXTENSIONS.join(', ')} file`);
  }
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new ConfigError(`job file ${file}: no such file (looked at ${path})`);
  if (!s.isFile()) throw new ConfigError(`job file ${file}: not a file`);
  try {
    // Loaded here: only `submit` needs esbuild, and it costs the other commands' start-up time.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [path],
      absWorkingDir: cwd,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      sourcemap: 'inline',
      // Sources are relative to cwd; rooted there, a stack in the container names the user's own file
      // (not a path made up beside the NodeManager's file cache, where the bundle runs).
      sourceRoot: `${pathToFileURL(cwd).href}/`,
      sourcesContent: false,
      legalComments: 'none',
      logLevel: 'silent',
      banner: { js: REQUIRE_BANNER },
      footer: { js: JOB_BUNDLE_FOOTER },
      plugins: [await capturePlugin(cwd)],
      ...(options.external ? { external: options.external } : {}),
    });
    const entryKey = Object.keys(result.metafile.inputs).find((k) => resolve(cwd, k) === path);
    if (entryKey !== undefined && result.metafile.inputs[entryKey]!.format === 'cjs') {
      throw new JobBundleError(
        `cannot bundle ${file}; nothing was submitted: it is a CommonJS module; job files must be ES modules (import/export)`,
        { path },
      );
    }
    const exported = Object.values(result.metafile.outputs)[0]?.exports ?? [];
    const problem = entryPointProblem(exported);
    if (problem) throw new JobBundleError(`job file ${file}: ${problem}\nNothing was submitted.`, { path });
    const code = result.outputFiles[0]!.text;
    if (options.outFile) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(options.outFile, code);
    }
    return { code, size: Buffer.byteLength(code), warnings: result.warnings.map((w) => formatBuildMessage(w, 'warning', cwd)) };
  } catch (err) {
    if (err instanceof JobBundleError) throw err;
    const errors = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw err;
    const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((m) => formatBuildMessage(m, 'error', cwd));
    const more = errors.length > MAX_ERRORS_SHOWN ? `\n(and ${errors.length - MAX_ERRORS_SHOWN} more errors)` : '';
    throw new JobBundleError(`cannot bundle ${file}; nothing was submitted:\n${shown.join('\n')}${more}`, { path });
  }
}

const LOADERS: Record<string, Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

/** An esbuild plugin that applies captureClosures to every source file of the job outside node_modules. */
async function capturePlugin(cwd: string): Promise<Plugin> {
  // Loaded here, with esbuild: the TypeScript compiler is large and only `submit` needs it.
  const { captureClosures } = await import('./closure-capture.js');
  return {
    name: 'spindle-capture-closures',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.namespace !== 'file' || args.path.split(sep).includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        const { code, lambdas } = captureClosures(source, args.path, relative(cwd, args.path) || args.path);
        if (lambdas.length === 0) return undefined;
        return { contents: code, loader: LOADERS[extname(args.path)] ?? 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
