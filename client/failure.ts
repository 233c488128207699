import type { NmRestClient } from '../protocols/nm-rest/index.js';
import { classifyExit, ContainerExitStatus } from '../protocols/yarn/index.js';
import type { NodeDirectory } from './containers.js';
import { errorMessage } from '../protocols/errors/index.js';

/**
 * Failures a user can act on: for a failed container, where it ran, its exit status in words, and
 * the last lines of its stderr, fetched from its NodeManager, so nobody has to run `yarn logs` or
 * ssh to a node. Memory kills say which limit was hit and which option raises it.
 */

export const STDERR_TAIL_LINES = 20;
/** ContainersMonitorImpl's sentence when it kills a container for its memory use. */
const NM_MEMORY_KILL = /beyond the '?(PHYSICAL|VIRTUAL)'? memory limit/i;
/** V8's last words when the heap is exhausted. */
export const V8_HEAP_OOM = /FATAL ERROR: .*JavaScript heap out of memory/;
/** Bytes read from the end of stderr to find the last lines. */
const TAIL_BYTES = 16 * 1024;

/** A container that ended, as far as we know it. */
export interface ContainerEnd {
  containerId: string;
  exitStatus: number;
  diagnostics: string;
  host?: string;
  /** NodeManager web address, when known. */
  node?: string;
}

export interface ContainerFailure {
  containerId: string;
  /** Where it ran, e.g. "localhost:8042" (the NodeManager web address), or its host. */
  where?: string;
  exitStatus: number;
  /** What happened, in words. */
  summary: string;
  /** What to do about it, when we know. */
  advice?: string;
  stderrTail: string[];
  /** Why the tail is missing, when it is. */
  tailUnavailable?: string;
}

/**
 * "exceeded its physical memory limit of 256 MB (it used 440.1 MB)" for a memory kill (-104, -103,
 * or 137/143 with the NodeManager's memory message), else undefined.
 */
export function memoryKillWords(exitStatus: number, diagnostics: string, limitMb?: number): string | undefined {
  const cls = classifyExit(exitStatus, diagnostics);
  // Hadoop 3.5 quotes the kind ("beyond the 'PHYSICAL' memory limit"), which classifyExit's pattern
  // for 137/143 does not expect; the NodeManager's own sentence is evidence enough.
  const nmSaysMemory = (exitStatus === 137 || exitStatus === 143) && NM_MEMORY_KILL.test(diagnostics);
  if (cls.kind !== 'killed-memory' && !nmSaysMemory) return undefined;
  const virtual = exitStatus === ContainerExitStatus.KILLED_EXCEEDED_VMEM || /'?VIRTUAL'? memory limit/i.test(diagnostics);
  const kind = virtual ? 'virtual' : 'physical';
  const usage = new RegExp(`Current usage: ([\\d.]+ ?[KMGT]?B) of ([\\d.]+ ?[KMGT]?B) ${kind} memory used`, 'i').exec(diagnostics);
  const limit = limitMb !== undefined ? `${limitMb} MB` : usage?.[2];
  const used = usage ? ` (it used ${usage[1]})` : '';
  return `exceeded its ${kind} memory limit${limit ? ` of ${limit}` : ''}${used}`;
}

/** The container's exit in words, with advice for memory kills. */
export function describeEnd(end: ContainerEnd, memoryOption: string, limitMb?: number): { summary: string; advice?: string } {
  const memory = memoryKillWords(end.exitStatus, end.diagnostics, limitMb);
  if (memory) return { summary: `was killed by YARN: it ${memory}`, advice: `raise ${memoryOption}` };
  // Words without YARN's diagnostics: for a process that exited they only repeat the exit code and
  // the stderr we print anyway. classifyExit starts them with "container "; here the id comes first.
  const cls = classifyExit(end.exitStatus, end.diagnostics);
  const words = cls.kind === 'killed' || cls.kind === 'failed' ? classifyExit(end.exitStatus).description : cls.description.split('\n')[0]!;
  return { summary: words.replace(/^container /, '') };
}

export interface ExplainDeps {
  nm: NmRestClient;
  nodes: NodeDirectory;
}

/** Gathers what is known about a failed container: words, advice and the tail of its stderr. */
export async function explainFailure(
  deps: ExplainDeps,
  end: ContainerEnd,
  options: { memoryOption: string; limitMb?: number },
): Promise<ContainerFailure> {
  let { summary, advice } = describeEnd(end, options.memoryOption, options.limitMb);
  let node = end.node;
  let tailUnavailable: string | undefined;
  // Best effort: without the node the explanation still stands, only the stderr tail is missing.
  if (!node) node = await deps.nodes.locate(end.containerId, end.host).catch(() => undefined);
  let stderrTail: string[] = [];
  if (node) {
    try {
      stderrTail = await tailLines(deps.nm, node, end.containerId, 'stderr', STDERR_TAIL_LINES);
    } catch (err) {
      tailUnavailable = errorMessage(err);
    }
  } else {
    tailUnavailable = 'no NodeManager has its logs any more';
  }
  // Node aborts (SIGABRT) when the JavaScript heap, sized from the container, is full.
  if (!advice && stderrTail.some((l) => V8_HEAP_OOM.test(l))) {
    summary = `ran out of JavaScript heap memory (${summary})`;
    advice = `raise ${options.memoryOption}`;
  }
  return {
    containerId: end.containerId,
    ...(node ? { where: node.replace(/^https?:\/\//, '') } : end.host ? { where: end.host } : {}),
    exitStatus: end.exitStatus,
    summary,
    ...(advice ? { advice } : {}),
    stderrTail,
    ...(tailUnavailable ? { tailUnavailable } : {}),
  };
}

/** The last `n` lines of a container's log file. */
export async function tailLines(nm: NmRestClient, node: string, containerId: string, file: string, n: number): Promise<string[]> {
  const chunk = await nm.readLog(node, containerId, file, { size: -TAIL_BYTES });
  let lines = chunk.data.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // The first line of a cut read is probably partial.
  if (chunk.start > 0 && lines.length > 1) lines = lines.slice(1);
  return lines.slice(-n);
}

/** The lines the CLI prints for a failure. */
export function formatFailure(f: ContainerFailure): string {
  const lines = [`${f.containerId}${f.where ? ` on ${f.where}` : ''} ${f.summary}${f.advice ? `; ${f.advice}` : ''}`];
  if (f.stderrTail.length > 0) {
    lines.push(`  last ${f.stderrTail.length} line(s) of its stderr:`);
    for (const l of f.stderrTail) lines.push(`  | ${l}`);
  } else if (f.tailUnavailable) {
    lines.push(`  (its stderr could not be read: ${f.tailUnavailable})`);
  } else {
    lines.push('  (its stderr is empty)');
  }
  return lines.join('\n');
}
