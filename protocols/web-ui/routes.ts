/**
 * The web UI's routes, shared by the AM's tracking-URL server (live) and `spindle ui` (from the log):
 *
 *   ./ (index.html)   overview          jobs, stages, stage?id=N, dag, executors, environment
 *   api/model         the UiDocument as JSON (?tasks=0: without the stages' task rows, for polling)
 *   static/ui.css, static/ui.js
 *
 * Paths are relative to where the UI is mounted: the caller strips any prefix first.
 */
import type { UiDocument } from './model.js';
import {
  renderDag,
  renderEnvironment,
  renderExecutors,
  renderJobs,
  renderMessage,
  renderNotFound,
  renderOverview,
  renderStage,
  renderStages,
} from './pages.js';
import { STATIC_FILES } from './static.generated.js';

export interface UiResponse {
  status: number;
  type: string;
  body: string;
}

const HTML = 'text/html; charset=utf-8';

/**
 * Header on every answer of the AM's UI server. The RM's web proxy copies an AM's headers, not its
 * own pages' (the redirect or notice it gives once the application has ended), so `spindle ui`
 * tells the AM's answers from the proxy's by it.
 */
export const UI_SERVED_BY_HEADER = 'x-spindle-ui';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Names of the static files (for the page weight, and tests). */
export function staticFiles(): Record<string, { type: string; text: string }> {
  return STATIC_FILES;
}

/** The UI's answer to GET `path` (with its query), or undefined when the path is none of the UI's. */
export function uiResponse(path: string, query: URLSearchParams, document: () => UiDocument): UiResponse | undefined {
  const html = (body: string | undefined, missing: string): UiResponse => {
    const doc = document();
    return body === undefined ? { status: 404, type: HTML, body: renderNotFound(doc, missing) } : { status: 200, type: HTML, body };
  };
  switch (path) {
    case '/':
    case '/index.html':
      return html(renderOverview(document()), '');
    case '/jobs':
      return html(renderJobs(document()), '');
    case '/stages':
      return html(renderStages(document()), '');
    case '/stage': {
      const id = Number(query.get('id'));
      const text = query.get('id') ?? '';
      if (!/^\d+$/.test(text)) return html(undefined, 'Give a stage id: stage?id=<number> (see Stages).');
      return html(renderStage(document(), id), `There is no stage ${id} (yet): see Stages.`);
    }
    case '/dag':
      return html(renderDag(document()), '');
    case '/executors':
      return html(renderExecutors(document()), '');
    case '/environment':
      return html(renderEnvironment(document()), '');
    case '/api/model': {
      const doc = document();
      const body = query.get('tasks') === '0' ? { ...doc, stages: doc.stages.map((s) => ({ ...s, tasks: [] })) } : doc;
      return { status: 200, type: JSON_TYPE, body: JSON.stringify(body) };
    }
    default: {
      const m = /^\/static\/([\w.-]+)$/.exec(path);
      const file = m ? STATIC_FILES[m[1]!] : undefined;
      if (file) return { status: 200, type: file.type, body: file.text };
      return undefined;
    }
  }
}

/** A page of HTTP `status` titled `title` that says `text`: why there is nothing to show. */
export function uiMessage(status: number, title: string, text: string, document: () => UiDocument): UiResponse {
  return { status, type: HTML, body: renderMessage(document(), title, text) };
}

/** The 404 page for a path the UI does not have. */
export function uiNotFound(path: string, document: () => UiDocument): UiResponse {
  return { status: 404, type: HTML, body: renderNotFound(document(), `No page at ${path}.`) };
}
