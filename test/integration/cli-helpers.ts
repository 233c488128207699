/**
 * Running the built `spindle` CLI (dist/client/cli.js) as a child process against the local cluster,
 * and cleaning up after it: every application a test starts is tagged with a per-file tag and
 * killed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { killApp } from '../../client/index.js';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { repoRoot, testCluster } from './cluster.js';

export const CLI = join(repoRoot, 'dist', 'client', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Application ids the CLI said it submitted. */
  appIds: string[];
}

export interface CliOptions {
  /** Extra environment (HADOOP_CONF_DIR is set to the test cluster's). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  cwd?: string;
  /** Called with each stdout chunk (and all of stdout so far). */
  onStdout?: (all: string, child: ChildProcess) => void;
  /** Called with each stderr chunk (and all of stderr so far), e.g. to send SIGINT at the right time. */
  onStderr?: (all: string, child: ChildProcess) => void;
  /** Kill the CLI (SIGKILL) after this long; default 240 s. */
  timeoutMs?: number;
}

const SUBMITTED = /(application_\d+_\d+) submitted/g;

/** Runs `spindle <args>`; resolves when it exits, with everything it printed. */
export function spindle(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const cluster = testCluster();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, HADOOP_CONF_DIR: cluster.confDir, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      options.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const appIds = [...stderr.matchAll(SUBMITTED)].map((m) => m[1]!);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, appIds });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Cluster clients for assertions and cleanup, as the test user. */
export function clusterClients() {
  const config = loadClientConfig({ env: process.env, confDir: testCluster().confDir });
  const rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
  const hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
  return { config, rm, hdfs };
}

/** A tag unique to one test file's applications (YARN lower-cases tags). */
/**
 * A regex source matching the NodeManagers' web addresses as the RM names them: "localhost:<port>" on
 * the single-host cluster (whose NodeManagers bind 127.0.0.1), "<address>:<port>" on the compose one.
 */
export function nodeManagerWebPattern(): string {
  return `(?:${testCluster()
    .nodeManagerHttp.map((u) => {
      const url = new URL(u);
      return `${url.hostname === '127.0.0.1' ? 'localhost' : url.hostname.replace(/\./g, '\\.')}:${url.port}`;
    })
    .join('|')})`;
}

export function uniqueTag(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Remembers applications and kills whatever is still running at the end. */
export class AppJanitor {
  private readonly ids = new Set<string>();
  constructor(private readonly c = clusterClients()) {}

  add(...ids: string[]): void {
    for (const id of ids) this.ids.add(id);
  }

  async cleanUp(): Promise<void> {
    for (const id of this.ids) {
      await killApp({ rm: this.c.rm, hdfs: this.c.hdfs, user: this.c.config.user }, id, 30_000).catch(() => {});
    }
    this.c.hdfs.close();
  }
}
