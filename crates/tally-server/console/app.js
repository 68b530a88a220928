// Tally console: a client of the public /api/v1 with the operator's program token.
//
// The client side of the idempotency contract lives here (see "Intents"): every
// write is an intent with one Idempotency-Key, made when the operator presses
// the button, written to localStorage with its request before the first send,
// re-sent with the same key after a lost connection, a 5xx, a 409 in use or a
// 429, and forgotten only when a final answer (a 2xx, or any other 4xx)
// arrives. A reload resumes what is pending; a second press while an intent is
// pending does not make a second intent.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'tally.console.token'; // sessionStorage: gone with the tab, never in a URL
const JOURNAL_KEY = 'tally.console.intents'; // localStorage: survives reloads and crashes
const RECENT_KEY = 'tally.console.recent-keys';
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
const METRICS_EVERY_MS = 3000;
const STATS_EVERY_MS = 10000;

// ---------------------------------------------------------------- DOM helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = (sel, root = document) => root.querySelector(sel);
const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en') : n ?? '—');
const when = (t) => (t ? new Date(t).toLocaleString() : '—');
let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

function field(label, attrs) {
  const { options, value, type, ...rest } = attrs;
  const id = rest.id || nextId('f');
  const input = type === 'select'
    ? h('select', { ...rest, id }, ...(options || []).map(([v, t]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, t)))
    : h('input', { ...rest, type, value, id });
  const err = h('span', { class: 'field-error', id: `${id}-err` });
  input.setAttribute('aria-describedby', `${id}-err`);
  return h('label', { for: id, 'data-field': rest.name }, label, input, err);
}
function check(label, attrs) {
  const id = attrs.id || nextId('c');
  return h('label', { class: 'check', for: id, 'data-field': attrs.name }, h('input', { type: 'checkbox', ...attrs, id }), label);
}

function problemBox(err) {
  if (err instanceof Problem) {
    return h('div', { class: 'error', role: 'alert' },
      h('strong', {}, `${err.status} ${err.title || ''}`.trim()), ': ', err.detail || 'no detail',
      ' ', h('span', { class: 'muted' }, '(code: ', h('code', {}, err.code || 'none'), ')'));
  }
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'No answer'), ': ', String(err && err.message || err));
}

function say(node) {
  const s = $('#status');
  s.replaceChildren(node);
}

// ---------------------------------------------------------------- API

class Problem extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.title = body && body.title;
    this.detail = body && body.detail;
    this.body = body;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function request(method, path, { body, key, tokenOverride } = {}) {
  const headers = { Authorization: `Bearer ${tokenOverride || token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) {
    headers['Idempotency-Key'] = key;
    // A retry that meets its first attempt still running waits for its answer
    // (and gets it replayed) instead of a 409.
    headers.Prefer = 'wait=5';
  }
  const response = await fetch(API + path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  return { status: response.status, headers: response.headers, body: json, text };
}

// A read: its JSON, or a thrown Problem. A 401 ends the session.
async function get(path) {
  const res = await request('GET', path);
  if (res.status >= 400) {
    const p = new Problem(res.status, res.body);
    if (res.status === 401) signOut(p);
    throw p;
  }
  return res.body;
}

// ---------------------------------------------------------------- Intents

function makeKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  // Plain http from a phone on the shop's network is not a secure context and
  // has no randomUUID; getRandomValues is there everywhere.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const journal = {
  read() {
    try { return JSON.parse(localStorage.getItem(JOURNAL_KEY) || '{}'); } catch (_) { return {}; }
  },
  write(all) { localStorage.setItem(JOURNAL_KEY, JSON.stringify(all)); },
  put(intent) { const all = this.read(); all[intent.key] = intent; this.write(all); },
  remove(key) { const all = this.read(); delete all[key]; this.write(all); },
  pending() {
    const program = session.program && session.program.id;
    return Object.values(this.read()).filter((i) => i.program === program).sort((a, b) => a.created - b.created);
  },
  byScope(scope) { return this.pending().find((i) => i.scope === scope); },
};

function remember(intent, status) {
  let recent = [];
  try { recent = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]'); } catch (_) { recent = []; }
  recent = [{ key: intent.key, label: intent.label, status, at: Date.now(), program: intent.program },
    ...recent.filter((r) => r.key !== intent.key)].slice(0, 20);
  localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
}

// A final answer: a 2xx, or a 4xx other than "still running" and "slow down".
// Everything else (no answer at all, 5xx, 409 in use, 429) may or may not have
// happened, or is sure not to have: either way the same key is sent again.
function isFinal(res) {
  if (!res) return false;
  if (res.status >= 500) return false;
  if (res.status === 429) return false;
  if (res.status === 409 && (!res.body || res.body.code === 'idempotency_key_in_use')) return false;
  return true;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const inFlight = new Map(); // key → promise: this tab never sends one intent twice at once

class StillPending extends Error {
  constructor(intent) { super('sent — waiting for the answer'); this.intent = intent; }
}

function perform(intent) {
  if (inFlight.has(intent.key)) return inFlight.get(intent.key);
  const run = (async () => {
    for (let attempt = 0; ; attempt += 1) {
      intent.attempts = (intent.attempts || 0) + 1;
      intent.state = 'sent';
      journal.put(intent);
      renderPending();
      let res = null;
      try {
        res = await request(intent.method, intent.path, { body: intent.body, key: intent.key });
      } catch (_) {
        res = null; // the connection failed: the server may or may not have it
      }
      if (isFinal(res)) {
        journal.remove(intent.key);
        remember(intent, res.status);
        renderPending();
        if (res.status === 401) signOut(new Problem(res.status, res.body));
        return res;
      }
      if (attempt >= RETRY_DELAYS_MS.length) {
        intent.state = 'no_answer';
        journal.put(intent);
        renderPending();
        throw new StillPending(intent);
      }
      const jitter = 0.8 + Math.random() * 0.4;
      const after = res && Number(res.headers.get('retry-after'));
      await sleep(Math.max(RETRY_DELAYS_MS[attempt] * jitter, after > 0 ? after * 1000 : 0));
    }
  })();
  inFlight.set(intent.key, run);
  run.then(() => inFlight.delete(intent.key), () => inFlight.delete(intent.key));
  return run;
}

// Starts an intent for `scope` (one action on one thing), unless one is
// already pending for it: then that one is the answer to wait for.
function intend(scope, label, method, path, body) {
  const existing = journal.byScope(scope);
  if (existing) return { intent: existing, answer: perform(existing) };
  const intent = {
    key: makeKey(), scope, label, method, path,
    body: body === undefined ? undefined : JSON.stringify(body),
    program: session.program.id, created: Date.now(), attempts: 0, state: 'new',
  };
  journal.put(intent); // on disk before anything is sent
  return { intent, answer: perform(intent) };
}

// Wires a form's submit to an intent: the button shows what is going on, and
// the result box gets the answer (or the problem). `build` returns
// {scope, label, method, path, body} or throws a string for a local error.
function actionForm(form, build, onDone) {
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  form.append(out);
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (button.disabled) return;
    clearFieldErrors(form);
    let spec;
    try { spec = build(new FormData(form)); } catch (msg) {
      out.replaceChildren(h('div', { class: 'error', role: 'alert' }, String(msg)));
      return;
    }
    await runIntent(spec, button, out, form, onDone);
  });
  // What the form would send now: if that is pending already, say so rather
  // than offer to send it again.
  const reflect = () => {
    let spec = null;
    try { spec = build(new FormData(form)); } catch (_) { spec = null; }
    const pending = spec && journal.byScope(spec.scope);
    if (pending) showWaiting(button, out, pending);
    else if (button.getAttribute('aria-busy') === 'waiting') {
      button.disabled = false; button.removeAttribute('aria-busy'); out.replaceChildren();
    }
  };
  form.addEventListener('change', reflect);
  reflect();
  return out;
}

// A button (not a form) that runs one intent.
function actionButton(text, specFn, onDone, attrs = {}) {
  const out = h('span', { class: 'result', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', ...attrs }, text);
  button.dataset.label = text;
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    await runIntent(specFn(), button, out, null, onDone);
  });
  const wrap = h('span', { class: 'action' }, button, ' ', out);
  const spec = specFn();
  const pending = journal.byScope(spec.scope);
  if (pending) showWaiting(button, out, pending);
  return wrap;
}

function showWaiting(button, out, intent) {
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'waiting'); }
  out.replaceChildren(h('div', { class: 'waiting' }, 'Sent — waiting for the answer. ',
    h('span', { class: 'muted' }, 'Key ', h('code', {}, intent.key))));
  perform(intent).then(() => route(), () => {});
}

async function runIntent(spec, button, out, form, onDone) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  const { intent, answer } = intend(spec.scope, spec.label, spec.method, spec.path, spec.body);
  out.replaceChildren(h('div', { class: 'waiting' }, 'Sent — waiting for the answer. ',
    h('span', { class: 'muted' }, 'Key ', h('code', {}, intent.key))));
  try {
    const res = await answer;
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (res.status < 300) {
      const replayed = res.headers.get('idempotent-replayed') === 'true';
      const done = () => h('div', { class: 'ok' }, `${intent.label}: done (${res.status}${replayed ? ', replayed' : ''}). `,
        h('a', { href: `#/keys/${encodeURIComponent(intent.key)}` }, 'Look up key ', h('code', {}, intent.key)));
      out.replaceChildren(done());
      say(done());
      if (onDone) await onDone(res.body, out);
    } else {
      const p = new Problem(res.status, res.body);
      if (form) markFieldError(form, p);
      out.replaceChildren(problemBox(p));
    }
  } catch (e) {
    // No final answer after every retry: the intent stays in the journal, and
    // the page keeps saying so rather than offering to send it again.
    out.replaceChildren(h('div', { class: 'waiting' },
      'Sent — waiting for the answer (no answer yet; it is re-sent with the same key from the list above). ',
      h('span', { class: 'muted' }, 'Key ', h('code', {}, intent.key))));
  }
}

function clearFieldErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll('.field-error').forEach((el) => { el.textContent = ''; });
}

// The server's 422s name their field first ("cost_points: must be zero or more").
function markFieldError(form, problem) {
  const detail = problem.detail || '';
  const name = detail.split(':')[0].trim();
  const label = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!label) return;
  const input = label.querySelector('input, select');
  if (input) input.setAttribute('aria-invalid', 'true');
  const err = label.querySelector('.field-error');
  if (err) err.textContent = detail;
}

function renderPending() {
  const box = $('#pending');
  if (!session.program) { box.hidden = true; return; }
  const list = journal.pending();
  box.hidden = list.length === 0;
  if (!list.length) { box.replaceChildren(); return; }
  box.replaceChildren(h('div', { class: 'waiting' },
    h('strong', {}, 'Sent — waiting for the answer'),
    h('ul', {}, list.map((i) => h('li', {}, `${i.label} `,
      h('span', { class: 'muted' }, `(key `, h('code', {}, i.key), `, attempt ${i.attempts || 0}${i.state === 'no_answer' ? ', no answer yet' : ''}) `),
      i.state === 'no_answer' ? h('button', { type: 'button', class: 'secondary', onclick: () => { perform(i).then(() => route(), () => {}); } }, 'Ask again (same key)') : null)))));
}

// After sign-in or a reload: finish what is pending, oldest first, same keys.
async function resumePending() {
  const list = journal.pending();
  if (!list.length) return;
  for (const intent of list) {
    try {
      const res = await perform(intent);
      say(res.status < 300
        ? h('div', { class: 'ok' }, `${intent.label}: answered ${res.status}${res.headers.get('idempotent-replayed') === 'true' ? ' (replayed — it had happened once)' : ''}.`)
        : problemBox(new Problem(res.status, res.body)));
    } catch (_) { /* stays pending, shown in the list */ }
  }
  route();
}

// ---------------------------------------------------------------- Session

const session = { program: null };

function signOut(problem) {
  sessionStorage.removeItem(TOKEN_KEY);
  session.program = null;
  stopTimers();
  showSignIn(problem);
}

function showSignIn(problem) {
  $('#nav').hidden = true;
  $('#sign-out').hidden = true;
  $('#program-name').textContent = '';
  renderPending();
  const form = h('form', { class: 'signin', method: 'post', action: '/console', autocomplete: 'off' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste a program token (', h('code', {}, 'tly_…'), '). ', h('code', {}, 'tally serve --demo'), ' prints one; ',
      h('code', {}, 'tally token create --program prg_…'), ' makes another. It is kept in this tab only.'),
    field('Program token', { name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false' }),
    h('p', {}, h('button', { type: 'submit' }, 'Sign in')),
    problem ? problemBox(problem) : null);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = new FormData(form).get('token').trim();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const res = await request('GET', '/program', { tokenOverride: value });
      if (res.status !== 200) throw new Problem(res.status, res.body);
      sessionStorage.setItem(TOKEN_KEY, value);
      await startSession(res.body);
    } catch (e) {
      button.disabled = false;
      form.querySelectorAll('.error').forEach((el) => el.remove());
      form.append(problemBox(e));
    }
  });
  $('#main').replaceChildren(form);
  $('#main').querySelector('input').focus();
}

async function startSession(program) {
  session.program = program;
  $('#program-name').textContent = `${program.name} (${program.id})`;
  $('#nav').hidden = false;
  $('#sign-out').hidden = false;
  renderPending();
  route();
  resumePending();
}

// ---------------------------------------------------------------- Router

let timers = [];
function stopTimers() { timers.forEach(clearInterval); timers = []; }

const pages = {
  overview: pageOverview,
  customers: pageCustomers,
  customer: pageCustomer,
  rewards: pageRewards,
  redemptions: pageRedemptions,
  keys: pageKeys,
  settings: pageSettings,
};

let lastRoute = '';
function route() {
  if (!session.program) return;
  const hash = location.hash.replace(/^#\/?/, '');
  const [section, ...rest] = hash.split('/');
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : '';
  let name = section || 'overview';
  if (name === 'customers' && arg) name = 'customer';
  if (!pages[name]) name = 'overview';
  document.querySelectorAll('#nav a').forEach((a) => {
    if (a.dataset.page === (name === 'customer' ? 'customers' : name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  stopTimers();
  const main = $('#main');
  const page = h('div', { class: 'page' });
  main.replaceChildren(page);
  const moved = hash !== lastRoute;
  lastRoute = hash;
  Promise.resolve(pages[name](page, arg)).catch((e) => page.append(problemBox(e))).finally(() => {
    if (moved) {
      const h1 = page.querySelector('h1');
      if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    }
  });
}

// ---------------------------------------------------------------- Overview

function parseMetrics(text) {
  const out = { requests: 0, buckets: new Map(), outcomes: {} };
  const ignored = (route) => route === '/metrics' || (route || '').startsWith('/console');
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    const v = Number(m[3]);
    if (m[1] === 'tally_http_requests_total' && !ignored(labels.route)) out.requests += v;
    else if (m[1] === 'tally_http_request_duration_seconds_bucket' && !ignored(labels.route)) {
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      out.buckets.set(le, (out.buckets.get(le) || 0) + v);
    } else if (m[1] === 'tally_idempotency_lookups_total') out.outcomes[labels.outcome] = (out.outcomes[labels.outcome] || 0) + v;
  }
  return out;
}

// p99 of the requests between two scrapes, interpolated within its bucket.
function p99(prev, cur) {
  const les = [...cur.buckets.keys()].sort((a, b) => a - b);
  const delta = les.map((le) => [le, cur.buckets.get(le) - (prev.buckets.get(le) || 0)]);
  const total = delta.length ? delta[delta.length - 1][1] : 0;
  if (total <= 0) return null;
  const target = 0.99 * total;
  let lowLe = 0; let lowCount = 0;
  for (const [le, count] of delta) {
    if (count >= target) {
      if (le === Infinity) return lowLe * 1000;
      const within = count - lowCount;
      const frac = within > 0 ? (target - lowCount) / within : 1;
      return (lowLe + (le - lowLe) * frac) * 1000;
    }
    lowLe = le; lowCount = count;
  }
  return null;
}

const OUTCOMES = [['miss', '#0b5cad'], ['hit', '#116329'], ['in_use', '#a40e26'], ['reused', '#7a4a00'], ['waited', '#6f42c1']];

// A chart's canvas sized to its box at the screen's pixel density, and cleared.
function clearedCanvas(canvas) {
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth; const hgt = canvas.clientHeight;
  canvas.width = w * dpr; canvas.height = hgt * dpr;
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, hgt);
  return { ctx, w, hgt };
}

function drawLine(canvas, points, unit) {
  const { ctx, w, hgt } = clearedCanvas(canvas);
  const vals = points.filter((p) => p !== null);
  const max = Math.max(1e-9, ...vals) * 1.15;
  ctx.strokeStyle = '#c9d1d9'; ctx.fillStyle = '#4f5863'; ctx.font = '11px sans-serif';
  ctx.beginPath(); ctx.moveTo(0, hgt - 0.5); ctx.lineTo(w, hgt - 0.5); ctx.stroke();
  ctx.fillText(`${max.toFixed(max < 10 ? 1 : 0)} ${unit}`, 4, 12);
  ctx.strokeStyle = '#0b5cad'; ctx.lineWidth = 2; ctx.beginPath();
  const n = Math.max(points.length, 2);
  let started = false;
  points.forEach((p, i) => {
    if (p === null) { started = false; return; }
    const x = (i / (n - 1)) * w; const y = hgt - (p / max) * (hgt - 16);
    if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
  });
  ctx.stroke();
}

function drawBars(canvas, series) {
  const { ctx, w, hgt } = clearedCanvas(canvas);
  const totals = series.map((s) => OUTCOMES.reduce((a, [o]) => a + (s[o] || 0), 0));
  const max = Math.max(1, ...totals);
  const bw = w / Math.max(series.length, 20);
  series.forEach((s, i) => {
    let y = hgt;
    for (const [o, color] of OUTCOMES) {
      const v = s[o] || 0;
      if (!v) continue;
      const bh = (v / max) * (hgt - 16);
      ctx.fillStyle = color; ctx.fillRect(i * bw + 1, y - bh, Math.max(1, bw - 2), bh);
      y -= bh;
    }
  });
  ctx.fillStyle = '#4f5863'; ctx.font = '11px sans-serif';
  ctx.fillText(`${max} per ${METRICS_EVERY_MS / 1000} s`, 4, 12);
}

async function pageOverview(page) {
  page.append(h('h1', {}, 'Overview'));
  const cards = h('div', { class: 'cards', id: 'stats' });
  page.append(cards);
  const loadStats = async () => {
    const s = await get('/stats');
    const capped = (n) => (n >= s.count_limit ? `${fmt(n)}+` : fmt(n));
    cards.replaceChildren(
      ...[['customers', 'Customers', fmt(s.customers)], ['points_outstanding', 'Points outstanding', fmt(s.points_outstanding)],
        ['redemptions_pending', 'Redemptions pending', capped(s.redemptions_pending)],
        ['redemptions_today', 'Redemptions today', fmt(s.redemptions_today)],
        ['purchases_today', 'Purchases today', fmt(s.purchases_today)]]
        .map(([id, label, n]) => h('div', { class: 'card', 'data-stat': id }, h('span', { class: 'n' }, n), h('span', { class: 'l' }, label))),
    );
    cards.title = `Today began ${when(s.day_started_at)} (UTC day of the database clock)`;
  };
  await loadStats();
  const rps = h('canvas', { role: 'img', 'aria-label': 'Requests per second: waiting for data' });
  const lat = h('canvas', { role: 'img', 'aria-label': 'p99 latency: waiting for data' });
  const idem = h('canvas', { role: 'img', 'aria-label': 'Idempotency outcomes: waiting for data' });
  const summary = h('p', { class: 'muted', id: 'live-summary' }, 'Reading /metrics…');
  page.append(h('h2', {}, 'This node, live'),
    h('p', { class: 'muted' }, `From this node's /metrics every ${METRICS_EVERY_MS / 1000} s (the console's own page loads left out).`),
    h('div', { class: 'charts' },
      h('figure', {}, h('figcaption', {}, 'Requests per second'), rps),
      h('figure', {}, h('figcaption', {}, 'p99 latency (ms)'), lat),
      h('figure', {}, h('figcaption', {}, 'Idempotency lookups'), idem,
        h('div', { class: 'legend' }, OUTCOMES.map(([o, c]) => h('span', {}, h('span', { class: 'swatch', style: undefined, 'data-color': c }), o.replace('_', ' ')))))),
    summary);
  page.querySelectorAll('.swatch').forEach((s) => { s.style.background = s.dataset.color; });
  const history = { rps: [], lat: [], idem: [] };
  let prev = null; let prevAt = 0;
  const scrape = async () => {
    const res = await fetch('/metrics', { cache: 'no-store' });
    const cur = parseMetrics(await res.text());
    const now = performance.now();
    if (prev) {
      const secs = (now - prevAt) / 1000;
      const r = Math.max(0, (cur.requests - prev.requests) / secs);
      const p = p99(prev, cur);
      const d = {};
      for (const [o] of OUTCOMES) d[o] = Math.max(0, (cur.outcomes[o] || 0) - (prev.outcomes[o] || 0));
      for (const [k, v] of [['rps', r], ['lat', p], ['idem', d]]) { history[k].push(v); if (history[k].length > 60) history[k].shift(); }
      drawLine(rps, history.rps, 'req/s');
      drawLine(lat, history.lat, 'ms');
      drawBars(idem, history.idem);
      const text = `Last ${secs.toFixed(0)} s: ${r.toFixed(1)} requests/s, p99 ${p === null ? '—' : `${p.toFixed(1)} ms`}; `
        + OUTCOMES.map(([o]) => `${o.replace('_', ' ')} ${d[o]}`).join(', ');
      summary.textContent = text;
      rps.setAttribute('aria-label', `Requests per second, latest ${r.toFixed(1)}`);
      lat.setAttribute('aria-label', `p99 latency, latest ${p === null ? 'no requests' : `${p.toFixed(1)} ms`}`);
      idem.setAttribute('aria-label', `Idempotency lookups in the last interval: ${OUTCOMES.map(([o]) => `${o} ${d[o]}`).join(', ')}`);
    }
    prev = cur; prevAt = now;
  };
  await scrape().catch(() => {});
  timers.push(setInterval(() => scrape().catch(() => { summary.textContent = '/metrics did not answer'; }), METRICS_EVERY_MS));
  timers.push(setInterval(() => loadStats().catch(() => {}), STATS_EVERY_MS));
}

// ---------------------------------------------------------------- Customers

// On a phone a table becomes one card per row; each cell then shows its
// column's name (CSS reads it from data-label).
function labelCells(table) {
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  table.querySelectorAll('tbody tr').forEach((tr) => {
    [...tr.children].forEach((td, i) => { if (names[i]) td.dataset.label = names[i]; });
  });
}

// Keeps a stack of cursors so a list pages both ways with `starting_after`.
function pagedList(container, fetchPage, renderRows) {
  const stack = [];
  let cursor = null;
  const load = async () => {
    const q = cursor ? `&starting_after=${encodeURIComponent(cursor)}` : '';
    let res;
    try { res = await fetchPage(q); } catch (e) { container.replaceChildren(problemBox(e)); return; }
    const last = res.data.length ? res.data[res.data.length - 1].id : null;
    const rows = renderRows(res.data);
    rows.querySelectorAll('table').forEach(labelCells);
    container.replaceChildren(rows);
    if (stack.length || res.has_more) container.append(h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: stack.length === 0, onclick: () => { cursor = stack.pop(); load(); } }, 'Newer'),
        h('button', { type: 'button', class: 'secondary', disabled: !res.has_more, onclick: () => { stack.push(cursor); cursor = last; load(); } }, 'Older'),
        h('span', { class: 'muted' }, stack.length ? `page ${stack.length + 1}` : '')));
  };
  return load;
}

function customerRows(rows) {
  if (!rows.length) return h('p', {}, 'No customers found.');
  return h('div', { class: 'table' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Customer'), h('th', {}, 'E-mail'), h('th', {}, 'Phone'), h('th', { class: 'hide-narrow' }, 'Since'))),
    h('tbody', {}, rows.map((c) => h('tr', {},
      h('td', {}, h('a', { href: `#/customers/${encodeURIComponent(c.id)}` }, c.name || c.id), h('br'), h('code', { class: 'muted' }, c.id)),
      h('td', {}, c.email || '—'), h('td', {}, c.phone || '—'), h('td', { class: 'hide-narrow' }, when(c.created_at)))))));
}

async function pageCustomers(page) {
  page.append(h('h1', {}, 'Customers'));
  const results = h('div', { id: 'customer-results' });
  const form = h('form', { class: 'inline', role: 'search' },
    field('E-mail, phone or customer id', { name: 'q', type: 'search', required: true, autocomplete: 'off', placeholder: 'ada@example.com, +49…, cus_…' }),
    h('button', { type: 'submit' }, 'Find'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = new FormData(form).get('q').trim();
    results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    try {
      let rows;
      if (/^cus_/i.test(q)) {
        rows = [await get(`/customers/${encodeURIComponent(q)}`)];
      } else if (q.includes('@')) {
        rows = (await get(`/customers?email=${encodeURIComponent(q)}`)).data;
      } else {
        rows = (await get(`/customers?phone=${encodeURIComponent(q)}`)).data;
      }
      if (rows.length === 1) { location.hash = `#/customers/${encodeURIComponent(rows[0].id)}`; return; }
      results.replaceChildren(customerRows(rows));
    } catch (e) {
      results.replaceChildren(e instanceof Problem && e.status === 404 ? h('p', {}, `No customer ${q}.`) : problemBox(e));
    }
  });
  const create = h('form', { class: 'inline' },
    field('E-mail', { name: 'email', type: 'email', autocomplete: 'off' }),
    field('Phone', { name: 'phone', type: 'tel', autocomplete: 'off' }),
    field('Name', { name: 'name', autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Add or find customer'));
  actionForm(create, (d) => {
    const body = {};
    for (const k of ['email', 'phone', 'name']) if (d.get(k).trim()) body[k] = d.get(k).trim();
    if (!body.email && !body.phone) throw 'Give an e-mail or a phone.';
    return { scope: `customer:${body.email || ''}:${body.phone || ''}`, label: `Add customer ${body.email || body.phone}`, method: 'POST', path: '/customers', body };
  }, (c) => { location.hash = `#/customers/${encodeURIComponent(c.id)}`; });
  const recent = h('div', {});
  page.append(form, results, h('h2', {}, 'Newest customers'), recent, h('h2', {}, 'Add a customer'), create);
  await pagedList(recent, (q) => get(`/customers?limit=20${q}`), customerRows)();
  form.querySelector('input').focus();
}

function ledgerRows(rows, onVoid) {
  if (!rows.length) return h('p', {}, 'No ledger entries yet.');
  return h('div', { class: 'table' }, h('table', { id: 'ledger' },
    h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Operation'), h('th', { class: 'num' }, 'Points'),
      h('th', { class: 'num' }, 'Balance after'), h('th', {}, 'Reason / source'), h('th', { class: 'hide-narrow' }, 'Token'))),
    h('tbody', {}, rows.map((e) => h('tr', { 'data-entry': e.id },
      h('td', {}, when(e.created_at)), h('td', {}, e.operation),
      h('td', { class: 'num' }, e.points > 0 ? `+${fmt(e.points)}` : fmt(e.points)),
      h('td', { class: 'num' }, fmt(e.balance_after)),
      h('td', {}, e.reason || '',
        e.transaction_id ? h('span', {}, e.reason ? ' · ' : '', 'purchase ', h('code', {}, e.transaction_id), ' ',
          e.operation === 'earn' ? h('button', { type: 'button', class: 'link', onclick: () => onVoid(e.transaction_id) }, 'void…') : null) : null,
        e.redemption_id ? h('span', {}, 'redemption ', h('code', {}, e.redemption_id)) : null),
      h('td', { class: 'hide-narrow' }, e.token_id ? h('code', {}, e.token_id) : '—'))))));
}

function redemptionRows(rows, refresh, rewardNames = {}) {
  if (!rows.length) return h('p', {}, 'No redemptions.');
  return h('div', { class: 'table' }, h('table', { class: 'redemptions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Redemption'), h('th', {}, 'Reward'), h('th', { class: 'num' }, 'Points'),
      h('th', {}, 'Status'), h('th', {}, 'Coupon'), h('th', {}, 'Actions'))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-redemption': r.id },
      h('td', {}, h('code', {}, r.id), h('br'), h('span', { class: 'muted' }, when(r.created_at))),
      h('td', {}, rewardNames[r.reward_id] || h('code', {}, r.reward_id), r.quantity > 1 ? ` × ${r.quantity}` : ''),
      h('td', { class: 'num' }, fmt(r.points_spent)),
      h('td', { 'data-status': r.status }, r.status),
      h('td', {}, r.coupon_code ? h('a', { href: `#/redemptions/${encodeURIComponent(r.coupon_code)}` }, h('code', {}, r.coupon_code)) : '—'),
      h('td', {}, r.status === 'pending' ? [
        actionButton('Fulfil', () => ({ scope: `fulfil:${r.id}`, label: `Fulfil ${r.id}`, method: 'POST', path: `/redemptions/${r.id}/fulfil`, body: {} }), refresh),
        ' ',
        actionButton('Cancel', () => ({ scope: `cancel:${r.id}`, label: `Cancel ${r.id}`, method: 'POST', path: `/redemptions/${r.id}/cancel`, body: {} }), refresh, { class: 'secondary' }),
      ] : ''))))));
}

async function rewardNameMap() {
  const rewards = (await get('/rewards?limit=100')).data;
  return { rewards, names: Object.fromEntries(rewards.map((r) => [r.id, r.name])) };
}

async function pageCustomer(page, id) {
  const [customer, { rewards, names }] = await Promise.all([get(`/customers/${encodeURIComponent(id)}`), rewardNameMap()]);
  page.append(h('h1', {}, customer.name || customer.email || customer.phone || customer.id),
    h('p', {}, h('code', {}, customer.id), customer.email ? ` · ${customer.email}` : '', customer.phone ? ` · ${customer.phone}` : ''));
  const balanceBox = h('div', { class: 'cards', id: 'balance' });
  const ledgerBox = h('div', {});
  const redemptionsBox = h('div', {});
  const refresh = async () => {
    const b = await get(`/customers/${encodeURIComponent(id)}/balance`);
    balanceBox.replaceChildren(...[['available', 'Available'], ['pending', 'Pending (redemptions not handed over)'], ['expiring_soon', 'Expiring within 30 days'], ['lifetime_earned', 'Earned, lifetime'], ['lifetime_spent', 'Spent, lifetime']]
      .map(([k, l]) => h('div', { class: 'card', 'data-balance': k }, h('span', { class: 'n' }, fmt(b[k])), h('span', { class: 'l' }, l))));
    await Promise.all([loadLedger(), loadRedemptions()]);
  };
  const voidForm = h('form', { class: 'inline' },
    field('Purchase (transaction id)', { name: 'transaction_id', required: true, autocomplete: 'off', placeholder: 'txn_…' }),
    field('Amount to void, cents (empty: all that is left)', { name: 'amount_cents', type: 'number', min: 1, step: 1, inputmode: 'numeric' }),
    h('button', { type: 'submit' }, 'Void purchase'));
  const onVoid = (txn) => { voidForm.elements.transaction_id.value = txn; voidForm.elements.amount_cents.focus(); };
  const loadLedger = pagedList(ledgerBox, (q) => get(`/customers/${encodeURIComponent(id)}/ledger?limit=20${q}`), (rows) => ledgerRows(rows, onVoid));
  const loadRedemptions = pagedList(redemptionsBox, (q) => get(`/customers/${encodeURIComponent(id)}/redemptions?limit=10${q}`), (rows) => redemptionRows(rows, refresh, names));

  const adjust = h('form', { class: 'inline' },
    field('Points (negative to take away)', { name: 'points', type: 'number', step: 1, required: true, inputmode: 'numeric' }),
    field('Reason', { name: 'reason', required: true, autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Adjust points'));
  actionForm(adjust, (d) => {
    const points = Number(d.get('points'));
    const reason = d.get('reason').trim();
    if (!Number.isInteger(points)) throw 'Points must be a whole number.';
    if (!reason) throw 'A reason is required.';
    return { scope: `adjust:${id}:${points}:${reason}`, label: `Adjust ${id} by ${points} (${reason})`, method: 'POST', path: `/customers/${id}/adjustments`, body: { points, reason } };
  }, async () => { adjust.reset(); await refresh(); });

  const active = rewards.filter((r) => r.active);
  const redeem = h('form', { class: 'inline', id: 'redeem-form' },
    field('Reward', { name: 'reward_id', type: 'select', required: true, options: active.map((r) => [r.id, `${r.name} — ${fmt(r.cost_points)} points${r.stock === null ? '' : `, ${fmt(r.stock)} in stock`}`]) }),
    field('Quantity', { name: 'quantity', type: 'number', min: 1, max: 1000, value: 1, step: 1, inputmode: 'numeric' }),
    h('button', { type: 'submit' }, 'Redeem'));
  const redeemScope = (rewardId, quantity) => `redeem:${id}:${rewardId}:${quantity}`;
  actionForm(redeem, (d) => {
    const reward = d.get('reward_id');
    const quantity = Number(d.get('quantity') || 1);
    return { scope: redeemScope(reward, quantity), label: `Redeem ${names[reward] || reward} ×${quantity} for ${customer.email || id}`, method: 'POST', path: '/redemptions', body: { customer_id: id, reward_id: reward, quantity } };
  }, refresh);

  actionForm(voidForm, (d) => {
    const txn = d.get('transaction_id').trim();
    const amount = d.get('amount_cents');
    const body = amount ? { amount_cents: Number(amount) } : {};
    return { scope: `void:${txn}:${amount || 'all'}`, label: `Void ${amount ? `${amount} cents of ` : ''}${txn}`, method: 'POST', path: `/transactions/${encodeURIComponent(txn)}/void`, body };
  }, async () => { voidForm.reset(); await refresh(); });

  page.append(h('h2', {}, 'Balance'), balanceBox,
    h('h2', {}, 'Actions'),
    h('fieldset', {}, h('legend', {}, 'Adjust points'), adjust),
    h('fieldset', {}, h('legend', {}, 'Redeem a reward'), active.length ? redeem : h('p', {}, 'No active rewards.')),
    h('fieldset', {}, h('legend', {}, 'Void a purchase (full or partial)'), voidForm),
    h('h2', {}, 'Ledger'), ledgerBox,
    h('h2', {}, 'Redemptions and coupons'), redemptionsBox);
  await refresh();
}

// ---------------------------------------------------------------- Rewards

async function pageRewards(page) {
  page.append(h('h1', {}, 'Rewards'));
  const list = h('div', {});
  const create = h('form', { class: 'inline', id: 'reward-create' },
    field('Name', { name: 'name', required: true, autocomplete: 'off' }),
    field('Cost, points', { name: 'cost_points', type: 'number', required: true, step: 1, inputmode: 'numeric' }),
    field('Kind', { name: 'kind', type: 'select', options: [['item', 'item'], ['voucher', 'voucher (issues a coupon)']] }),
    field('Stock (empty: unlimited)', { name: 'stock', type: 'number', step: 1, inputmode: 'numeric' }),
    check('Active', { name: 'active', checked: true }),
    h('button', { type: 'submit' }, 'Create reward'));
  actionForm(create, (d) => {
    const body = { name: d.get('name').trim(), cost_points: Number(d.get('cost_points')), kind: d.get('kind'), active: d.get('active') === 'on' };
    if (d.get('stock') !== '') body.stock = Number(d.get('stock'));
    return { scope: `reward:new:${JSON.stringify(body)}`, label: `Create reward ${body.name}`, method: 'POST', path: '/rewards', body };
  }, async () => { create.reset(); await load(); });
  const rows = (rewards) => {
    if (!rewards.length) return h('p', {}, 'No rewards yet.');
    return h('div', { class: 'table' }, h('table', { id: 'rewards' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Reward'), h('th', {}, 'Kind'), h('th', { class: 'num' }, 'Stock'), h('th', {}, 'Edit cost, stock, active'))),
      h('tbody', {}, rewards.map((r) => {
        const edit = h('form', { class: 'inline' },
          field(`Cost of ${r.name}`, { name: 'cost_points', type: 'number', value: r.cost_points, step: 1, inputmode: 'numeric' }),
          field(`Stock of ${r.name} (empty: unlimited)`, { name: 'stock', type: 'number', value: r.stock ?? '', step: 1, inputmode: 'numeric' }),
          check(`${r.name} active`, { name: 'active', checked: r.active }),
          h('button', { type: 'submit', class: 'secondary' }, 'Save'));
        actionForm(edit, (d) => {
          const body = {};
          if (Number(d.get('cost_points')) !== r.cost_points) body.cost_points = Number(d.get('cost_points'));
          const stock = d.get('stock') === '' ? null : Number(d.get('stock'));
          if (stock !== r.stock) body.stock = stock;
          if ((d.get('active') === 'on') !== r.active) body.active = d.get('active') === 'on';
          if (!Object.keys(body).length) throw 'Nothing changed.';
          return { scope: `reward:${r.id}:${JSON.stringify(body)}`, label: `Edit ${r.name}`, method: 'PATCH', path: `/rewards/${r.id}`, body };
        }, load);
        return h('tr', { 'data-reward': r.id },
          h('td', {}, h('strong', {}, r.name), h('br'), h('code', { class: 'muted' }, r.id), h('br'), `${fmt(r.cost_points)} points${r.active ? '' : ' · inactive'}`),
          h('td', {}, r.kind), h('td', { class: 'num', 'data-stock': r.stock ?? 'unlimited' }, r.stock === null ? 'unlimited' : fmt(r.stock)), h('td', {}, edit));
      }))));
  };
  const load = pagedList(list, (q) => get(`/rewards?limit=50${q}`), rows);
  page.append(list, h('h2', {}, 'New reward'), create);
  await load();
}

// ---------------------------------------------------------------- Redemptions and coupons

async function pageRedemptions(page, code) {
  page.append(h('h1', {}, 'Redemptions'));
  const queue = h('div', {});
  const { names } = await rewardNameMap();
  const load = pagedList(queue, (q) => get(`/redemptions?status=pending&limit=20${q}`), (rows) => redemptionRows(rows, () => load(), names));
  const couponBox = h('div', { id: 'coupon' });
  const lookup = h('form', { class: 'inline', role: 'search' },
    field('Coupon code', { name: 'code', required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', value: code || '' }),
    h('button', { type: 'submit' }, 'Look up'));
  const show = async (c) => {
    couponBox.replaceChildren(h('p', { class: 'muted' }, 'Looking up…'));
    try {
      const coupon = await get(`/coupons/${encodeURIComponent(c)}`);
      couponBox.replaceChildren(
        h('dl', { class: 'kv' },
          h('dt', {}, 'Code'), h('dd', {}, h('code', {}, coupon.code)),
          h('dt', {}, 'Status'), h('dd', { 'data-coupon-status': coupon.status }, coupon.status),
          h('dt', {}, 'Reward'), h('dd', {}, names[coupon.reward_id] || coupon.reward_id),
          h('dt', {}, 'Customer'), h('dd', {}, h('a', { href: `#/customers/${coupon.customer_id}` }, coupon.customer_id)),
          h('dt', {}, 'Redemption'), h('dd', {}, h('code', {}, coupon.redemption_id)),
          h('dt', {}, 'Redeemed at'), h('dd', {}, when(coupon.redeemed_at))),
        coupon.status === 'active'
          ? h('p', {}, actionButton('Redeem at the till', () => ({ scope: `coupon:${coupon.code}`, label: `Redeem coupon ${coupon.code}`, method: 'POST', path: `/coupons/${coupon.code}/redeem`, body: {} }), () => { show(coupon.code); load(); }))
          : null);
    } catch (e) { couponBox.replaceChildren(problemBox(e)); }
  };
  lookup.addEventListener('submit', (ev) => { ev.preventDefault(); show(new FormData(lookup).get('code').trim()); });
  page.append(h('h2', {}, 'Coupons at the till'), lookup, couponBox,
    h('h2', {}, 'Pending — waiting to be handed over'), queue);
  await load();
  if (code) await show(code);
}

// ---------------------------------------------------------------- Idempotency keys

async function pageKeys(page, key) {
  page.append(h('h1', {}, 'Idempotency keys'),
    h('p', {}, 'What the server stored for a key of this program, as ', h('code', {}, 'GET /api/v1/idempotency-keys/{key}'), ' answers it.'));
  const out = h('div', { id: 'key-info' });
  const form = h('form', { class: 'inline', role: 'search' },
    field('Key', { name: 'key', required: true, autocomplete: 'off', spellcheck: 'false', value: key || '' }),
    h('button', { type: 'submit' }, 'Look up'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const k = new FormData(form).get('key').trim();
    if (location.hash !== `#/keys/${encodeURIComponent(k)}`) location.hash = `#/keys/${encodeURIComponent(k)}`;
    else show(k);
  });
  const resourcePath = (id) => {
    const kinds = { cus_: '/customers/', txn_: '/transactions/', rwd_: '/rewards/', rdm_: '/redemptions/' };
    const prefix = Object.keys(kinds).find((p) => id.startsWith(p));
    return prefix ? kinds[prefix] + encodeURIComponent(id) : null;
  };
  const show = async (k) => {
    out.replaceChildren(h('p', { class: 'muted' }, 'Looking up…'));
    try {
      const info = await get(`/idempotency-keys/${encodeURIComponent(k)}`);
      const rows = [['Key', h('code', {}, info.key)], ['State', info.state], ['Request', info.method ? `${info.method} ${info.path}` : '—'],
        ['Stored status', info.status ?? '—'], ['Resource it made', info.resource_id ? h('code', {}, info.resource_id) : '—'],
        ['First seen', when(info.first_seen_at)], ['Expires', when(info.expires_at)]];
      const resource = h('div', {});
      out.replaceChildren(h('dl', { class: 'kv', 'data-key-state': info.state }, rows.map(([t, d]) => [h('dt', {}, t), h('dd', {}, d)]).flat()), resource,
        h('details', {}, h('summary', {}, 'As the API answered'), h('pre', {}, JSON.stringify(info, null, 2))));
      const path = info.resource_id && resourcePath(info.resource_id);
      if (path) {
        const now = await get(path).catch((e) => e);
        resource.replaceChildren(h('h2', {}, 'The resource, as it is now'), now instanceof Error ? problemBox(now) : h('pre', { id: 'key-resource' }, JSON.stringify(now, null, 2)));
      }
    } catch (e) {
      out.replaceChildren(e instanceof Problem && e.status === 404
        ? h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Unknown key'), `: ${e.detail} (code: `, h('code', {}, e.code), '). A key is kept for the program\'s retention window; a key whose request was refused was never stored.')
        : problemBox(e));
    }
  };
  let recent = [];
  try { recent = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]').filter((r) => r.program === session.program.id); } catch (_) { recent = []; }
  page.append(form, out, h('h2', {}, 'Keys this browser sent lately'),
    recent.length ? h('ul', {}, recent.map((r) => h('li', {}, h('a', { href: `#/keys/${encodeURIComponent(r.key)}` }, h('code', {}, r.key)), ` — ${r.label} → ${r.status}`))) : h('p', {}, 'None yet.'));
  if (key) await show(key);
}

// ---------------------------------------------------------------- Settings

async function pageSettings(page) {
  const program = await get('/program');
  page.append(h('h1', {}, 'Program settings'), h('p', {}, `${program.name} · `, h('code', {}, program.id)));
  const form = h('form', { id: 'settings' },
    h('fieldset', {}, h('legend', {}, 'Earning'),
      field('Points per currency unit', { name: 'points_per_currency_unit', type: 'number', step: 1, value: program.points_per_currency_unit, inputmode: 'numeric' }),
      field('Void policy', { name: 'void_policy', type: 'select', value: program.void_policy, options: [['reject', 'reject: a void never takes a balance below zero'], ['allow_negative', 'allow_negative: it may, and later earning pays it back']] }),
      field('Points expire after days (empty: never)', { name: 'points_expire_after_days', type: 'number', step: 1, value: program.points_expire_after_days ?? '', inputmode: 'numeric' })),
    h('fieldset', {}, h('legend', {}, 'Idempotency and limits'),
      field('Idempotency retention, hours', { name: 'idempotency_retention_hours', type: 'number', step: 1, value: program.idempotency_retention_hours, inputmode: 'numeric' }),
      check('Require an Idempotency-Key on points-moving writes', { name: 'require_idempotency_key', checked: program.require_idempotency_key }),
      field('Rate limit, requests per minute per token', { name: 'rate_limit_per_minute', type: 'number', step: 1, value: program.rate_limit_per_minute, inputmode: 'numeric' })),
    h('button', { type: 'submit' }, 'Save settings'));
  actionForm(form, (d) => {
    const body = {};
    for (const k of ['points_per_currency_unit', 'idempotency_retention_hours', 'rate_limit_per_minute']) {
      const v = Number(d.get(k));
      if (v !== program[k]) body[k] = v;
    }
    if (d.get('void_policy') !== program.void_policy) body.void_policy = d.get('void_policy');
    const exp = d.get('points_expire_after_days') === '' ? null : Number(d.get('points_expire_after_days'));
    if (exp !== program.points_expire_after_days) body.points_expire_after_days = exp;
    const req = d.get('require_idempotency_key') === 'on';
    if (req !== program.require_idempotency_key) body.require_idempotency_key = req;
    if (!Object.keys(body).length) throw 'Nothing changed.';
    return { scope: `program:${JSON.stringify(body)}`, label: `Change settings ${Object.keys(body).join(', ')}`, method: 'PATCH', path: '/program', body };
  }, (updated) => { Object.assign(program, updated); });
  page.append(form);
}

// ---------------------------------------------------------------- Start

// A message about the page left behind is stale on the next one.
window.addEventListener('hashchange', () => { $('#status').replaceChildren(); route(); });
window.addEventListener('storage', (ev) => { if (ev.key === JOURNAL_KEY) renderPending(); });
document.addEventListener('DOMContentLoaded', async () => {
  $('#sign-out').addEventListener('click', () => signOut());
  if (!token()) { showSignIn(); return; }
  const res = await request('GET', '/program').catch((e) => e);
  if (res instanceof Error) { showSignIn(); say(problemBox(res)); return; }
  if (res.status !== 200) { signOut(new Problem(res.status, res.body)); return; }
  await startSession(res.body);
});
