// A sale: countdown, live stock (server-sent events) and a buy button whose state is always right.
// Of a sale with a payment window, a purchase is an order awaiting payment: the page counts down to
// its deadline and offers to pay (local mode's demo provider) or cancel.
import {call} from './api.js';
import {follow} from './live.js';
import {header} from './session.js';
import {clock, duration, el, price, stockMeter, timeOfDay, windowText} from './format.js';

const id = new URLSearchParams(location.search).get('id') || '';
const $ = (name) => document.getElementById(name);
const button = $('buy');
const outcome = $('outcome');
const payButton = $('pay');
const cancelButton = $('cancel-order');
const announce = el('p', {class: 'visually-hidden', 'aria-live': 'polite', id: 'announce'});
document.body.append(announce);

let sale = null;        // the sale as the server last described it
let offset = 0;         // server clock minus this browser's clock
let me = {signedIn: false};
let order = null;       // the caller's order, once bought: completed, or awaiting payment until its payBy
let processing = false;
let preparing = false;  // earning a gated sale's purchase token first
let lastState = null;
let paying = false;     // a payment of the order is on its way
let cancelling = false; // a cancellation of it is
let checking = false;   // the deadline has passed: asking the server what became of the order
let lastCheck = 0;      // when it last asked (this browser's clock)
let warnedLastMinute = false;

// The demo payment endpoint exists in local mode only; once it answered NOT_FOUND, the Pay button
// stays away for this tab (sessionStorage), as it would only fail again.
const DEMO_OFF = 'flashsale.demoPaymentsOff';
let demoPayments = true;
try { demoPayments = sessionStorage.getItem(DEMO_OFF) !== '1'; } catch { /* storage off: ask each time */ }

function awaiting() {
  return order !== null && order.status === 'awaiting_payment';
}

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
  if (order) return awaiting() ? ['awaiting', 'Reserved · awaiting payment'] : ['bought', 'Bought ✓'];
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
  renderHold();
}

/** The order awaiting payment: time left to pay, Pay and Cancel; at the deadline, what became of it. */
function renderHold() {
  $('hold').hidden = !awaiting();
  if (!awaiting()) return;
  const left = Date.parse(order.payBy) - now();
  const open = left > 0;
  if (open || paying || cancelling) {
    $('pay-within').replaceChildren('Pay within ', el('strong', {text: clock(left)}));
  } else {
    $('pay-within').textContent = 'The payment window has ended. Checking your order…';
  }
  $('pay-by').textContent = `Unpaid by ${timeOfDay(order.payBy)}, the order expires and the unit goes back on sale.`;
  payButton.hidden = !demoPayments || !(open || paying);
  payButton.disabled = !open || paying || cancelling;
  payButton.setAttribute('aria-busy', paying ? 'true' : 'false');
  payButton.textContent = paying ? 'Paying…' : `Pay ${price(order.total)}`;
  cancelButton.hidden = !(open || cancelling);
  cancelButton.disabled = !open || paying || cancelling;
  cancelButton.setAttribute('aria-busy', cancelling ? 'true' : 'false');
  cancelButton.textContent = cancelling ? 'Cancelling…' : 'Cancel order';
  $('pay-elsewhere').hidden = demoPayments;
  if (open && left <= 60000 && !warnedLastMinute) {
    warnedLastMinute = true;
    announce.textContent = 'Less than a minute left to pay.';
  }
  if (!open && !paying && !cancelling && !checking && Date.now() - lastCheck >= 1000) check();
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
  const payWindow = windowText(sale.holdFor);
  $('window-note').textContent = payWindow
    ? `Once bought, you have ${payWindow} to pay; unpaid, the unit goes back on sale.` : '';
  $('window-note').hidden = !payWindow;
  $('sale').hidden = false;
  render();
}

function tell(kind, ...content) {
  outcome.className = `notice ${kind}`;
  outcome.replaceChildren(...content);
}

/** The caller's order of this sale, completed or awaiting payment. */
function bought(o, lead = 'Order confirmed.', after = '') {
  order = o;
  warnedLastMinute = false;
  const number = el('code', {id: 'order-id', text: o.orderId});
  if (awaiting()) {
    tell('info', 'Reserved for you: order number ', number, '. It is yours once paid.');
  } else {
    tell('ok', `${lead} Order number `, number, '. ', el('a', {href: '/orders.html', text: 'See my orders'}), after);
  }
  render();
}

/** The order awaiting payment came to an end: paid, expired or cancelled (refund: this payment is given back). */
function settled(status, {refund = false} = {}) {
  if (status === 'completed') {
    const done = {...order, status: 'completed'};
    if (refund) bought(done, 'Already paid: order confirmed.', '. This second payment will be refunded.');
    else bought(done, 'Paid: order confirmed.');
    return;
  }
  const then = refund ? ' Your payment will be refunded.' : '';
  order = null;
  if (status === 'expired') {
    tell('warn', `The payment window ended: your hold expired and the unit went back on sale.${then}`);
  } else {
    tell('info', `Order cancelled: the unit went back on sale.${then}`);
  }
  render();
}

/** After the deadline: the server expires the order within moments; the caller's orders say how it ended. */
async function check() {
  checking = true;
  lastCheck = Date.now();
  const answer = await call('/sale/user/orders');
  checking = false;
  if (!answer.ok || !awaiting()) return;
  const mine = answer.data.find((o) => o.orderId === order.orderId);
  if (mine && mine.status !== 'awaiting_payment') settled(mine.status);
}

async function pay() {
  if (!awaiting() || paying || cancelling) return;
  paying = true;
  render();
  const answer = await call(`/sale/user/orders/${encodeURIComponent(order.orderId)}/demo-payment`, {method: 'POST'});
  paying = false;
  if (!answer.ok) {
    if (answer.code === 'NOT_FOUND') { // no demo provider here: the shop's payment provider takes payment
      demoPayments = false;
      try { sessionStorage.setItem(DEMO_OFF, '1'); } catch { /* storage off */ }
      tell('info', 'Payment is taken by the shop\'s payment provider, not on this page.');
    } else {
      tell('bad', answer.message);
      lastCheck = 0; // past the deadline, the order may have ended meanwhile: ask at once
    }
    render();
    return;
  }
  switch (answer.data.outcome) {
    case 'paid': settled('completed'); break;
    case 'late': settled('expired', {refund: true}); break;
    case 'cancelled': settled('cancelled', {refund: true}); break;
    case 'already_paid': settled('completed', {refund: true}); break;
    case 'amount_mismatch':
      tell('bad', 'The payment was not for the order\'s amount and will be refunded; the order still awaits its payment.');
      render();
      break;
    default:
      tell('bad', 'The payment did not go through.');
      render();
  }
}

async function cancelOrder() {
  if (!awaiting() || paying || cancelling) return;
  cancelling = true;
  render();
  const answer = await call(`/sale/user/orders/${encodeURIComponent(order.orderId)}/cancel`, {method: 'POST'});
  cancelling = false;
  if (answer.ok) {
    settled('cancelled');
    return;
  }
  tell('bad', answer.message);
  render();
  if (answer.code === 'ORDER_NOT_AWAITING_PAYMENT') await check(); // paid or expired meanwhile: say which
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
  if (button.dataset.state !== 'buy' && button.dataset.state !== 'signin') return;
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
  // listening before the first render: a button that shows "Buy now" answers the click at once
  button.addEventListener('click', buy);
  payButton.addEventListener('click', pay);
  cancelButton.addEventListener('click', cancelOrder);
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
  setInterval(render, 250);
}

start();
