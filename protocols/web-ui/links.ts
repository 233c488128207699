import { readFileSync } from 'node:fs';

/**
 * A container's logs on its NodeManager's web server: `http://<nm-http>/node/containerlogs/<containerId>/<user>`
 * (the NodeManager lists the container's log files there while it holds them).
 */
export function containerLogUrl(nodeHttpAddress: string, containerId: string, user: string): string {
  const base = /^https?:\/\//.test(nodeHttpAddress) ? nodeHttpAddress.replace(/\/+$/, '') : `http://${nodeHttpAddress}`;
  return `${base}/node/containerlogs/${encodeURIComponent(containerId)}/${encodeURIComponent(user)}`;
}

/**
 * Spindle's version: the bundles have it compiled in (scripts/bundle.mjs defines
 * SPINDLE_BUNDLE_VERSION); the compiled client reads package.json beside dist/.
 */
export function spindleVersion(): string {
  const bundled = process.env.SPINDLE_BUNDLE_VERSION;
  if (bundled) return bundled;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
