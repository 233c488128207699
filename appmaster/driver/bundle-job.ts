import { build, type BuildFailure, type Message } from 'esbuild';
import { ConfigError } from '../../protocols/errors/index.js';
import { JOB_EVALUATOR_EXPORT } from '../../executor/index.js';

/**
 * Bundling a job for the cluster: the job file, its helpers and its npm imports become ONE ES
 * module, so that all their top-level bindings share one module scope. The driver and every
 * executor load the same file; a footer adds an evaluator that runs source text with a direct
 * `eval` inside that scope, which is how executors rebuild the job's functions from the source the
 * driver printed (see closure.ts). Names never differ between driver and executors because the
 * bundle is the same file.
 *
 * Job files must be ES modules (import/export); a CommonJS entry would hide its bindings inside a
 * wrapper function. The job's types come from `import type { Context } from 'spindle'`.
 */

/** Options of {@link bundleJob}. */
export interface BundleJobOptions {
  /** Write the bundle here instead of returning it in memory. */
  outFile?: string;
  /** Node version the cluster runs (esbuild target). Default 'node20'. */
  target?: string;
  /** Packages left out of the bundle (they must then exist on the cluster's nodes). */
  external?: string[];
}

export interface BundledJob {
  /** The bundle's code (also when written to outFile). */
  code: string;
  /** Bytes of code. */
  size: number;
  warnings: string[];
}

// CommonJS dependencies call require(); an ES module has none, so the bundle gets one.
export const JOB_BUNDLE_BANNER = "import { createRequire as __spindleCreateRequire } from 'node:module';\nconst require = __spindleCreateRequire(import.meta.url);";
/**
 * Appended to every job bundle (esbuild `footer`): a direct eval in the bundle's top-level scope,
 * so every top-level binding of the job is visible to the evaluated source. The parameter name is
 * unlikely to shadow a job's own name. A client bundling jobs itself must add exactly this.
 */
export const JOB_BUNDLE_FOOTER = `export function ${JOB_EVALUATOR_EXPORT}(__spindle_source) { return eval(__spindle_source); }`;

function formatMessage(m: Message): string {
  const loc = m.location;
  const where = loc ? `${loc.file}:${loc.line}:${loc.column + 1}: ` : '';
  const line = loc?.lineText ? `\n    ${loc.lineText}\n    ${' '.repeat(loc.column)}^` : '';
  return `${where}${m.text}${line}`;
}

/**
 * Bundles `jobFile` (.ts, .mts, .js, .mjs). ConfigError, pointing at file and line, if it does not
 * build or is not an ES module.
 */
export async function bundleJob(jobFile: string, options: BundleJobOptions = {}): Promise<BundledJob> {
  let result;
  try {
    result = await build({
      entryPoints: [jobFile],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: options.target ?? 'node20',
      write: false,
      metafile: true,
      sourcemap: 'inline',
      sourcesContent: false,
      legalComments: 'none',
      logLevel: 'silent',
      banner: { js: JOB_BUNDLE_BANNER },
      footer: { js: JOB_BUNDLE_FOOTER },
      ...(options.external ? { external: options.external } : {}),
      ...(options.outFile ? { outfile: options.outFile } : { outdir: '/' }),
    });
  } catch (err) {
    const failure = err as BuildFailure;
    if (Array.isArray(failure.errors) && failure.errors.length > 0) {
      throw new ConfigError(`cannot bundle the job ${jobFile}:\n${failure.errors.map(formatMessage).join('\n')}`, { cause: err });
    }
    throw new ConfigError(`cannot bundle the job ${jobFile}: ${(err as Error).message}`, { cause: err });
  }
  const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  if (out?.entryPoint && result.metafile.inputs[out.entryPoint]?.format === 'cjs') {
    throw new ConfigError(`cannot bundle the job ${jobFile}: it is a CommonJS module; job files must be ES modules (import/export)`);
  }
  const file = result.outputFiles.find((f) => f.path.endsWith('.js') || f.path.endsWith('.mjs')) ?? result.outputFiles[0]!;
  const code = file.text;
  if (options.outFile) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(options.outFile, code);
  }
  return { code, size: Buffer.byteLength(code), warnings: result.warnings.map(formatMessage) };
}
