// Conveyor dashboard: one vanilla ES module, no dependencies, no build step.
// Every node is built with createElement/textContent (see h()), so user data is never parsed as HTML.

const STATES = ['waiting', 'delayed', 'active', 'completed', 'dead', 'cancelled'];
const KEY_STORAGE = 'conveyor.apiKey';
const NETWORK_MESSAGE = 'Cannot reach the Conveyor server';
const REJECTED_MESSAGE = 'That API key was not accepted.';
const PAGE_SIZE = 50;
const LIVE_THROTTLE_MS = 500;
const MAIN_STATS = ['enqueued', 'completed', 'failed', 'retried', 'dead', 'cancelled', 'stalled'];

const main = document.getElementById('main');
const liveEl = document.getElementById('live');
const signOutBtn = document.getElementById('sign-out');

// ---------- DOM helpers ----------

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'testid') el.setAttribute('data-testid', value);
    else if (key === 'class') el.setAttribute('class', value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return el;
}

function h(tag, attrs, ...children) {
  return append(setAttrs(document.createElement(tag), attrs), children);
}

function svg(tag, attrs, ...children) {
  return append(setAttrs(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs), children);
}

// Replaces a container's content while keeping keyboard focus and opened <details> where they were.
function swap(host, ...nodes) {
  const active = document.activeElement;
  const focusKey = active && host.contains(active) ? (active.dataset.focus || active.dataset.testid) : null;
  const open = [...host.querySelectorAll('details[data-focus]')].filter((d) => d.open).map((d) => d.dataset.focus);
  host.replaceChildren(...nodes);
  for (const key of open) host.querySelector(`details[data-focus="${CSS.escape(key)}"]`)?.setAttribute('open', '');
  if (focusKey) {
    const sel = `[data-focus="${CSS.escape(focusKey)}"], [data-testid="${CSS.escape(focusKey)}"]`;
    host.querySelector(sel)?.focus({ preventScroll: true });
  }
}

// ---------- formatting ----------

const enc = encodeURIComponent;
const hrefQueue = (queue, state) => `#/queues/${enc(queue)}${state ? `?state=${enc(state)}` : ''}`;
const hrefJob = (queue, id) => `#/queues/${enc(queue)}/jobs/${enc(id)}`;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const pretty = (value) => (value === undefined ? '' : JSON.stringify(value, null, 2));
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const minuteFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function relative(date) {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.floor(abs / 60), 'min']
    : abs < 86400 ? [Math.floor(abs / 3600), 'h'] : [Math.floor(abs / 86400), 'd'];
  return seconds >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

function timeEl(iso, { rel = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, iso);
  return rel
    ? h('time', { datetime: iso, title: timeFormat.format(date), 'data-rel': iso }, relative(date))
    : h('time', { datetime: iso, title: relative(date) }, timeFormat.format(date));
}

function refreshRelativeTimes(root) {
  for (const el of root.querySelectorAll('[data-rel]')) el.textContent = relative(new Date(el.dataset.rel));
}

function preview(data, max = 80) {
  const text = data === undefined ? '' : JSON.stringify(data) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function stateBadge(state, attrs = {}) {
  return h('span', { class: `badge state-${state}`, ...attrs }, state);
}

// Number 0–100 → bar; anything else → compact JSON.
function progressView(progress) {
  if (progress == null) return h('span', { class: 'muted' }, '—');
  if (typeof progress === 'number' && Number.isFinite(progress) && progress >= 0 && progress <= 100) {
    const pct = Math.round(progress * 10) / 10;
    const fill = h('span', { class: 'progress-fill' });
    fill.style.width = `${pct}%`; // CSSOM, not a style attribute, so a strict CSP still allows it
    return h('span', { class: 'progress' },
      h('span', {
        class: 'progress-track', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
        'aria-valuenow': pct, 'aria-label': 'Progress',
      }, fill),
      h('span', { class: 'progress-text' }, `${pct}%`));
  }
  return h('code', { class: 'progress-json' }, preview(progress, 120));
}

// ---------- banners, notices, readiness, live indicator ----------

let bannerKind = null;

function showBanner(message, kind = 'error') {
  const close = h('button', { type: 'button', class: 'banner-close', 'aria-label': 'Dismiss', onclick: () => clearBanner() }, '×');
  const banner = h('div', { class: `banner ${kind}`, role: 'alert', testid: 'banner' }, h('span', {}, message), close);
  document.getElementById('banners').replaceChildren(banner);
  bannerKind = kind;
}

function clearBanner(kind) {
  if (kind && kind !== bannerKind) return;
  document.getElementById('banners').replaceChildren();
  bannerKind = null;
}

let noticeTimer;
function notify(message) {
  const host = document.getElementById('notices');
  host.replaceChildren(h('div', { class: 'notice', testid: 'notice' }, message));
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => host.replaceChildren(), 6000);
}

function setReady(ready) {
  document.body.dataset.ready = String(ready);
}

function setLive(state) {
  liveEl.hidden = !state;
  liveEl.className = state ? `live is-${state}` : 'live';
  liveEl.textContent = { live: 'Live', connecting: 'Connecting…', offline: 'Reconnecting…' }[state] ?? '';
  liveEl.title = state === 'live' ? 'Receiving live updates' : 'Live updates are not connected';
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed with status ${status}`);
    this.status = status;
  }
}
class NetworkError extends Error {
  constructor() { super(NETWORK_MESSAGE); }
}
class AuthError extends Error {
  constructor() { super('Unauthorized'); }
}

const getKey = () => sessionStorage.getItem(KEY_STORAGE);
const authHeaders = (key) => (key ? { Authorization: `Bearer ${key}` } : {});
const isNotFound = (e) => e instanceof ApiError && e.status === 404;

async function readProblem(res) {
  try {
    return JSON.parse(await res.text());
  } catch {
    return { title: res.statusText || `HTTP ${res.status}` };
  }
}

async function api(path, { method = 'GET', signal } = {}) {
  const key = getKey();
  let res;
  try {
    res = await fetch(`api/${path}`, {
      method, signal, cache: 'no-store', headers: { Accept: 'application/json', ...authHeaders(key) },
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new NetworkError();
  }
  if (res.status === 401) {
    onUnauthorized(key);
    throw new AuthError();
  }
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  clearBanner('network');
  const text = res.status === 204 ? '' : await res.text();
  return text ? JSON.parse(text) : null;
}

function handleError(e) {
  if (e?.name === 'AbortError' || e instanceof AuthError) return;
  if (e instanceof NetworkError) return showBanner(NETWORK_MESSAGE, 'network');
  if (!(e instanceof ApiError)) console.error(e);
  showBanner(e?.message || String(e));
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------- scheduling ----------

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

// Runs fn at most once per `ms` (trailing), never two at a time; errors go to the banner.
function throttle(fn, ms, signal) {
  let timer = null;
  let last = 0;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (signal.aborted) return;
    if (running) { again = true; return; }
    running = true;
    last = Date.now();
    try { await fn(); } catch (e) { if (!signal.aborted) handleError(e); } finally {
      running = false;
      if (again) { again = false; schedule(); }
    }
  };
  const schedule = () => {
    if (timer || signal.aborted) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return schedule;
}

function every(ms, fn, signal) {
  let running = false;
  const id = setInterval(async () => {
    if (running || signal.aborted) return;
    running = true;
    try { await fn(); } catch (e) { if (!signal.aborted) handleError(e); } finally { running = false; }
  }, ms);
  signal.addEventListener('abort', () => clearInterval(id), { once: true });
}

// ---------- Server-Sent Events over fetch (EventSource cannot send Authorization) ----------

function sseParser(dispatch) {
  let buffer = '';
  let data = [];
  let type = '';
  let pendingCR = false;
  return (chunk) => {
    // A CRLF split across chunks must not count as two line ends.
    if (pendingCR && chunk.startsWith('\n')) chunk = chunk.slice(1);
    pendingCR = chunk.endsWith('\r');
    const lines = (buffer + chunk).split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (data.length) dispatch(type || 'message', data.join('\n'));
        data = [];
        type = '';
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
    }
  };
}

// Streams api/events until `signal` aborts, reconnecting with backoff. onOpen(first) runs on each connect.
function openEvents({ queue, signal, onEvent, onOpen }) {
  const url = `api/events${queue ? `?queue=${enc(queue)}` : ''}`;
  const parse = (name, raw) => {
    try {
      const event = JSON.parse(raw);
      event.type ??= name;
      onEvent(event);
    } catch (e) {
      console.warn('Ignoring malformed event', raw, e);
    }
  };
  (async () => {
    let delay = 1000;
    let first = true;
    while (!signal.aborted) {
      try {
        setLive(first ? 'connecting' : 'offline');
        const key = getKey();
        const res = await fetch(url, { signal, cache: 'no-store', headers: { Accept: 'text/event-stream', ...authHeaders(key) } });
        if (res.status === 401) return onUnauthorized(key);
        if (!res.ok || !res.body) throw new Error(`Event stream returned ${res.status}`);
        setLive('live');
        delay = 1000;
        onOpen?.(first);
        first = false;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        const feed = sseParser(parse);
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(decoder.decode(value, { stream: true }));
        }
      } catch (e) {
        if (signal.aborted) return;
        console.warn('Event stream failed', e);
      }
      if (signal.aborted) return;
      setLive('offline');
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 10000);
    }
  })();
}

// ---------- confirm dialog ----------

function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-message' });
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dialog.close('cancel') }, 'Cancel');
    const ok = h('button', {
      type: 'button', class: `btn ${danger ? 'danger' : 'primary'}`, testid: 'confirm', onclick: () => dialog.close('confirm'),
    }, confirmLabel);
    append(dialog, [h('div', { class: 'dialog-body' },
      h('h2', { id: 'dialog-title' }, title),
      h('p', { id: 'dialog-message' }, message),
      h('div', { class: 'dialog-actions' }, cancel, ok))]);
    // Clicks on the backdrop target the <dialog> itself; the inner body covers the visible box.
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close('cancel'); });
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      if (opener?.isConnected) opener.focus({ preventScroll: true });
    });
    document.body.append(dialog);
    dialog.showModal(); // Escape fires "cancel" and closes with an empty returnValue.
    cancel.focus();
  });
}

async function busy(button, fn) {
  button.disabled = true;
  try { await fn(); } catch (e) { handleError(e); } finally { button.disabled = false; }
}

// ---------- auth ----------

let loginShown = false;

function onUnauthorized(sentKey) {
  if (loginShown) return;
  if (sentKey) sessionStorage.removeItem(KEY_STORAGE);
  showLogin(sentKey ? REJECTED_MESSAGE : '');
}

function showLogin(message) {
  current?.abort();
  current = null;
  loginShown = true;
  clearBanner();
  document.getElementById('notices').replaceChildren();
  closeDialogs();
  document.body.classList.add('signed-out');
  updateNav(null);
  setLive(null);
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  const form = h('form', { class: 'card login', testid: 'login' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'This Conveyor server requires an API key.'),
    message && h('p', { class: 'form-error', role: 'alert' }, message),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    submit.disabled = true;
    start();
  });
  document.title = 'Sign in · Conveyor';
  main.replaceChildren(form);
  input.focus();
  setReady(true);
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  start();
}

// ---------- routing ----------

let current = null; // AbortController of the mounted page
let firstRoute = true;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const dec = (s) => { try { return decodeURIComponent(s); } catch { return s; } };
  let m;
  if (path === '/' || path === '') return { page: 'overview', params };
  if (path === '/workers') return { page: 'workers', params };
  if ((m = path.match(/^\/queues\/([^/]+)\/jobs\/([^/]+)$/))) return { page: 'job', queue: dec(m[1]), id: dec(m[2]), params };
  if ((m = path.match(/^\/queues\/([^/]+)\/?$/))) return { page: 'queue', queue: dec(m[1]), params };
  return { page: 'notfound', params };
}

function updateNav(page) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  signOutBtn.hidden = !getKey() || loginShown;
}

function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close('cancel');
}

const pages = { overview: overviewPage, queue: queuePage, job: jobPage, workers: workersPage, notfound: notFoundPage };

async function route() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const { signal } = controller;
  setReady(false);
  clearBanner();
  closeDialogs();
  const r = parseHash();
  updateNav(r.page === 'queue' || r.page === 'job' ? 'overview' : r.page);
  setLive(null);
  try {
    const node = await pages[r.page](r, signal);
    if (signal.aborted) return;
    main.replaceChildren(node);
  } catch (e) {
    if (signal.aborted || e instanceof AuthError) return;
    handleError(e);
    main.replaceChildren(messageView('Something went wrong', 'This page could not be loaded.',
      h('button', { type: 'button', class: 'btn', onclick: route }, 'Try again')));
  }
  if (!firstRoute) main.querySelector('h1')?.focus({ preventScroll: true });
  firstRoute = false;
  setReady(true);
}

// Checks access with GET api/queues, then shows the page (or the login form on 401).
async function start() {
  loginShown = false;
  document.body.classList.remove('signed-out');
  setReady(false);
  try {
    await api('queues');
  } catch (e) {
    if (e instanceof AuthError) return;
  }
  route();
}

function messageView(title, text, ...extra) {
  return h('section', { class: 'page' },
    h('h1', { tabindex: -1 }, title),
    h('p', { class: 'muted' }, text),
    extra.length ? h('p', {}, extra) : null);
}

async function notFoundPage() {
  document.title = 'Not found · Conveyor';
  return messageView('Page not found', 'There is nothing at this address.', h('a', { href: '#/' }, 'Back to the overview'));
}

function pageHead(title, ...rest) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, title), rest);
}

function crumbs(...items) {
  return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
    items.map((item, i) => [i ? h('span', { class: 'sep', 'aria-hidden': 'true' }, '/') : null, item]));
}

// ---------- throughput chart ----------

function niceMax(value) {
  const pow = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * pow).find((n) => n >= value);
}

function throughputChart(points) {
  if (!points.length) return h('p', { class: 'muted' }, 'No throughput data yet.');
  const W = 600;
  const H = 160;
  const max = niceMax(Math.max(1, ...points.map((p) => Math.max(p.processed, p.failed))));
  const slot = W / points.length;
  const bar = Math.max(0.5, slot / 2 - 0.75);
  const y = (v) => H - (v / max) * H;
  const totals = points.reduce((t, p) => ({ processed: t.processed + p.processed, failed: t.failed + p.failed }), { processed: 0, failed: 0 });
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', class: 'chart-svg',
    'aria-label': `Last hour: ${totals.processed} processed, ${totals.failed} failed`,
  },
  [0.25, 0.5, 0.75].map((f) => svg('line', { x1: 0, x2: W, y1: H * f, y2: H * f, class: 'grid' })),
  points.map((p, i) => svg('g', {},
    svg('title', {}, `${minuteFormat.format(p.minute)}: ${p.processed} processed, ${p.failed} failed`),
    svg('rect', { x: i * slot, y: 0, width: slot, height: H, class: 'hit' }),
    svg('rect', { x: i * slot + 0.5, y: y(p.processed), width: bar, height: H - y(p.processed), class: 'bar-processed' }),
    svg('rect', { x: i * slot + 0.5 + bar, y: y(p.failed), width: bar, height: H - y(p.failed), class: 'bar-failed' }))));
  return h('figure', { class: 'chart' },
    h('div', { class: 'chart-legend' },
      h('span', { class: 'key processed' }, `Processed ${totals.processed}`),
      h('span', { class: 'key failed' }, `Failed ${totals.failed}`)),
    h('div', { class: 'chart-plot' },
      h('div', { class: 'chart-y', 'aria-hidden': 'true' }, h('span', {}, max), h('span', {}, max / 2), h('span', {}, 0)),
      chart),
    h('div', { class: 'chart-x', 'aria-hidden': 'true' },
      h('span', {}, minuteFormat.format(points[0].minute)),
      h('span', {}, minuteFormat.format(points[points.length - 1].minute))));
}

function normalizeThroughput(list) {
  return (list ?? []).map((p) => ({ minute: new Date(p.minute), processed: p.processed ?? 0, failed: p.failed ?? 0 }));
}

function sumThroughput(details) {
  const byMinute = new Map();
  for (const detail of details) {
    for (const p of normalizeThroughput(detail?.throughput)) {
      const t = p.minute.getTime();
      const sum = byMinute.get(t) ?? { minute: p.minute, processed: 0, failed: 0 };
      sum.processed += p.processed;
      sum.failed += p.failed;
      byMinute.set(t, sum);
    }
  }
  return [...byMinute.entries()].sort((a, b) => a[0] - b[0]).slice(-60).map(([, v]) => v);
}

// ---------- overview page ----------

function queueRow(queue) {
  return h('tr', { testid: `queue-row-${queue.name}` },
    h('th', { scope: 'row' }, h('a', { href: hrefQueue(queue.name), 'data-focus': `queue-${queue.name}` }, queue.name)),
    STATES.map((s) => h('td', { class: 'num', testid: `count-${s}` })),
    h('td', { class: 'paused-cell' }),
    h('td', { class: 'num workers-cell' }));
}

function updateQueueRow(row, queue) {
  for (const s of STATES) {
    const cell = row.querySelector(`[data-testid="count-${s}"]`);
    const n = queue.counts?.[s] ?? 0;
    cell.textContent = String(n);
    cell.classList.toggle(`text-${s}`, n > 0);
  }
  row.querySelector('.paused-cell').replaceChildren(queue.paused
    ? h('span', { class: 'badge paused' }, 'Paused') : h('span', { class: 'muted' }, 'Running'));
  row.querySelector('.workers-cell').textContent = String(queue.workers ?? 0);
}

function renderQueueTable(host, queues) {
  const tbody = host.querySelector('tbody');
  const names = queues.map((q) => q.name).join('\n');
  if (tbody && host.dataset.names === names) {
    queues.forEach((q, i) => updateQueueRow(tbody.rows[i], q));
    return;
  }
  host.dataset.names = names;
  if (!queues.length) {
    swap(host, h('p', { class: 'empty' }, 'No queues yet. A queue appears once a job is enqueued.'));
    return;
  }
  const rows = queues.map((q) => { const row = queueRow(q); updateQueueRow(row, q); return row; });
  swap(host, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Queue'),
      STATES.map((s) => h('th', { scope: 'col', class: 'num' }, h('span', { class: `dot state-${s}` }), cap(s))),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col', class: 'num' }, 'Workers'))),
    h('tbody', {}, rows))));
}

function statCard(label, value, sub) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value),
    sub ? h('div', { class: 'stat-sub muted' }, sub) : null);
}

function renderRedis(host, redis, queueCount) {
  swap(host,
    statCard('Queues', String(queueCount)),
    statCard('Redis version', redis?.version ?? '—'),
    statCard('Redis memory', redis?.usedMemoryHuman ?? '—',
      redis?.usedMemoryBytes != null ? `${redis.usedMemoryBytes.toLocaleString()} bytes` : null),
    statCard('Round trip', redis?.roundTripMs != null ? `${redis.roundTripMs.toFixed(2)} ms` : '—'));
}

async function overviewPage(r, signal) {
  document.title = 'Overview · Conveyor';
  let [{ queues }, redis] = await Promise.all([api('queues', { signal }), api('redis', { signal })]);
  const statsHost = h('div', { class: 'stats' });
  const tableHost = h('div', {});
  const chartHost = h('div', {});
  renderRedis(statsHost, redis, queues.length);
  renderQueueTable(tableHost, queues);

  const loadThroughput = async () => {
    const details = await mapLimit(queues, 6,
      (q) => api(`queues/${enc(q.name)}`, { signal }).catch((e) => { if (isNotFound(e)) return null; throw e; }));
    if (!signal.aborted) swap(chartHost, throughputChart(sumThroughput(details)));
  };
  const refreshCounts = async () => {
    ({ queues } = await api('queues', { signal }));
    if (!signal.aborted) renderQueueTable(tableHost, queues);
  };
  await loadThroughput();

  const onChange = throttle(refreshCounts, LIVE_THROTTLE_MS, signal);
  openEvents({
    signal,
    onEvent: (e) => { if (e.type !== 'progress') onChange(); },
    onOpen: (first) => { if (!first) onChange(); },
  });
  every(5000, async () => {
    await refreshCounts();
    redis = await api('redis', { signal });
    renderRedis(statsHost, redis, queues.length);
    await loadThroughput();
  }, signal);

  return h('section', { class: 'page' },
    pageHead('Overview'),
    statsHost,
    h('section', { class: 'card' }, h('h2', {}, 'Queues'), tableHost),
    h('section', { class: 'card' }, h('h2', {}, 'Throughput, last hour (all queues)'), chartHost));
}

// ---------- queue page ----------

const UNTIL_LABEL = { delayed: 'Runs at', active: 'Lease until', completed: 'Expires', dead: 'Expires', cancelled: 'Expires' };

function jobsTable(queue, state, jobs) {
  if (!jobs.length) return h('p', { class: 'empty' }, `No ${state} jobs.`);
  const showProgress = state === 'active';
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table jobs' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'ID'),
      h('th', { scope: 'col' }, 'Name'),
      h('th', { scope: 'col' }, 'Created'),
      h('th', { scope: 'col' }, UNTIL_LABEL[state] ?? 'State until'),
      h('th', { scope: 'col' }, 'Data'),
      showProgress ? h('th', { scope: 'col' }, 'Progress') : null)),
    h('tbody', {}, jobs.map((job) => h('tr', { testid: `job-row-${job.id}` },
      h('th', { scope: 'row' }, h('a', { href: hrefJob(queue, job.id), class: 'mono', 'data-focus': `job-${job.id}` }, job.id)),
      h('td', {}, job.name ?? ''),
      h('td', {}, timeEl(job.createdAt)),
      h('td', {}, timeEl(job.stateUntil)),
      h('td', { class: 'data-preview' }, h('code', { title: preview(job.data, 1000) }, preview(job.data))),
      showProgress ? h('td', { class: 'progress-cell' }, progressView(job.progress)) : null)))));
}

function tabsView(state, counts, onSelect) {
  const tabs = STATES.map((s) => h('button', {
    type: 'button', role: 'tab', class: `tab state-${s}`, testid: `tab-${s}`, 'aria-selected': String(s === state),
    'aria-controls': 'jobs-panel', id: `tab-${s}`, onclick: () => onSelect(s),
  }, cap(s), ' ', h('span', { class: 'tab-count' }, String(counts?.[s] ?? 0))));
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Job states' }, tabs);
  list.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0 || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    e.preventDefault();
    tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length].focus();
  });
  return list;
}

async function queuePage(r, signal) {
  const name = r.queue;
  document.title = `${name} · Conveyor`;
  let state = STATES.includes(r.params.get('state')) ? r.params.get('state') : 'waiting';
  let cursor = null;
  let loadSeq = 0;

  const fetchJobs = () => api(`queues/${enc(name)}/jobs?state=${state}&limit=${PAGE_SIZE}${cursor ? `&cursor=${enc(cursor)}` : ''}`, { signal });
  let detail;
  let page;
  try {
    [detail, page] = await Promise.all([api(`queues/${enc(name)}`, { signal }), fetchJobs()]);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return messageView('Queue not found', `No queue named “${name}”.`, h('a', { href: '#/' }, 'Back to the overview'));
  }

  const pausedBadge = h('span', { class: 'badge paused' }, 'Paused');
  const pauseBtn = h('button', { type: 'button', class: 'btn' });
  const retryAllBtn = h('button', { type: 'button', class: 'btn', testid: 'retry-all-dead' }, 'Retry all dead');
  const purgeCompletedBtn = h('button', { type: 'button', class: 'btn danger-outline', testid: 'purge-completed' }, 'Purge completed');
  const purgeDeadBtn = h('button', { type: 'button', class: 'btn danger-outline', testid: 'purge-dead' }, 'Purge dead');
  const summary = h('div', { class: 'summary muted' });
  const tabsHost = h('div', {});
  const panel = h('div', { id: 'jobs-panel', role: 'tabpanel' });
  const pager = h('div', { class: 'pager' });
  const chartHost = h('div', {});

  const renderHeader = () => {
    pausedBadge.hidden = !detail.paused;
    pauseBtn.textContent = detail.paused ? 'Resume' : 'Pause';
    pauseBtn.dataset.testid = detail.paused ? 'resume' : 'pause';
    retryAllBtn.disabled = !detail.counts?.dead;
    purgeCompletedBtn.disabled = !detail.counts?.completed;
    purgeDeadBtn.disabled = !detail.counts?.dead;
    const stats = MAIN_STATS.filter((k) => detail.stats?.[k] != null).map((k) => `${k} ${detail.stats[k]}`);
    summary.textContent = [plural(detail.workers ?? 0, 'live worker'), ...stats].join(' · ');
    swap(tabsHost, tabsView(state, detail.counts, selectTab));
    panel.setAttribute('aria-labelledby', `tab-${state}`);
    swap(chartHost, throughputChart(normalizeThroughput(detail.throughput)));
  };
  const renderJobs = () => {
    swap(panel, jobsTable(name, state, page.jobs ?? []));
    swap(pager,
      h('button', { type: 'button', class: 'btn small', testid: 'first-page', disabled: !cursor, onclick: () => goTo(null) }, 'First page'),
      h('button', { type: 'button', class: 'btn small', testid: 'next-page', disabled: !page.nextCursor, onclick: () => goTo(page.nextCursor) }, 'Next'));
  };
  // Loads a job page for the current tab/cursor; a newer load makes older answers stale.
  const reloadJobs = async () => {
    const seq = ++loadSeq;
    const result = await fetchJobs();
    if (seq !== loadSeq || signal.aborted) return false;
    page = result;
    renderJobs();
    return true;
  };
  const navigateWithin = async (change) => {
    setReady(false);
    change();
    try { await reloadJobs(); } catch (e) { handleError(e); }
    if (!signal.aborted) setReady(true);
  };
  function selectTab(s) {
    if (s === state) return;
    navigateWithin(() => {
      state = s;
      cursor = null;
      history.replaceState(null, '', hrefQueue(name, s));
      renderHeader();
      tabsHost.querySelector(`[data-testid="tab-${s}"]`)?.focus({ preventScroll: true });
    });
  }
  const goTo = (next) => navigateWithin(() => { cursor = next; });

  const refresh = throttle(async () => {
    detail = await api(`queues/${enc(name)}`, { signal });
    if (signal.aborted) return;
    renderHeader();
    await reloadJobs();
  }, LIVE_THROTTLE_MS, signal);

  const updateProgress = (id, progress) => {
    const cell = panel.querySelector(`[data-testid="job-row-${CSS.escape(id)}"] .progress-cell`);
    cell?.replaceChildren(progressView(progress));
  };

  pauseBtn.addEventListener('click', () => busy(pauseBtn, async () => {
    const res = await api(`queues/${enc(name)}/${detail.paused ? 'resume' : 'pause'}`, { method: 'POST', signal });
    detail.paused = res.paused;
    renderHeader();
    notify(res.paused ? `Queue ${name} paused.` : `Queue ${name} resumed.`);
  }));
  retryAllBtn.addEventListener('click', () => confirmThen(retryAllBtn, {
    title: 'Retry all dead jobs?',
    message: `Retry all ${plural(detail.counts?.dead ?? 0, 'dead job')} in queue “${name}”? They go back to waiting.`,
    confirmLabel: 'Retry all',
  }, async () => {
    const res = await api(`queues/${enc(name)}/dead/retry`, { method: 'POST', signal });
    notify(`Retried ${plural(res?.retried ?? 0, 'job')}.`);
  }));
  for (const [btn, s] of [[purgeCompletedBtn, 'completed'], [purgeDeadBtn, 'dead']]) {
    btn.addEventListener('click', () => confirmThen(btn, {
      title: `Purge ${s} jobs?`,
      message: `Permanently remove ${plural(detail.counts?.[s] ?? 0, `${s} job`)} from queue “${name}”? This cannot be undone.`,
      confirmLabel: `Purge ${s}`,
      danger: true,
    }, async () => {
      const res = await api(`queues/${enc(name)}/jobs?state=${s}`, { method: 'DELETE', signal });
      notify(`Removed ${plural(res?.removed ?? 0, 'job')}.`);
    }));
  }
  async function confirmThen(btn, dialog, action) {
    if (!(await confirmDialog(dialog)) || signal.aborted) return;
    await busy(btn, action);
    refresh();
  }

  renderHeader();
  renderJobs();
  openEvents({
    queue: name,
    signal,
    onEvent: (e) => {
      if (e.queue && e.queue !== name) return;
      if (e.type === 'progress') updateProgress(e.ids?.[0], e.progress);
      else refresh();
    },
    onOpen: (first) => { if (!first) refresh(); },
  });
  every(5000, refresh, signal);

  return h('section', { class: 'page' },
    crumbs(h('a', { href: '#/' }, 'Overview'), h('span', {}, name)),
    pageHead(name, pausedBadge, h('div', { class: 'actions' }, pauseBtn, retryAllBtn, purgeCompletedBtn, purgeDeadBtn)),
    summary,
    gotoForm(name, signal),
    h('section', { class: 'card' }, tabsHost, panel, pager),
    h('section', { class: 'card' }, h('h2', {}, 'Throughput, last hour'), chartHost));
}

function gotoForm(queue, signal) {
  const input = h('input', { id: 'goto-id', type: 'search', placeholder: 'Job id', autocomplete: 'off', spellcheck: 'false' });
  const message = h('p', { class: 'form-error', role: 'alert', testid: 'goto-error' });
  const button = h('button', { type: 'submit', class: 'btn' }, 'Go');
  const form = h('form', { class: 'goto', role: 'search' },
    h('label', { for: 'goto-id' }, 'Go to job id'), h('div', { class: 'goto-row' }, input, button), message);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = input.value.trim();
    message.textContent = '';
    if (!id) return;
    busy(button, async () => {
      try {
        await api(`queues/${enc(queue)}/jobs/${enc(id)}`, { signal });
        location.hash = hrefJob(queue, id);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        message.textContent = `No job with id ${id} in queue ${queue}`;
      }
    });
  });
  return form;
}

// ---------- job page ----------

function field(label, value) {
  return [h('dt', {}, label), h('dd', {}, value == null || value === '' ? h('span', { class: 'muted' }, '—') : value)];
}

function jsonBlock(value, label) {
  if (value === undefined || value === null) return h('p', { class: 'muted' }, 'None');
  return h('pre', { class: 'json', tabindex: 0, 'aria-label': label }, pretty(value));
}

function errorBlock(error, index) {
  return h('article', { class: 'error-block', testid: 'job-error' },
    h('div', { class: 'error-head' },
      h('strong', {}, `Attempt ${error.attempt ?? '?'}`),
      timeEl(error.at),
      h('code', { class: 'error-type' }, error.type ?? '')),
    h('p', { class: 'error-message' }, error.message ?? ''),
    error.stack ? h('details', { 'data-focus': `stack-${index}` },
      h('summary', {}, 'Stack trace'), h('pre', { class: 'stack' }, error.stack)) : null);
}

function jobView(job, actions) {
  const opts = job.options ?? {};
  const attempts = opts.attempts != null ? `${job.attempts ?? 0} of ${opts.attempts}` : String(job.attempts ?? 0);
  const canRetry = job.state === 'dead' || job.state === 'cancelled';
  const canCancel = ['waiting', 'delayed', 'active'].includes(job.state);
  const errors = job.errors ?? [];
  const log = job.log ?? [];
  return [
    crumbs(h('a', { href: '#/' }, 'Overview'), h('a', { href: hrefQueue(job.queue, job.state) }, job.queue), h('span', {}, job.id)),
    pageHead(`Job ${job.id}`, stateBadge(job.state, { testid: 'job-state' }), h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', testid: 'retry', disabled: !canRetry, onclick: actions.retry }, 'Retry'),
      h('button', { type: 'button', class: 'btn', testid: 'cancel', disabled: !canCancel, onclick: actions.cancel }, 'Cancel'),
      h('button', { type: 'button', class: 'btn danger-outline', testid: 'remove', onclick: actions.remove }, 'Remove'))),
    job.cancelRequested && job.state === 'active'
      ? h('p', { class: 'note' }, 'Cancellation requested: the worker will stop this job.') : null,
    h('div', { class: 'grid-2' },
      h('section', { class: 'card' }, h('h2', {}, 'Details'), h('dl', { class: 'fields' },
        field('Name', job.name),
        field('Queue', h('a', { href: hrefQueue(job.queue) }, job.queue)),
        field('State', job.state),
        field('Attempts', attempts),
        field('Stalls', String(job.stalls ?? 0)),
        field('Priority', String(job.priority ?? 0)),
        field('Worker', job.worker ? h('code', {}, job.worker) : null),
        field('Reason', job.reason),
        field('Cancel requested', job.cancelRequested ? 'Yes' : 'No'),
        job.traceParent ? field('Trace parent', h('code', {}, job.traceParent)) : null)),
      h('section', { class: 'card' }, h('h2', {}, 'Times'), h('dl', { class: 'fields' },
        field('Created', timeEl(job.createdAt)),
        field('Started', timeEl(job.startedAt)),
        field('Finished', timeEl(job.finishedAt)),
        field(UNTIL_LABEL[job.state] ?? 'State until', timeEl(job.stateUntil))))),
    h('section', { class: 'card' }, h('h2', {}, 'Progress'),
      h('div', { testid: 'job-progress', class: 'job-progress' }, progressView(job.progress))),
    h('section', { class: 'card' }, h('h2', {}, 'Data'), jsonBlock(job.data, 'Job data')),
    h('section', { class: 'card' }, h('h2', {}, 'Result'), jsonBlock(job.result, 'Job result')),
    h('section', { class: 'card' }, h('h2', {}, 'Options'), jsonBlock(job.options, 'Job options')),
    h('section', { class: 'card' }, h('h2', {}, `Errors (${errors.length})`),
      errors.length ? errors.map(errorBlock) : h('p', { class: 'muted' }, 'No errors.')),
    h('section', { class: 'card' }, h('h2', {}, `Log (${log.length})`),
      log.length ? h('ol', { class: 'log' }, log.map((line) => h('li', {}, timeEl(line.at), h('span', { class: 'log-text' }, line.text ?? ''))))
        : h('p', { class: 'muted' }, 'No log lines.')),
  ];
}

async function jobPage(r, signal) {
  const { queue, id } = r;
  document.title = `Job ${id} · Conveyor`;
  const path = `queues/${enc(queue)}/jobs/${enc(id)}`;
  const gone = () => messageView('Job not found', `No job with id ${id} in queue ${queue}`,
    h('a', { href: hrefQueue(queue) }, `Back to ${queue}`));
  let job;
  try {
    job = await api(path, { signal });
  } catch (e) {
    if (isNotFound(e)) return gone();
    throw e;
  }
  const root = h('section', { class: 'page' });
  const render = () => swap(root, ...jobView(job, actions).filter(Boolean));
  const refresh = throttle(async () => {
    try {
      job = await api(path, { signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      swap(root, ...gone().childNodes);
      return;
    }
    if (!signal.aborted) render();
  }, LIVE_THROTTLE_MS, signal);
  const post = (action) => api(`${path}/${action}`, { method: 'POST', signal });
  const actions = {
    retry: (e) => busy(e.currentTarget, async () => {
      await post('retry');
      notify('Job sent back to waiting.');
      refresh();
    }),
    cancel: (e) => busy(e.currentTarget, async () => {
      const res = await post('cancel');
      notify(res?.outcome === 'requested' ? 'Cancellation requested.' : 'Job cancelled.');
      refresh();
    }),
    remove: async (e) => {
      const button = e.currentTarget;
      const ok = await confirmDialog({
        title: 'Remove this job?', message: `Remove job ${id} from queue “${queue}”? This cannot be undone.`,
        confirmLabel: 'Remove', danger: true,
      });
      if (!ok || signal.aborted) return;
      await busy(button, async () => {
        await api(path, { method: 'DELETE', signal });
        notify(`Job ${id} removed.`);
        location.hash = hrefQueue(queue);
      });
    },
  };
  render();
  openEvents({
    queue,
    signal,
    onEvent: (e) => {
      if (!e.ids?.includes(id) || (e.queue && e.queue !== queue)) return;
      if (e.type === 'progress') {
        job.progress = e.progress;
        root.querySelector('[data-testid="job-progress"]')?.replaceChildren(progressView(e.progress));
      } else {
        refresh();
      }
    },
    onOpen: (first) => { if (!first) refresh(); },
  });
  return root;
}

// ---------- workers page ----------

function workersTable(workers) {
  if (!workers.length) return h('p', { class: 'empty' }, 'No live workers.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ['ID', 'Host', 'PID', 'Queues', 'Current jobs', 'Processed', 'Failed', 'Started', 'Last heartbeat']
      .map((label, i) => h('th', { scope: 'col', class: i === 2 || i === 5 || i === 6 ? 'num' : null }, label)))),
    h('tbody', {}, workers.map((w) => h('tr', { testid: 'worker-row' },
      h('th', { scope: 'row' }, h('code', {}, w.id)),
      h('td', {}, w.host ?? ''),
      h('td', { class: 'num' }, String(w.pid ?? '')),
      h('td', {}, h('ul', { class: 'inline-list' }, Object.entries(w.queues ?? {}).map(([q, n]) =>
        h('li', {}, h('a', { href: hrefQueue(q) }, q), h('span', { class: 'muted' }, ` × ${n}`))))),
      h('td', {}, (w.currentJobs ?? []).length
        ? h('ul', { class: 'inline-list' }, w.currentJobs.map((j) =>
          h('li', {}, h('a', { href: hrefJob(j.queue, j.id), class: 'mono' }, `${j.queue}/${j.id}`))))
        : h('span', { class: 'muted' }, 'idle')),
      h('td', { class: 'num' }, String(w.processed ?? 0)),
      h('td', { class: 'num' }, String(w.failed ?? 0)),
      h('td', {}, timeEl(w.startedAt)),
      h('td', {}, timeEl(w.lastHeartbeat, { rel: true })))))));
}

async function workersPage(r, signal) {
  document.title = 'Workers · Conveyor';
  const { workers } = await api('workers', { signal });
  const host = h('div', {});
  const count = h('span', { class: 'muted' });
  const render = (list) => {
    count.textContent = plural(list.length, 'live worker');
    swap(host, workersTable(list));
  };
  render(workers);
  every(5000, async () => {
    const res = await api('workers', { signal });
    if (!signal.aborted) render(res.workers);
  }, signal);
  every(1000, () => refreshRelativeTimes(host), signal);
  return h('section', { class: 'page' }, pageHead('Workers', count), h('section', { class: 'card' }, host));
}

// ---------- boot ----------

signOutBtn.addEventListener('click', signOut);
window.addEventListener('hashchange', () => { if (!loginShown) route(); });
start();
