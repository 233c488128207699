/**
 * The web UI's pages, rendered on the server from a UiDocument (model.ts) as plain HTML: each works
 * without JavaScript; static/ui.js only refreshes the page's <main> while the application runs.
 *
 * Every link is relative and every page sits at the same depth (`stage?id=3`, not `stages/3`), so
 * the pages work wherever they are mounted: behind the RM's web proxy at `/proxy/<appId>/`, or at
 * the root of `spindle ui`'s local server.
 */
import type { TaskMetrics } from '../event-log/index.js';
import { fiveQuantiles } from '../event-log/index.js';
import { bytes, count, duration, esc, time } from './format.js';
import {
  UI_MAX_FINISHED_STAGES_WITH_TASKS,
  UI_MAX_TASKS_PER_STAGE,
  type UiDocument,
  type UiExecutor,
  type UiJob,
  type UiStage,
  type UiTask,
} from './model.js';

export type PageName = 'overview' | 'jobs' | 'stages' | 'stage' | 'dag' | 'executors' | 'environment';

const NAV: { page: PageName; href: string; label: string }[] = [
  { page: 'overview', href: './', label: 'Overview' },
  { page: 'jobs', href: 'jobs', label: 'Jobs' },
  { page: 'stages', href: 'stages', label: 'Stages' },
  { page: 'dag', href: 'dag', label: 'DAG' },
  { page: 'executors', href: 'executors', label: 'Executors' },
  { page: 'environment', href: 'environment', label: 'Environment' },
];

/** Whether the page keeps changing (ui.js polls only then). */
function isLive(doc: UiDocument): boolean {
  return doc.context.source === 'live' && !doc.app.complete;
}

function appDuration(doc: UiDocument): number | undefined {
  const a = doc.app;
  if (a.durationMs !== undefined) return a.durationMs;
  const start = a.startTime ?? doc.context.timeline?.amStarted;
  return start !== undefined && isLive(doc) ? doc.now - start : undefined;
}

function stateBadge(state: string): string {
  const s = state.toLowerCase();
  return `<span class="badge s-${esc(s)}">${esc(s)}</span>`;
}

function layout(doc: UiDocument, page: PageName, title: string, body: string): string {
  const nav = NAV.map(
    (n) => `<a href="${n.href}"${n.page === page || (page === 'stage' && n.page === 'stages') ? ' class="on"' : ''}>${n.label}</a>`,
  ).join('');
  const source =
    doc.context.source === 'live'
      ? isLive(doc)
        ? '<span class="live" title="this page refreshes while the application runs">live</span>'
        : ''
      : `<span class="hist" title="read from ${esc(doc.context.eventLog ?? 'the event log')}">from the event log</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(doc.app.appId)} · Spindle</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="static/ui.css"></head>
<body data-version="${doc.version}" data-live="${isLive(doc) ? '1' : '0'}">
<header><a class="brand" href="./">Spindle</a><span class="app">${esc(doc.app.appId)}${doc.app.name ? ` · ${esc(doc.app.name)}` : ''}</span>${stateBadge(doc.app.state)}${source}<nav>${nav}</nav></header>
<main id="main">
<h1>${esc(title)}</h1>
${body}
</main>
<script src="static/ui.js" defer></script>
</body></html>
`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  if (rows.length === 0) return '<p class="empty">None yet.</p>';
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

function dl(items: [string, string][]): string {
  return `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** A progress bar of a stage's tasks: done, running, and failed attempts beside. */
function progress(st: Pick<UiStage, 'numTasks' | 'completedTasks' | 'runningTasks' | 'failedTasks'>): string {
  const total = Math.max(st.numTasks, st.completedTasks + st.runningTasks, 1);
  const done = Math.min(100, (100 * st.completedTasks) / total);
  const run = Math.min(100 - done, (100 * st.runningTasks) / total);
  const failed = st.failedTasks > 0 ? ` <span class="bad">(${st.failedTasks} failed)</span>` : '';
  return (
    `<div class="bar" title="${st.completedTasks} done, ${st.runningTasks} running, of ${st.numTasks}">` +
    `<span class="done" style="width:${done.toFixed(1)}%"></span><span class="run" style="width:${run.toFixed(1)}%"></span>` +
    `<em>${st.completedTasks}/${st.numTasks}</em></div>${failed}`
  );
}

function stageLink(id: number): string {
  return `<a href="stage?id=${id}">${id}</a>`;
}

function jobsTable(doc: UiDocument): string {
  return table(
    ['Job', 'Action', 'Description', 'Status', 'Stages', 'Tasks', 'Duration', 'Started'],
    doc.jobs.map((j: UiJob) => {
      const stages = doc.stages.filter((s) => j.stageIds.includes(s.id));
      const sum = stages.reduce(
        (a, s) => ({
          numTasks: a.numTasks + s.numTasks,
          completedTasks: a.completedTasks + s.completedTasks,
          runningTasks: a.runningTasks + s.runningTasks,
          failedTasks: a.failedTasks + s.failedTasks,
        }),
        { numTasks: 0, completedTasks: 0, runningTasks: 0, failedTasks: 0 },
      );
      return [
        String(j.jobId),
        esc(j.action),
        `<span class="desc">${esc(j.description ?? '')}</span>${j.error ? `<div class="err">${esc(j.error)}</div>` : ''}`,
        stateBadge(j.state),
        j.stageIds.map(stageLink).join(', ') || '-',
        progress(sum),
        duration(j.durationMs ?? (j.state === 'running' ? doc.now - j.startTime : undefined)),
        time(j.startTime),
      ];
    }),
  );
}

function stagesTable(doc: UiDocument, stages: UiStage[]): string {
  return table(
    [
      'Stage',
      'Job',
      'Description',
      'Status',
      'Tasks',
      'Running',
      'Failed',
      'Duration',
      'Input',
      'Output',
      'Shuffle read',
      'Shuffle write',
      'Spill',
    ],
    stages.map((s) => [
      stageLink(s.id),
      s.jobId === undefined ? '-' : String(s.jobId),
      `<span class="desc">${esc(s.description)}</span>${s.attempts > 1 ? ` <span class="note">(run ${s.attempts} times)</span>` : ''}`,
      stateBadge(s.state),
      progress(s),
      String(s.runningTasks),
      String(s.failedTasks),
      duration(s.durationMs ?? (s.state === 'running' ? doc.now - s.startTime : undefined)),
      bytes(s.totals.bytesIn),
      bytes(s.totals.bytesOut),
      bytes(s.totals.shuffleBytesRead),
      bytes(s.totals.shuffleBytesWritten),
      bytes(s.totals.spillBytes),
    ]),
    'stages',
  );
}

export function renderOverview(doc: UiDocument): string {
  const a = doc.app;
  const c = doc.context;
  const running = doc.executors.filter((x) => x.removedTime === undefined).length;
  const requested = c.containers?.target ?? (a.options?.executors as number | undefined);
  const tl = c.timeline;
  const startup: string[] = [];
  if (tl?.amStarted !== undefined) {
    const rel = (t: number | undefined) => (t === undefined ? '-' : `+${duration(t - tl.amStarted!)}`);
    startup.push(`ApplicationMaster started ${time(tl.amStarted)}`, `registered ${rel(tl.registered)}`);
    startup.push(`first executor container running ${rel(tl.firstContainerRunning)}`);
  }
  const firstExecutor = doc.executors.reduce<number | undefined>(
    (m, x) => (x.addedTime !== undefined && (m === undefined || x.addedTime < m) ? x.addedTime : m),
    undefined,
  );
  if (a.startTime !== undefined && firstExecutor !== undefined)
    startup.push(`first executor registered +${duration(firstExecutor - a.startTime)} after the driver started`);
  const items: [string, string][] = [
    ['Application', esc(a.appId)],
    ['User', esc(a.user ?? c.user ?? '-')],
    [
      'State',
      stateBadge(a.state) + (c.amState && c.source === 'live' ? ` <span class="note">ApplicationMaster: ${esc(c.amState)}</span>` : ''),
    ],
    ['Started', time(a.startTime ?? tl?.amStarted)],
    ['Duration', duration(appDuration(doc)) + (a.complete ? '' : isLive(doc) ? ' (running)' : '')],
    [
      'Executors',
      a.complete || c.source === 'history'
        ? `${doc.executors.length} used${requested !== undefined ? ` (${requested} requested)` : ''}`
        : `<span id="executors-running">${running}</span> running${requested !== undefined ? ` of ${requested} requested` : ''}`,
    ],
    ['Jobs', `${doc.jobs.length} (${doc.jobs.filter((j) => j.state === 'running').length} running)`],
    [
      'Stages',
      `${doc.stages.length}: ${doc.stages.filter((s) => s.state === 'succeeded').length} succeeded, ${doc.stages.filter((s) => s.state === 'running').length} running, ${doc.stages.filter((s) => s.state === 'failed').length} failed`,
    ],
  ];
  if (startup.length > 0) items.push(['Start-up', startup.map(esc).join('<br>')]);
  if (c.amContainer) {
    const link = c.amContainer.logUrl ? ` (<a href="${esc(c.amContainer.logUrl)}">driver logs</a>)` : '';
    items.push(['Driver container', `${esc(c.amContainer.containerId)}${link}`]);
  }
  let result = '';
  if (a.complete) {
    result =
      a.state === 'SUCCEEDED'
        ? '<p class="result ok">The application succeeded.</p>'
        : `<div class="result fail"><strong>The application ${a.state === 'KILLED' ? 'was killed' : 'failed'}</strong>${a.cause ? `<pre>${esc(a.cause)}</pre>` : ''}</div>`;
  } else if (c.source === 'history') {
    result =
      '<p class="result note">The log has no end: the application is still running, or its driver died before it could record its end.</p>';
  }
  const running_ = doc.stages.filter((s) => s.state === 'running');
  return layout(
    doc,
    'overview',
    'Overview',
    `${result}${dl(items)}
<h2>Jobs</h2>
${jobsTable(doc)}
${running_.length > 0 ? `<h2>Running stages</h2>\n${stagesTable(doc, running_)}` : ''}`,
  );
}

export function renderJobs(doc: UiDocument): string {
  return layout(doc, 'jobs', 'Jobs', `<p class="note">One job per action (count, collect, save, ...).</p>\n${jobsTable(doc)}`);
}

export function renderStages(doc: UiDocument): string {
  return layout(
    doc,
    'stages',
    'Stages',
    `<p class="note">Tasks: done/total (failed attempts beside). Input and output: bytes the tasks read and wrote; shuffle and spill: bytes through the shuffle and to local disk.</p>\n${stagesTable(doc, doc.stages)}`,
  );
}

type MetricKey = keyof TaskMetrics;
const QUANTILE_ROWS: { label: string; key: MetricKey; fmt: (n: number | undefined) => string }[] = [
  { label: 'Records in', key: 'recordsIn', fmt: count },
  { label: 'Bytes in', key: 'bytesIn', fmt: bytes },
  { label: 'Records out', key: 'recordsOut', fmt: count },
  { label: 'Bytes out', key: 'bytesOut', fmt: bytes },
  { label: 'Shuffle read', key: 'shuffleBytesRead', fmt: bytes },
  { label: 'Shuffle write', key: 'shuffleBytesWritten', fmt: bytes },
  { label: 'Spill', key: 'spillBytes', fmt: bytes },
  { label: 'Peak heap', key: 'peakHeapBytes', fmt: bytes },
  { label: 'GC time', key: 'gcMs', fmt: duration },
];

function quantileTable(s: UiStage): string {
  const ok = s.tasks.filter((t) => t.status === 'succeeded');
  const rows: string[][] = [];
  if (s.durationQuantiles) rows.push(['Duration', ...s.durationQuantiles.map((v) => duration(v))]);
  for (const q of QUANTILE_ROWS) {
    const values = ok.map((t) => t.metrics?.[q.key]).filter((v): v is number => typeof v === 'number');
    const five = fiveQuantiles(values);
    if (five) rows.push([q.label, ...five.map((v) => q.fmt(v))]);
  }
  if (rows.length === 0) return '<p class="empty">No task has finished yet.</p>';
  const from = s.tasksNotShown > 0 ? ' <span class="note">(metrics: over the tasks listed below)</span>' : '';
  return `${table(['Metric', 'Min', '25th', 'Median', '75th', 'Max'], rows, 'quantiles')}${from}`;
}

function taskRow(t: UiTask, doc: UiDocument): string[] {
  const ran = t.durationMs ?? (t.status === 'running' && t.startTime !== undefined ? doc.now - t.startTime : undefined);
  const m = t.metrics ?? {};
  return [
    String(t.partition),
    // From 1, as `spindle history` prints them (the log and api/model count from 0).
    String(t.attempt + 1),
    esc(t.executorId),
    esc(t.host ?? '-'),
    esc(t.locality ?? '-'),
    stateBadge(t.status),
    duration(ran),
    count(m.recordsIn),
    bytes(m.bytesIn),
    count(m.recordsOut),
    bytes(m.bytesOut),
    t.error ? `<details><summary>${esc(t.error.split('\n')[0]!.slice(0, 120))}</summary><pre>${esc(t.error)}</pre></details>` : '',
  ];
}

export function renderStage(doc: UiDocument, id: number): string | undefined {
  const s = doc.stages.find((x) => x.id === id);
  if (!s) return undefined;
  const parents = s.parentIds?.length ? s.parentIds.map(stageLink).join(', ') : 'none';
  const items: [string, string][] = [
    ['Description', `<span class="desc">${esc(s.description)}</span>`],
    ['Job', s.jobId === undefined ? '-' : String(s.jobId)],
    ['Status', stateBadge(s.state) + (s.attempts > 1 ? ` <span class="note">run ${s.attempts} times</span>` : '')],
    [
      'Tasks',
      `<span id="stage-done">${s.completedTasks}</span> done, <span id="stage-running">${s.runningTasks}</span> running, <span id="stage-failed">${s.failedTasks}</span> failed attempts, of <span id="stage-total">${s.numTasks}</span>`,
    ],
    ['Progress', progress(s)],
    ['Duration', duration(s.durationMs ?? (s.state === 'running' ? doc.now - s.startTime : undefined))],
    ['Reads shuffle output of stages', parents],
    [
      'Totals',
      `input ${bytes(s.totals.bytesIn)}, output ${bytes(s.totals.bytesOut)}, shuffle read ${bytes(s.totals.shuffleBytesRead)}, shuffle write ${bytes(s.totals.shuffleBytesWritten)}, spill ${bytes(s.totals.spillBytes)}`,
    ],
  ];
  if (s.error) items.push(['Error', `<pre class="err">${esc(s.error)}</pre>`]);
  const tasks = [...s.tasks].sort((a, b) => a.partition - b.partition || a.attempt - b.attempt);
  const notShown =
    s.tasksNotShown > 0
      ? `<p class="note">${s.tasksNotShown} task attempt(s) are counted above but not listed (at most ${UI_MAX_TASKS_PER_STAGE} rows per stage, and only the last ${UI_MAX_FINISHED_STAGES_WITH_TASKS} finished stages keep theirs).</p>`
      : '';
  return layout(
    doc,
    'stage',
    `Stage ${s.id}`,
    `${dl(items)}
<h2>Summary of successful tasks</h2>
<p class="note">Across the stage's tasks: a max far above the median is skew (one partition much bigger, or one slow host).</p>
${quantileTable(s)}
<h2>Tasks (<span id="task-rows">${tasks.length}</span>)</h2>
${table(
  [
    'Partition',
    'Attempt',
    'Executor',
    'Host',
    'Locality',
    'Status',
    'Duration',
    'Records in',
    'Bytes in',
    'Records out',
    'Bytes out',
    'Error',
  ],
  tasks.map((t) => taskRow(t, doc)),
  'tasks',
)}
${notShown}`,
  );
}

/** The stages as an SVG graph per job: columns by depth, an arrow from each stage to the stages reading its output. */
function dagSvg(doc: UiDocument, job: UiJob): string {
  const stages = job.stageIds.map((id) => doc.stages.find((s) => s.id === id)).filter((s): s is UiStage => s !== undefined);
  if (stages.length === 0) return '<p class="empty">No stage ran.</p>';
  const known = new Set(stages.map((s) => s.id));
  const depth = new Map<number, number>();
  const depthOf = (s: UiStage, seen = new Set<number>()): number => {
    const d0 = depth.get(s.id);
    if (d0 !== undefined) return d0;
    if (seen.has(s.id)) return 0;
    seen.add(s.id);
    const parents = (s.parentIds ?? []).filter((p) => known.has(p));
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(stages.find((x) => x.id === p)!, seen)));
    depth.set(s.id, d);
    return d;
  };
  for (const s of stages) depthOf(s);
  const W = 210;
  const H = 64;
  const GX = 60;
  const GY = 18;
  const rowsAt = new Map<number, number>();
  const pos = new Map<number, { x: number; y: number }>();
  for (const s of [...stages].sort((a, b) => a.id - b.id)) {
    const d = depth.get(s.id)!;
    const r = rowsAt.get(d) ?? 0;
    rowsAt.set(d, r + 1);
    pos.set(s.id, { x: 10 + d * (W + GX), y: 10 + r * (H + GY) });
  }
  const width = 20 + (Math.max(...depth.values()) + 1) * (W + GX) - GX;
  const height = 20 + Math.max(...rowsAt.values()) * (H + GY) - GY;
  const edges: string[] = [];
  for (const s of stages) {
    for (const p of s.parentIds ?? []) {
      const from = pos.get(p);
      const to = pos.get(s.id)!;
      if (!from) continue;
      edges.push(`<line x1="${from.x + W}" y1="${from.y + H / 2}" x2="${to.x - 4}" y2="${to.y + H / 2}" marker-end="url(#arrow)"/>`);
    }
  }
  const nodes = stages.map((s) => {
    const p = pos.get(s.id)!;
    const desc = s.description.length > 30 ? `${s.description.slice(0, 29)}…` : s.description;
    return (
      `<a href="stage?id=${s.id}"><g class="node s-${s.state}"><title>${esc(s.description)}</title>` +
      `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6"/>` +
      `<text x="${p.x + 10}" y="${p.y + 20}" class="t1">Stage ${s.id} · ${esc(s.state)}</text>` +
      `<text x="${p.x + 10}" y="${p.y + 38}">${s.completedTasks}/${s.numTasks} tasks${s.failedTasks ? `, ${s.failedTasks} failed` : ''}</text>` +
      `<text x="${p.x + 10}" y="${p.y + 55}" class="t3">${esc(desc)}</text></g></a>`
    );
  });
  return (
    `<svg class="dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="stages of job ${job.jobId}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>' +
    `<g class="edges">${edges.join('')}</g>${nodes.join('')}</svg>`
  );
}

export function renderDag(doc: UiDocument): string {
  const parts = doc.jobs.map((j) => `<h2>Job ${j.jobId}: ${esc(j.action)} ${stateBadge(j.state)}</h2>\n${dagSvg(doc, j)}`);
  const noEdges = doc.stages.length > 0 && doc.stages.every((s) => s.parentIds === undefined);
  return layout(
    doc,
    'dag',
    'DAG of stages',
    `<p class="note">Each box is a stage (click it for its tasks); an arrow goes from a stage to the stage that reads its shuffle output. A shuffle whose output an earlier job already computed is not run again and does not appear.${noEdges ? ' This log does not record stage dependencies: stages are drawn side by side.' : ''}</p>\n${parts.join('\n') || '<p class="empty">No job yet.</p>'}`,
  );
}

export function renderExecutors(doc: UiDocument): string {
  const rows = doc.executors.map((x: UiExecutor) => [
    esc(x.id),
    esc(x.containerId ?? '-'),
    esc(x.host ?? '-'),
    x.removedTime === undefined
      ? stateBadge(doc.app.complete ? 'ended' : 'running')
      : `${stateBadge('removed')}<div class="note">${esc((x.removedReasons ?? []).join('; '))}</div>`,
    x.cores === undefined ? '-' : String(x.cores),
    memoryCell(x),
    String(x.tasksRunning),
    String(x.tasksSucceeded),
    x.tasksFailed > 0 ? `<span class="bad">${x.tasksFailed}</span>` : '0',
    heapCell(x),
    bytes(x.shuffleBytesWritten),
    x.figures ? bytes(x.figures.shuffleBytesServed) : '-',
    time(x.addedTime),
    x.logUrl ? `<a class="logs" href="${esc(x.logUrl)}">logs</a>` : '-',
  ]);
  const am = doc.context.amContainer;
  const driver = am
    ? `<p>Driver (ApplicationMaster) container ${esc(am.containerId)}${am.logUrl ? `: <a class="logs" href="${esc(am.logUrl)}">logs</a>` : ''}</p>`
    : '';
  const note =
    doc.context.source === 'history'
      ? '<p class="note">Log links lead to the NodeManagers that ran the containers; after the application ended they serve the logs only until YARN aggregates or deletes them (then use <code>spindle logs</code>).</p>'
      : '';
  return layout(
    doc,
    'executors',
    'Executors',
    `${driver}${table(['Executor', 'Container', 'Host', 'Status', 'Cores', 'Memory (RSS)', 'Running', 'Succeeded', 'Failed', 'Heap used / limit', 'Shuffle written', 'Shuffle served', 'Added', 'Logs'], rows, 'executors')}${note}`,
  );
}

/** The container's memory, and the process's resident memory as its heartbeats last reported it (with their peak). */
function memoryCell(x: UiExecutor): string {
  const limit = x.memoryMb === undefined ? '-' : `${x.memoryMb} MB`;
  const f = x.figures;
  if (!f) return limit;
  return `${limit}<div class="note" title="resident memory of the executor process: the NodeManager holds it against the container's memory">RSS ${bytes(f.rssBytes)}, peak ${bytes(f.peakRssBytes)}</div>`;
}

/** V8's heap of the executor (all its task threads): in use at the last heartbeat, of its limit, and the peak. */
function heapCell(x: UiExecutor): string {
  const f = x.figures;
  if (!f) return x.peakHeapBytes === undefined ? '-' : `<div class="note">peak of a task ${bytes(x.peakHeapBytes)}</div>`;
  const peak = Math.max(f.peakHeapUsedBytes, x.peakHeapBytes ?? 0);
  return `${bytes(f.heapUsedBytes)} / ${bytes(f.heapLimitBytes)}<div class="note">peak ${bytes(peak)}${x.figuresTime !== undefined ? `, as of ${time(x.figuresTime)}` : ''}</div>`;
}

/** Options shown on the environment page: whatever the driver recorded, minus anything that looks secret. */
const SECRET_KEY = /secret|token|password|keytab|credential/i;

export function renderEnvironment(doc: UiDocument): string {
  const c = doc.context;
  const versions: [string, string][] = [
    ['Spindle (this page)', esc(c.spindleVersion ?? '-')],
    ['Spindle (the application)', esc(doc.app.spindleVersion ?? c.spindleVersion ?? 'not recorded')],
    ['Node.js (this page)', esc(c.nodeVersion ?? '-')],
    ['Application attempt', esc(doc.app.attempt ?? '-')],
  ];
  if (c.executorMemoryMb !== undefined) versions.push(['Executor memory', `${c.executorMemoryMb} MB`]);
  if (c.eventLog) versions.push(['Event log', esc(c.eventLog)]);
  const options = Object.entries(doc.app.options ?? {})
    .filter(([k]) => !SECRET_KEY.test(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => [esc(k), `<code>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code>`]);
  return layout(
    doc,
    'environment',
    'Environment',
    `${dl(versions)}\n<h2>Job options</h2>\n${table(['Option', 'Value'], options)}\n<p class="note">As the driver recorded them; secrets (the application secret, tokens) are never recorded.</p>`,
  );
}

export function renderNotFound(doc: UiDocument, what: string): string {
  return renderMessage(doc, 'Not found', what);
}

/** A page that says only `text` (why there is nothing to show). */
export function renderMessage(doc: UiDocument, title: string, text: string): string {
  return layout(doc, 'overview', title, `<p>${esc(text)}</p><p><a href="./">Back to the overview</a></p>`);
}
