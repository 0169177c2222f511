// The shop: sales live now and coming up. The list is fetched again every 15 seconds (one request;
// the sale page has the live stream).
import {call} from './api.js';
import {header} from './session.js';
import {el, price, stateLabel, stockMeter} from './format.js';

let sales = [];
let bought = new Set(); // the signed-in shopper's products (from their orders)
let held = new Set(); // their products with an order awaiting payment
let offset = 0; // server clock minus this browser's clock, from the Date header

function card(sale, now) {
  const soldOut = sale.status === 'active' && sale.soldOut;
  const mine = bought.has(sale.productId);
  const badge = soldOut ? ['soldout', 'Sold out'] : sale.status === 'active' ? ['active', 'Live'] : ['upcoming', 'Soon'];
  return el('li', {class: 'card', 'data-product': sale.productId},
    el('span', {class: `badge ${badge[0]}`, text: badge[1]}),
    el('h3', {}, el('a', {href: `/sale.html?id=${sale.productId}`, text: sale.productName})),
    el('p', {class: 'price', text: price(sale.price)}),
    el('p', {class: 'countdown', 'data-countdown': '', text: stateLabel(sale, now)}),
    stockMeter(sale.availableQuantity, sale.totalQuantity),
    el('a', {class: 'more', href: `/sale.html?id=${sale.productId}`},
      mine ? 'Bought ✓ · your order' : held.has(sale.productId) ? 'Reserved · pay to confirm'
        : sale.status === 'active' && !soldOut ? 'Buy now' : 'View sale',
      el('span', {class: 'visually-hidden', text: `: ${sale.productName}`}), ' →'));
}

function render() {
  const now = Date.now() + offset;
  const live = sales.filter((s) => s.status === 'active');
  const upcoming = sales.filter((s) => s.status === 'upcoming');
  const fill = (id, list, empty) => document.getElementById(id)
    .replaceChildren(...(list.length ? list.map((s) => card(s, now)) : [el('li', {class: 'empty', text: empty})]));
  fill('live', live, 'No sale is live right now.');
  fill('upcoming', upcoming, 'Nothing scheduled yet. Check back soon.');
}

function tick() {
  const now = Date.now() + offset;
  let changed = false;
  for (const sale of sales) {
    if (sale.status === 'upcoming' && Date.parse(sale.saleStartAt) <= now) { sale.status = 'active'; changed = true; }
    if (sale.status === 'active' && Date.parse(sale.saleEndAt) <= now) { sale.status = 'ended'; changed = true; }
  }
  if (changed) { render(); return; }
  document.querySelectorAll('[data-product]').forEach((node) => {
    const sale = sales.find((s) => s.productId === node.dataset.product);
    if (sale) node.querySelector('[data-countdown]').textContent = stateLabel(sale, now);
  });
}

const PAGE = 100;
const MOST_PAGES = 10;

/** Every live and upcoming sale, a page of the API's list at a time (up to 1,000 sales). */
async function allSales() {
  let first = null;
  const sales = [];
  for (let page = 0; page < MOST_PAGES; page++) {
    const answer = await call(`/sale/products?limit=${PAGE}&offset=${page * PAGE}`);
    if (!answer.ok) return answer;
    first = first || answer;
    sales.push(...answer.data);
    if (answer.data.length < PAGE) break;
  }
  return {...first, data: sales};
}

async function load() {
  const [answer, orders] = await Promise.all([allSales(),
    me.signedIn ? call('/sale/user/orders') : Promise.resolve(null)]);
  if (orders && orders.ok) {
    bought = new Set(orders.data.filter((o) => o.status === 'completed').map((o) => o.productId));
    held = new Set(orders.data.filter((o) => o.status === 'awaiting_payment').map((o) => o.productId));
  }
  const message = document.getElementById('message');
  if (!answer.ok) {
    message.className = 'notice bad';
    message.textContent = answer.message;
    return;
  }
  message.textContent = '';
  if (answer.date) offset = Date.parse(answer.date) - Date.now();
  sales = answer.data;
  render();
}

const me = await header();
load();
setInterval(load, 15000);
setInterval(tick, 1000);
