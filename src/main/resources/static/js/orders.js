// My orders: the signed-in shopper's orders, newest first, with where each stands.
import {call} from './api.js';
import {header} from './session.js';
import {dateTime, el, price, timeOfDay} from './format.js';

/** An order's status in words; one awaiting payment with its deadline and the way to pay it. */
function statusCell(o) {
  const cell = (cls, ...content) => el('td', {'data-label': 'Status'}, el('span', {class: cls}, ...content));
  switch (o.status) {
    case 'completed': return el('td', {'data-label': 'Status', text: 'Confirmed'});
    case 'awaiting_payment': return el('td', {'data-label': 'Status'}, el('span', {},
      el('span', {class: 'status-awaiting', text: 'Awaiting payment'}), ` · pay by ${timeOfDay(o.payBy)} · `,
      el('a', {href: `/sale.html?id=${o.productId}`}, 'Pay now',
        el('span', {class: 'visually-hidden', text: `: ${o.productName || 'removed product'}`}))));
    case 'expired': return cell('status-ended', 'Expired: not paid in time');
    case 'cancelled': return cell('status-ended', 'Cancelled');
    default: return el('td', {'data-label': 'Status', text: o.status});
  }
}

const box = document.getElementById('orders');
const me = await header();
if (!me.signedIn) {
  box.replaceChildren(el('p', {}, 'Sign in to see your orders. ',
    el('a', {href: '/signin.html?next=/orders.html', text: 'Sign in'})));
} else {
  const answer = await call('/sale/user/orders');
  if (!answer.ok) {
    box.replaceChildren(el('p', {class: 'notice bad', text: answer.message}));
  } else if (answer.data.length === 0) {
    box.replaceChildren(el('p', {class: 'empty'}, 'No orders yet. ', el('a', {href: '/', text: 'Browse the sales'}), '.'));
  } else {
    box.replaceChildren(el('table', {id: 'orders-table', class: 'stack'},
      el('caption', {class: 'visually-hidden', text: 'Your orders'}),
      el('thead', {}, el('tr', {},
        ['Product', 'Quantity', 'Total', 'Status', 'Ordered', 'Order number'].map((h, i) =>
          el('th', {scope: 'col', class: i === 1 || i === 2 ? 'num' : undefined, text: h})))),
      el('tbody', {}, answer.data.map((o) => el('tr', {'data-order': o.orderId, 'data-status': o.status},
        el('td', {'data-label': 'Product'}, el('a', {href: `/sale.html?id=${o.productId}`, text: o.productName || 'Removed product'})),
        el('td', {class: 'num', 'data-label': 'Quantity', text: String(o.quantity)}),
        el('td', {class: 'num', 'data-label': 'Total', text: price(o.total)}),
        statusCell(o),
        el('td', {'data-label': 'Ordered', text: dateTime(o.purchasedAt)}),
        el('td', {'data-label': 'Order number'}, el('code', {text: o.orderId})))))));
  }
}
