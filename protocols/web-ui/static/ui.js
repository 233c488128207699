// Spindle web UI: while the application runs, poll the model (api/model) and, when its version
// changes, fetch this page again and swap its <main>. Pages work without this script.
(() => {
  const body = document.body;
  if (body.dataset.live !== '1') return;
  const POLL_MS = 2000;
  // The ApplicationMaster is gone once the RM's proxy redirects (to the RM's own page) or nobody answers.
  const MAX_FAILURES = 3;
  let failures = 0;

  function stop(why) {
    body.dataset.live = '0';
    const live = document.querySelector('header .live');
    if (live) {
      live.textContent = 'not live';
      live.title = why;
      live.className = 'hist';
    }
  }

  async function get(url, accept) {
    // A redirect means the proxy no longer reaches the ApplicationMaster: do not follow it.
    const res = await fetch(url, { cache: 'no-store', redirect: 'manual', headers: { accept } });
    if (res.type === 'opaqueredirect' || res.status === 0) throw new Error('redirected');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res;
  }

  async function refresh() {
    try {
      const model = await (await get('api/model?tasks=0', 'application/json')).json();
      failures = 0;
      // A model that is not live any more (spindle ui serves the event log once the application ended)
      // brings a page that is not live either, which ends the polling.
      if (String(model.version) !== body.dataset.version || model.context?.source !== 'live') {
        const next = new DOMParser().parseFromString(await (await get(window.location.href, 'text/html')).text(), 'text/html');
        const main = next.getElementById('main');
        const header = next.querySelector('header');
        if (main) {
          document.getElementById('main').replaceWith(main);
          if (header) document.querySelector('header').replaceWith(header);
          body.dataset.version = next.body.dataset.version;
          body.dataset.live = next.body.dataset.live;
          document.dispatchEvent(new CustomEvent('spindle:updated', { detail: { version: body.dataset.version } }));
        }
      }
    } catch (err) {
      failures++;
      if (failures >= MAX_FAILURES)
        stop(
          `the ApplicationMaster no longer answers (${err.message}): the application has ended; spindle ui <appId> shows it from its event log`,
        );
    }
    if (body.dataset.live === '1') setTimeout(refresh, POLL_MS);
  }
  setTimeout(refresh, POLL_MS);
})();
