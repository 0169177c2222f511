// A sale: countdown, live stock (server-sent events) and a buy button whose state is always right.
import {call} from './api.js';
import {follow} from './live.js';
import {header} from './session.js';
import {duration, el, price, stockMeter} from './format.js';

const id = new URLSearchParams(location.search).get('id') || '';
const $ = (name) => document.getElementById(name);
const button = $('buy');
const outcome = $('outcome');
const announce = el('p', {class: 'visually-hidden', 'aria-live': 'polite', id: 'announce'});
document.body.append(announce);

let sale = null;        // the sale as the server last described it
let offset = 0;         // server clock minus this browser's clock
let me = {signedIn: false};
let order = null;       // the caller's order, once bought
let processing = false;
let preparing = false;  // earning a gated sale's purchase token first
let lastState = null;

function now() {
  return Date.now() + offset;
}

/** The sale's state right now, by the server's clock: the countdown opens it without waiting for the server. */
function status() {
  const t = now();
  if (t < Date.parse(sale.saleStartAt)) return 'upcoming';
  if (t >= Date.parse(sale.saleEndAt)) return 'ended';
  return 'active';
}

/** [state, label] of the buy button. */
function buttonState() {
  if (!sale) return ['loading', 'Loading…'];
  if (order) return ['bought', 'Bought ✓'];
  if (processing) return preparing ? ['preparing', 'Preparing…'] : ['processing', 'Processing…'];
  const s = status();
  if (s === 'ended') return ['ended', 'Sale ended'];
  if (s === 'upcoming') return ['upcoming', 'Not started yet'];
  if (sale.availableQuantity <= 0) return ['soldout', 'Sold out'];
  if (!me.signedIn) return ['signin', 'Sign in to buy'];
  return ['buy', `Buy now · ${price(sale.price)}`];
}

const SPOKEN = {
  buy: 'The sale is open.', soldout: 'The sale is sold out.', ended: 'The sale has ended.', upcoming: 'The sale has not started yet.',
};

function render() {
  const s = status();
  const [state, label] = buttonState();
  button.dataset.state = state;
  button.textContent = label;
  button.disabled = !(state === 'buy' || state === 'signin');
  button.setAttribute('aria-busy', state === 'processing' || state === 'preparing' ? 'true' : 'false');
  if (state !== lastState && lastState !== null && lastState !== 'loading' && SPOKEN[state]) announce.textContent = SPOKEN[state];
  lastState = state;

  const soldOut = s === 'active' && sale.availableQuantity <= 0;
  const badge = $('badge');
  badge.className = 'badge ' + (soldOut ? 'soldout' : s);
  badge.textContent = soldOut ? 'Sold out' : {active: 'Live', upcoming: 'Coming soon', ended: 'Ended'}[s];
  const countdown = $('countdown');
  if (s === 'upcoming') {
    countdown.replaceChildren('Starts in ', el('strong', {text: duration(Date.parse(sale.saleStartAt) - now())}));
  } else if (s === 'active') {
    countdown.replaceChildren('Ends in ', el('strong', {text: duration(Date.parse(sale.saleEndAt) - now())}));
  } else {
    countdown.textContent = 'This sale has ended.';
  }
}

function show(next) {
  sale = next;
  document.title = `${sale.productName} · Flash Sale`;
  $('name').textContent = sale.productName;
  $('description').textContent = sale.description || '';
  $('price').textContent = price(sale.price);
  $('visual').textContent = sale.productName.trim().charAt(0).toUpperCase();
  $('stock').replaceChildren(stockMeter(sale.availableQuantity, sale.totalQuantity));
  $('limit').textContent = sale.perUserLimit === 1 ? 'One per customer.' : `Up to ${sale.perUserLimit} per customer.`;
  $('sale').hidden = false;
  render();
}

function tell(kind, ...content) {
  outcome.className = `notice ${kind}`;
  outcome.replaceChildren(...content);
}

function bought(o) {
  order = o;
  tell('ok', 'Order confirmed. Order number ', el('code', {id: 'order-id', text: o.orderId}), '. ',
    el('a', {href: '/orders.html', text: 'See my orders'}));
  render();
}

/** Leading zero bits of a hash. */
function zeroBits(bytes) {
  let bits = 0;
  for (const b of bytes) {
    if (b !== 0) return bits + Math.clz32(b) - 24;
    bits += 8;
  }
  return bits;
}

/** The first nonce such that SHA-256(challenge ":" nonce) starts with `difficulty` zero bits, hashed a batch at a time. */
async function solve(challenge, difficulty) {
  const encoder = new TextEncoder();
  const BATCH = 512;
  for (let start = 0; ; start += BATCH) {
    const hashes = await Promise.all(Array.from({length: BATCH}, (_, i) =>
      crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${start + i}`))));
    const found = hashes.findIndex((hash) => zeroBits(new Uint8Array(hash)) >= difficulty);
    if (found >= 0) return String(start + found);
  }
}

/** A gated sale's single-use purchase token: solve the sale's challenge (if it has a difficulty), then ask for the token. */
async function purchaseToken() {
  const challenge = await call(`/sale/challenge/${encodeURIComponent(id)}`);
  if (!challenge.ok) return challenge;
  const body = {productId: id};
  if (challenge.data.difficulty > 0) {
    if (!globalThis.crypto || !crypto.subtle) { // Web Crypto exists only on HTTPS (and localhost)
      return {ok: false, message: 'This page needs a secure (https) connection to prepare the purchase.'};
    }
    body.challenge = challenge.data.challenge;
    body.nonce = await solve(challenge.data.challenge, challenge.data.difficulty);
  }
  return call('/sale/purchase-token', {method: 'POST', body});
}

async function buy() {
  if (button.dataset.state === 'signin') {
    location.href = '/signin.html?next=' + encodeURIComponent(location.pathname + location.search);
    return;
  }
  processing = true;
  const body = {productId: id, quantity: 1};
  if (sale.gated) {
    preparing = true;
    tell('info', 'Preparing…');
    render();
    const ticket = await purchaseToken();
    preparing = false;
    if (!ticket.ok) {
      processing = false;
      tell('bad', ticket.message);
      render();
      return;
    }
    body.purchaseToken = ticket.data.purchaseToken;
  }
  tell('info', 'Placing your order…');
  render();
  const answer = await call('/sale/purchase', {method: 'POST', body});
  processing = false;
  if (answer.ok) {
    bought(answer.data);
    return;
  }
  switch (answer.code) {
    case 'SOLD_OUT':
    case 'INSUFFICIENT_STOCK':
      sale = {...sale, availableQuantity: 0, soldOut: true};
      show(sale);
      break;
    case 'ALREADY_PURCHASED': {
      const mine = await call(`/sale/user/status?productId=${encodeURIComponent(id)}`);
      if (mine.ok && mine.data.order) { bought(mine.data.order); return; }
      break;
    }
    case 'UNAUTHENTICATED':
      me = {signedIn: false};
      break;
    default:
      break;
  }
  tell('bad', answer.message);
  render();
}

async function start() {
  me = await header();
  const first = await call(`/sale/status/${encodeURIComponent(id)}`);
  if (!first.ok) {
    const message = $('message');
    message.className = 'notice bad';
    message.textContent = first.status === 400 || first.status === 404 ? 'This sale does not exist.' : first.message;
    return;
  }
  if (first.date) offset = Date.parse(first.date) - Date.now();
  show(first.data);
  if (me.signedIn) {
    const mine = await call(`/sale/user/status?productId=${encodeURIComponent(id)}`);
    if (mine.ok && mine.data.order) bought(mine.data.order);
  }
  follow(id, (update, serverTime) => {
    if (serverTime) offset = Date.parse(serverTime) - Date.now();
    show(update);
  }, (note) => {
    const line = $('live-note');
    line.textContent = note;
    line.hidden = !note;
  });
  button.addEventListener('click', buy);
  setInterval(render, 250);
}

start();
