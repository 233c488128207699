// Spindle web UI: while the application runs, poll the model (api/model) and, when its version
// changes, fetch this page again and swap its <main>. Pages work without this script.
(() => {
  const body = document.body;
  if (body.dataset.live !== '1') return;
  const POLL_MS = 2000;
  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch('api/model?tasks=0', { cache: 'no-store', headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const model = await res.json();
      if (String(model.version) === body.dataset.version) return;
      const page = await fetch(window.location.href, { cache: 'no-store', headers: { accept: 'text/html' } });
      if (!page.ok) return;
      const next = new DOMParser().parseFromString(await page.text(), 'text/html');
      const main = next.getElementById('main');
      const header = next.querySelector('header');
      if (!main) return;
      document.getElementById('main').replaceWith(main);
      if (header) document.querySelector('header').replaceWith(header);
      body.dataset.version = next.body.dataset.version;
      body.dataset.live = next.body.dataset.live;
      document.dispatchEvent(new CustomEvent('spindle:updated', { detail: { version: body.dataset.version } }));
    } catch {
      // The AM may be gone (the application ended): keep the last page.
    } finally {
      busy = false;
      if (body.dataset.live === '1') setTimeout(refresh, POLL_MS);
    }
  }
  setTimeout(refresh, POLL_MS);
})();
