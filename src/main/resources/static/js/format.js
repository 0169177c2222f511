// Formatting shared by the pages.

const money = new Intl.NumberFormat(undefined, {style: 'currency', currency: 'USD'});

export function price(value) {
  return money.format(Number(value));
}

/** "2 d 03:04:05", "03:04:05" or "04:05" for a positive number of milliseconds. */
export function duration(ms) {
  let s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const two = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${two(h)}:${two(m)}:${two(s)}`;
  if (h > 0) return `${two(h)}:${two(m)}:${two(s)}`;
  return `${two(m)}:${two(s)}`;
}

/** "9:59" or "1:02:03" (h:mm:ss from an hour) for a positive number of milliseconds: time left to pay. */
export function clock(ms) {
  let s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/**
 * Seconds of an ISO-8601 duration as the API writes it ("PT10M", "PT1H30M", "P1DT2H", "PT1.5S"),
 * or NaN when the text is not one.
 */
export function isoSeconds(text) {
  const trimmed = String(text).trim();
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(trimmed);
  if (!match || /^P$|T$/i.test(trimmed)) return NaN; // "P" and "PT" alone name no duration
  const [, d = 0, h = 0, m = 0, s = 0] = match;
  return Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** Whole seconds as Java's Duration writes them: 90 → "PT1M30S", 3600 → "PT1H", 86400 → "PT24H". */
export function isoDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (seconds === 0) return 'PT0S';
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
}

/** A payment window in words: "PT10M" → "10 minutes", "PT1H30M" → "1 hour 30 minutes"; '' for none. */
export function windowText(iso) {
  if (iso === null || iso === undefined || iso === '') return '';
  const seconds = typeof iso === 'number' ? iso : isoSeconds(iso);
  if (!Number.isFinite(seconds)) return String(iso);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  const part = (n, unit) => (n ? `${n} ${unit}${n === 1 ? '' : 's'}` : '');
  return [part(h, 'hour'), part(m, 'minute'), part(s, 'second')].filter(Boolean).join(' ') || '0 seconds';
}

/** A time of day with seconds, for deadlines minutes away: "14:03:12". */
export function timeOfDay(iso) {
  return iso ? new Date(iso).toLocaleTimeString(undefined, {timeStyle: 'medium'}) : '';
}

/** "1 sale", "3 sales". */
export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** This browser's time zone, as datetime-local inputs use it: "Europe/Berlin (UTC+01:00)". */
export function timeZone(at = new Date()) {
  const minutes = -at.getTimezoneOffset();
  const two = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const offset = `UTC${minutes < 0 ? '−' : '+'}${two(minutes / 60)}:${two(minutes % 60)}`;
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return name ? `${name} (${offset})` : offset;
}

export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'}) : '';
}

/** The value a datetime-local input shows for an instant, in the browser's time zone. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : undefined;
}

/** Text for a sale's state and what is left of its window. */
export function stateLabel(sale, now) {
  if (sale.status === 'upcoming') return `Starts in ${duration(Date.parse(sale.saleStartAt) - now)}`;
  if (sale.status === 'active') return sale.soldOut ? 'Sold out' : `Ends in ${duration(Date.parse(sale.saleEndAt) - now)}`;
  return 'Ended';
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

/** A stock bar: remaining of total, with the numbers in words for screen readers. */
export function stockMeter(remaining, total) {
  const pct = total > 0 ? Math.round((remaining / total) * 100) : 0;
  const fill = el('div', {class: 'fill' + (pct <= 10 ? ' low' : '')});
  fill.style.width = pct + '%';
  return el('div', {class: 'meter'},
    el('div', {class: 'track', role: 'progressbar', 'aria-label': 'Remaining stock', 'aria-valuemin': '0',
      'aria-valuemax': String(total), 'aria-valuenow': String(remaining),
      'aria-valuetext': `${remaining} of ${total} left`}, fill),
    el('div', {class: 'label'}, el('span', {text: `${remaining} of ${total} left`}), el('span', {text: `${pct}%`})));
}
