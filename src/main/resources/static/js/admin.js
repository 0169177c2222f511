// The admin console: sales (create, edit, watch live), payment holds, the outbox's failed deliveries,
// the audit, the reconciler and the audit log. Everything goes through the admin API, as any other
// client's would.
import {call, fieldMessage} from './api.js';
import {follow} from './live.js';
import {header} from './session.js';
import {count, dateTime, el, fromLocalInput, isoDuration, isoSeconds, price, timeZone, toLocalInput, windowText}
  from './format.js';

const $ = (name) => document.getElementById(name);
const FIELDS = ['name', 'description', 'price', 'totalQuantity', 'perUserLimit', 'shards', 'holdFor', 'perAddressLimit', 'gated',
  'powDifficulty', 'saleStartAt', 'saleEndAt'];
let products = [];
let editing = null; // the product being edited, or null when creating

function notice(node, kind, text) {
  node.className = `notice ${kind}`;
  node.textContent = text;
}

// ---- sales table ---------------------------------------------------------------------------

async function loadSales() {
  const answer = await call('/admin/products?limit=100');
  if (!answer.ok) { notice($('message'), 'bad', answer.message); return; }
  products = answer.data;
  const rows = products.map((p) => {
    const backlog = Math.max(0, p.totalQuantity - p.availableQuantity - p.soldQuantity);
    return el('tr', {'data-product': p.id},
      el('th', {scope: 'row'}, el('a', {href: `/sale.html?id=${p.id}`, text: p.name})),
      el('td', {'data-label': 'Status'}, el('span', {class: `badge ${p.status}`, text: p.status})),
      el('td', {class: 'num', 'data-label': 'Price', text: price(p.price)}),
      el('td', {class: 'num', 'data-label': 'Stock', title: p.shards > 1 ? `split into ${p.shards} shards` : undefined,
        text: p.shards > 1 ? `${p.totalQuantity} (${p.shards} shards)` : String(p.totalQuantity)}),
      el('td', {class: 'num', 'data-label': 'Remaining', 'data-col': 'remaining', text: String(p.availableQuantity)}),
      el('td', {class: 'num', 'data-label': 'Sold', 'data-col': 'sold', text: String(p.soldQuantity)}),
      el('td', {class: 'num', 'data-label': 'Backlog', 'data-col': 'backlog', text: String(backlog)}),
      el('td', {'data-label': 'Starts', text: dateTime(p.saleStartAt)}),
      el('td', {'data-label': 'Ends', text: dateTime(p.saleEndAt)}),
      el('td', {'data-label': 'Payment window', 'data-col': 'holdFor', title: p.holdFor || undefined,
        text: windowText(p.holdFor) || '–'}),
      el('td', {'data-label': 'Actions'}, el('div', {class: 'buttons'},
        el('button', {type: 'button', class: 'secondary small', 'aria-label': `Edit ${p.name}`, onclick: () => edit(p), text: 'Edit'}),
        el('button', {type: 'button', class: 'secondary small', 'aria-label': `Watch ${p.name}`, onclick: () => watch(p.id), text: 'Watch'}))));
  });
  $('sales').replaceChildren(products.length === 0 ? el('p', {class: 'empty', text: 'No sales yet: create one below.'}) :
    el('table', {id: 'sales-table', class: 'stack'},
      el('caption', {class: 'visually-hidden', text: 'Sales'}),
      el('thead', {}, el('tr', {}, ['Name', 'Status', 'Price', 'Stock', 'Remaining', 'Sold', 'Backlog', 'Starts', 'Ends', 'Payment window',
        'Actions']
        .map((h, i) => el('th', {scope: 'col', class: i >= 2 && i <= 6 ? 'num' : undefined, text: h,
          title: h === 'Backlog' ? 'Units taken in Redis that the sold counter has not counted yet (being paid for, or waiting for the outbox)' : undefined})))),
      el('tbody', {}, rows)));
  const select = $('chart-sale');
  const chosen = select.value;
  select.replaceChildren(...products.map((p) => el('option', {value: p.id, text: `${p.name} (${p.status})`})));
  if (chosen && products.some((p) => p.id === chosen)) select.value = chosen;
  else if (!watching) {
    const live = products.find((p) => p.status === 'active') || products[0];
    if (live) watch(live.id);
  }
  const holdsSale = $('holds-sale');
  const holdsChosen = holdsSale.value;
  holdsSale.replaceChildren(el('option', {value: '', text: 'All sales'}),
    ...products.map((p) => el('option', {value: p.id,
      text: `${p.name} (${p.holdFor ? `pays within ${windowText(p.holdFor)}` : 'no payment window'})`})));
  if (products.some((p) => p.id === holdsChosen)) holdsSale.value = holdsChosen;
}

// ---- create and edit -----------------------------------------------------------------------

function input(field) {
  return $(`f-${field}`);
}

function clearErrors() {
  $('form-message').textContent = '';
  for (const field of FIELDS) {
    input(field).removeAttribute('aria-invalid');
    $(`f-${field}-error`).textContent = '';
  }
}

function fieldError(field, message) {
  const node = input(field);
  if (!node) return false;
  node.setAttribute('aria-invalid', 'true');
  $(`f-${field}-error`).textContent = message;
  return true;
}

function edit(p) {
  editing = p;
  clearErrors();
  input('name').value = p.name;
  input('description').value = p.description || '';
  input('price').value = p.price;
  input('totalQuantity').value = p.totalQuantity;
  input('perUserLimit').value = p.perUserLimit;
  input('perAddressLimit').value = p.perAddressLimit ?? '';
  input('shards').value = p.shards;
  input('holdFor').value = p.holdFor ?? '';
  input('gated').checked = p.gated;
  input('powDifficulty').value = p.powDifficulty;
  input('saleStartAt').value = toLocalInput(p.saleStartAt);
  input('saleEndAt').value = toLocalInput(p.saleEndAt);
  $('form-title').textContent = `Edit “${p.name}”`;
  $('f-submit').textContent = 'Save changes';
  $('f-cancel').hidden = false;
  input('name').focus();
}

function resetForm() {
  editing = null;
  $('product-form').reset();
  clearErrors();
  $('form-title').textContent = 'New sale';
  $('f-submit').textContent = 'Create sale';
  $('f-cancel').hidden = true;
}

/**
 * The payment window as the API wants it (ISO-8601, as Java writes it): a plain number is minutes;
 * empty is none (null). What is neither a number nor a duration is sent as typed, for the API to refuse.
 */
function holdFor(text) {
  if (text === '') return null;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 60 : isoSeconds(text);
  if (Number.isNaN(seconds)) return text;
  return Number.isInteger(seconds) ? isoDuration(seconds) : `PT${seconds}S`; // a fraction of a second: refused
}

/** The form as the API wants it; numbers that are not numbers are sent as they are, for the API to refuse. */
function formBody() {
  const value = (field) => input(field).value.trim();
  const number = (text) => (text === '' ? undefined : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  return {
    name: value('name'),
    description: value('description') || undefined,
    price: number(value('price')),
    totalQuantity: number(value('totalQuantity')),
    perUserLimit: number(value('perUserLimit')),
    shards: number(value('shards')),
    holdFor: holdFor(value('holdFor')),
    perAddressLimit: value('perAddressLimit') === '' ? null : number(value('perAddressLimit')), // empty: no cap
    gated: input('gated').checked,
    powDifficulty: number(value('powDifficulty')),
    saleStartAt: fromLocalInput(value('saleStartAt')),
    saleEndAt: fromLocalInput(value('saleEndAt')),
  };
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  let body = formBody();
  if (editing) { // only what changed
    const before = {...editing, description: editing.description || undefined};
    body = Object.fromEntries(Object.entries(body).filter(([key, value]) => {
      // the form shows whole seconds: an unchanged time is the same second
      if (key === 'saleStartAt' || key === 'saleEndAt') {
        return value && Math.floor(Date.parse(value) / 1000) !== Math.floor(Date.parse(before[key]) / 1000);
      }
      return value !== undefined && String(value) !== String(before[key]);
    }));
    if (Object.keys(body).length === 0) { notice($('form-message'), 'info', 'Nothing changed.'); return; }
  }
  const answer = editing
    ? await call(`/admin/products/${editing.id}`, {method: 'PATCH', body})
    : await call('/admin/products', {method: 'POST', body});
  if (answer.ok) {
    const name = answer.data.name;
    const created = !editing;
    resetForm();
    notice($('form-message'), 'ok', created ? `Created “${name}”.` : `Saved “${name}”.`);
    await loadSales();
    loadAuditLog();
    return;
  }
  // every bad field at once: the API lists them all in one answer
  let placed = false;
  for (const field of FIELDS) {
    const message = fieldMessage(answer, field);
    if (message) placed = fieldError(field, message) || placed;
  }
  if (!placed && answer.code === 'STOCK_BELOW_SOLD') placed = fieldError('totalQuantity', answer.message);
  notice($('form-message'), 'bad', placed ? 'Please correct the fields marked below.' : answer.message);
  const firstInvalid = document.querySelector('#product-form [aria-invalid="true"]');
  if (firstInvalid) firstInvalid.focus();
}

// ---- live chart ----------------------------------------------------------------------------
// The last WINDOW_S seconds, one sample a second, from the sale's public stream. The stream's first
// message draws the chart at once; what happened before the page opened is in "Sold", not in the
// chart (docs/decisions/0012). The time axis is always the whole window, so one sample reads as a
// time of day.

const WINDOW_S = 300;
let watching = null;
let stopWatching = null;
let plot = null;
const points = {t: [], rate: [], remaining: []};
let lastRemaining = null;
let soldThisSecond = 0;
let latest = null;

function watch(productId) {
  if (stopWatching) stopWatching();
  watching = productId;
  $('chart-sale').value = productId;
  points.t.length = 0; points.rate.length = 0; points.remaining.length = 0;
  lastRemaining = null; soldThisSecond = 0; latest = null;
  stopWatching = follow(productId, (sale) => {
    if (lastRemaining !== null && sale.availableQuantity < lastRemaining) soldThisSecond += lastRemaining - sale.availableQuantity;
    lastRemaining = sale.availableQuantity;
    const first = latest === null;
    latest = sale;
    $('chart-remaining').textContent = String(sale.availableQuantity);
    $('chart-sold').textContent = String(sale.soldQuantity);
    if (first) sample();
  }, (note) => {
    $('chart-note').textContent = note;
    $('chart-note').hidden = !note;
  });
}

function timeOfDay(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString(undefined, {timeStyle: 'medium'});
}

function sample() {
  if (!latest) return;
  const now = Math.floor(Date.now() / 1000);
  if (points.t.at(-1) === now) return; // this second is drawn already
  points.t.push(now);
  points.rate.push(soldThisSecond);
  points.remaining.push(latest.availableQuantity);
  $('chart-rate').textContent = String(soldThisSecond);
  soldThisSecond = 0;
  while (points.t.length && points.t[0] < now - WINDOW_S) for (const series of Object.values(points)) series.shift();
  const chart = $('chart');
  chart.dataset.from = String(now - WINDOW_S);
  chart.dataset.to = String(now);
  chart.dataset.samples = String(points.t.length);
  chart.setAttribute('aria-label', `Purchases per second and remaining stock from ${timeOfDay(now - WINDOW_S)} to `
    + `${timeOfDay(now)}: ${latest.availableQuantity} remaining`);
  if (!plot && window.uPlot) {
    plot = new window.uPlot({
      width: chart.clientWidth || 600,
      height: 280,
      series: [{}, {label: 'Purchases/s', stroke: '#b3261e', width: 2, scale: 'rate', fill: 'rgba(179,38,30,.08)'},
        {label: 'Remaining', stroke: '#1a56db', width: 2, scale: 'stock'}],
      scales: {
        x: {time: true, range: () => [Number(chart.dataset.from), Number(chart.dataset.to)]},
        rate: {range: (u, min, max) => [0, Math.max(5, max)]},
        stock: {range: (u, min, max) => [0, Math.max(1, max)]},
      },
      axes: [{}, {scale: 'rate', label: 'purchases / s'}, {scale: 'stock', side: 1, label: 'remaining', grid: {show: false}}],
    }, [points.t, points.rate, points.remaining], chart);
  } else if (plot) {
    plot.setData([points.t, points.rate, points.remaining]);
  }
}

// ---- payment holds -------------------------------------------------------------------------

const REFUND_REASONS = {
  late: 'Paid after the deadline',
  already_paid: 'Order already paid',
  cancelled: 'Order cancelled',
  amount_mismatch: 'Not the order\'s amount',
  not_payable: 'Order not payable',
};
let holdsRequest = 0; // only the latest request's answer is shown (a slower, older one may arrive last)

function stat(id, label, value) {
  return el('div', {}, el('dt', {text: label}), el('dd', {id, text: String(value)}));
}

function productCell(productId) {
  const product = products.find((p) => p.id === productId);
  return product
    ? el('td', {'data-label': 'Sale'}, el('a', {href: `/sale.html?id=${product.id}`, title: product.id, text: product.name}))
    : el('td', {class: 'mono', 'data-label': 'Sale', text: productId});
}

async function loadHolds() {
  const request = ++holdsRequest;
  const productId = $('holds-sale').value;
  const answer = await call(productId ? `/admin/holds?productId=${encodeURIComponent(productId)}` : '/admin/holds');
  if (request !== holdsRequest) return;
  if (!answer.ok) {
    $('holds-stats').replaceChildren();
    $('refunds').replaceChildren(el('p', {class: 'notice bad', text: answer.message}));
    return;
  }
  const h = answer.data;
  $('holds-stats').replaceChildren(
    stat('holds-outstanding', 'Awaiting payment', h.outstanding),
    stat('holds-due-soon', `Due within ${windowText(h.dueSoonWithin) || h.dueSoonWithin}`, h.dueSoon),
    stat('holds-ended', 'Expired or cancelled', h.expiredOrCancelled),
    stat('holds-refunds-due', 'Refunds due', h.refundsDue));
  $('refunds').replaceChildren(h.latestRefunds.length === 0 ? el('p', {class: 'empty', text: 'No refunds due.'}) :
    el('table', {id: 'refunds-table', class: 'stack'},
      el('caption', {class: 'visually-hidden', text: 'Latest refunds due, newest first'}),
      el('thead', {}, el('tr', {}, ['Received', 'Sale', 'Order', 'Buyer', 'Amount', 'Reason']
        .map((col) => el('th', {scope: 'col', class: col === 'Amount' ? 'num' : undefined, text: col})))),
      el('tbody', {}, h.latestRefunds.map((r) => el('tr', {'data-order': r.orderId, 'data-reason': r.reason},
        el('td', {'data-label': 'Received', text: dateTime(r.receivedAt)}),
        productCell(r.productId),
        el('td', {class: 'mono', 'data-label': 'Order', title: r.eventId, text: r.orderId}),
        el('td', {'data-label': 'Buyer', text: r.userId}),
        el('td', {class: 'num', 'data-label': 'Amount', text: price(r.amount)}),
        el('td', {'data-label': 'Reason', text: REFUND_REASONS[r.reason] || r.reason}))))));
}

// ---- outbox, audit, reconciler -------------------------------------------------------------

async function loadOutbox() {
  const [backlog, failed] = await Promise.all([call('/admin/outbox'), call('/admin/outbox/failed')]);
  if (backlog.ok) {
    const b = backlog.data;
    $('backlog').replaceChildren(
      el('div', {}, el('dt', {text: 'Pending deliveries'}), el('dd', {id: 'outbox-pending', text: String(b.pending)})),
      el('div', {}, el('dt', {text: 'Failed for good'}), el('dd', {id: 'outbox-failed', text: String(b.deadLetters)})),
      el('div', {}, el('dt', {text: 'Oldest pending'}), el('dd', {text: b.oldestAge ? b.oldestAge.replace(/^PT/, '').toLowerCase() : '–'})));
  }
  if (!failed.ok) { $('failed').replaceChildren(el('p', {class: 'notice bad', text: failed.message})); return; }
  $('failed').replaceChildren(failed.data.length === 0 ? el('p', {class: 'empty', text: 'No failed deliveries.'}) :
    el('table', {id: 'failed-table'},
      el('caption', {class: 'visually-hidden', text: 'Failed deliveries'}),
      el('thead', {}, el('tr', {}, ['Event', 'Listener', 'Published', 'Attempts', ''].map((h) => el('th', {scope: 'col', text: h})))),
      el('tbody', {}, failed.data.map((f) => el('tr', {},
        el('td', {text: f.eventType.split('.').pop()}),
        el('td', {class: 'mono', text: f.listener.split('.').slice(-2).join('.')}),
        el('td', {text: dateTime(f.publishedAt)}),
        el('td', {class: 'num', text: String(f.attempts)}),
        el('td', {}, el('button', {type: 'button', class: 'secondary small', text: 'Retry', onclick: () => retry(f.id)})))))));
}

async function retry(id) {
  const answer = await call(id ? `/admin/outbox/failed/retry?id=${id}` : '/admin/outbox/failed/retry', {method: 'POST'});
  notice($('message'), answer.ok ? 'ok' : 'bad', answer.ok ? 'Resubmitted: the outbox delivers it again now.' : answer.message);
  setTimeout(loadOutbox, 1000);
  loadAuditLog();
}

function showReport(report) {
  if (!report) { $('reconciler').replaceChildren(el('p', {class: 'empty', text: 'The reconciler has not run on this instance yet.'})); return; }
  const repaired = report.repairs.length;
  $('reconciler').replaceChildren(el('p', {id: 'reconciler-report'},
    report.ran ? `Last reconciler pass ${dateTime(report.startedAt)}: ${count(report.products, 'sale')} looked at `
      + `(${report.fullChecks} compared order by order), `
      + (repaired === 0 ? 'nothing needed repair.' : `${count(repaired, 'repair')} made.`)
      : 'Another instance was running a pass at that moment; nothing was done here.',
    report.errors.length ? ` Errors: ${report.errors.join('; ')}` : ''));
}

async function runAudit() {
  const answer = await call('/admin/audit');
  if (!answer.ok) { $('audit').replaceChildren(el('p', {class: 'notice bad', text: answer.message})); return; }
  $('audit').replaceChildren(answer.data.length === 0 ? el('p', {class: 'empty', text: 'No live, upcoming or recent sale to audit.'}) :
    el('table', {id: 'audit-table'},
      el('caption', {class: 'visually-hidden', text: 'Audit'}),
      el('thead', {}, el('tr', {}, ['Sale', 'Invariants', 'Outbox pending', 'Details'].map((h) => el('th', {scope: 'col', text: h})))),
      el('tbody', {}, answer.data.map((a) => {
        const broken = Object.entries(a.invariants).filter(([, v]) => !v.holds);
        return el('tr', {},
          el('th', {scope: 'row', text: a.name}),
          el('td', {}, el('span', {class: a.allHold ? 'holds' : 'broken', text: a.allHold ? '✓ all hold' : `✗ ${broken.length} broken`})),
          el('td', {class: 'num', text: String(a.outboxPending)}),
          el('td', {text: broken.map(([k, v]) => `${k}: ${v.detail}`).join('; ') || '–'}));
      }))));
}

async function runReconciler() {
  const button = $('run-reconciler');
  button.disabled = true;
  const answer = await call('/admin/reconciler/run', {method: 'POST'});
  button.disabled = false;
  if (answer.ok) { showReport(answer.data); await runAudit(); }
  else notice($('message'), 'bad', answer.message);
  loadAuditLog();
}

// ---- audit log -----------------------------------------------------------------------------

const LOG_PAGE = 25;
let logBefore = null; // where the next older page starts, or null when there is none
let logRequest = 0; // only the latest request's answer is shown (an older one may arrive last)

function shown(field, value) {
  if (value === null || value === undefined) return '–';
  if (field === 'price') return price(value);
  if (['saleStartAt', 'saleEndAt', 'expiresAt'].includes(field)) return dateTime(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** "price: $12.50 → $15.00" for a change; "name: Drop, price: $12.50, …" for what was created or reported. */
function changeText(entry) {
  const before = entry.before || {};
  const after = entry.after || {};
  // the form's order (PostgreSQL keeps JSON keys in an order of its own); a creation shows only what was set
  const rank = (f) => (FIELDS.includes(f) ? FIELDS.indexOf(f) : FIELDS.length);
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((f) => entry.before || (after[f] !== null && after[f] !== undefined))
    .sort((a, b) => rank(a) - rank(b));
  if (fields.length === 0) return '–';
  return fields.map((f) => (entry.before ? `${f}: ${shown(f, before[f])} → ${shown(f, after[f])}` : `${f}: ${shown(f, after[f])}`))
    .join(', ');
}

function targetCell(target) {
  const product = products.find((p) => p.id === target);
  if (product) return el('td', {}, el('a', {href: `/sale.html?id=${product.id}`, title: product.id, text: product.name}));
  return el('td', {class: 'mono', text: target || '–'});
}

function logRow(entry) {
  return el('tr', {'data-entry': String(entry.id)},
    el('td', {text: new Date(entry.at).toLocaleString(undefined, {dateStyle: 'short', timeStyle: 'medium'})}),
    el('td', {text: entry.actor}),
    el('td', {class: 'mono', text: entry.sourceAddress}),
    el('th', {scope: 'row'}, entry.action, ' ',
      el('span', {class: {ok: 'holds', refused: 'broken', failed: 'broken'}[entry.outcome], text: entry.outcome})),
    targetCell(entry.target),
    el('td', {class: 'change', text: changeText(entry)}));
}

async function loadAuditLog(older = false) {
  const request = ++logRequest;
  const answer = await call(`/admin/audit-log?limit=${LOG_PAGE}${older && logBefore ? `&before=${logBefore}` : ''}`);
  if (request !== logRequest) return;
  if (!answer.ok) { $('audit-log').replaceChildren(el('p', {class: 'notice bad', text: answer.message})); return; }
  const rows = answer.data.entries.map(logRow);
  if (older && $('audit-log-body')) {
    $('audit-log-body').append(...rows);
  } else {
    $('audit-log').replaceChildren(rows.length === 0 ? el('p', {class: 'empty', text: 'Nothing recorded yet.'}) :
      el('table', {id: 'audit-log-table'},
        el('caption', {class: 'visually-hidden', text: 'Audit log, newest first'}),
        el('thead', {}, el('tr', {}, ['Time', 'Who', 'From', 'Action', 'Target', 'Before → after']
          .map((h) => el('th', {scope: 'col', text: h})))),
        el('tbody', {id: 'audit-log-body'}, rows)));
  }
  logBefore = answer.data.nextBefore;
  $('log-older').hidden = logBefore === null;
}

// ---- start ---------------------------------------------------------------------------------

const me = await header();
if (!me.admin) {
  $('message').className = 'notice info';
  $('message').replaceChildren('The admin console needs the admin key. ',
    el('a', {href: '/signin.html?admin&next=/admin.html', text: 'Sign in as admin'}), '.');
} else {
  $('console').hidden = false;
  for (const hint of document.querySelectorAll('[data-time-zone]')) hint.textContent = `In your time zone: ${timeZone()}.`;
  $('product-form').addEventListener('submit', submit);
  $('f-cancel').addEventListener('click', resetForm);
  $('refresh').addEventListener('click', () => { loadSales(); loadOutbox(); });
  $('retry-all').addEventListener('click', () => retry(null));
  $('run-audit').addEventListener('click', runAudit);
  $('run-reconciler').addEventListener('click', runReconciler);
  $('chart-sale').addEventListener('change', (event) => watch(event.target.value));
  $('log-reload').addEventListener('click', () => loadAuditLog());
  $('log-older').addEventListener('click', () => loadAuditLog(true));
  $('holds-sale').addEventListener('change', loadHolds);
  $('holds-refresh').addEventListener('click', loadHolds);
  await loadSales();
  loadHolds();
  loadAuditLog();
  loadOutbox();
  const last = await call('/admin/reconciler');
  showReport(last.ok ? last.data : null);
  runAudit();
  setInterval(sample, 1000);
  setInterval(() => { if (!document.hidden) { loadSales(); loadOutbox(); loadHolds(); } }, 5000);
  window.addEventListener('resize', () => plot && plot.setSize({width: $('chart').clientWidth, height: 280}));
}
