// The shop's one way to the server: the same public and admin JSON API any client uses.
// The session travels in an HttpOnly cookie the browser sends by itself.

const BASE = '/api/v1';

/** Plain words for the API's problem codes. */
const WORDS = {
  SOLD_OUT: 'Sold out: every unit has been taken.',
  INSUFFICIENT_STOCK: 'Not enough units are left for that quantity.',
  ALREADY_PURCHASED: 'You have already bought this item.',
  ADDRESS_LIMIT_REACHED: 'Your network has already bought as many of these as one network may.',
  PURCHASE_TOKEN_REQUIRED: 'Your browser could not prepare the purchase. Please try again.',
  PURCHASE_TOKEN_INVALID: 'The purchase preparation ran out. Please try again.',
  CHALLENGE_REQUIRED: 'Your browser could not prepare the purchase. Please try again.',
  CHALLENGE_FAILED: 'Your browser could not prepare the purchase. Please try again.',
  SALE_NOT_STARTED: 'The sale has not started yet.',
  SALE_ENDED: 'The sale has ended.',
  PRODUCT_NOT_FOUND: 'This sale does not exist.',
  UNAUTHENTICATED: 'Please sign in first.',
  FORBIDDEN: 'You are not allowed to do that.',
  INVENTORY_CONFLICT: 'Someone took that unit at the same moment. Please try again.',
  QUANTITY_ABOVE_LIMIT: 'That is more than one person may buy.',
  ORDER_NOT_AWAITING_PAYMENT: 'This order is no longer awaiting payment.',
  ORDER_NOT_FOUND: 'This order was not found among yours.',
  RATE_LIMITED: 'Too many attempts from here. Please wait a moment and try again.',
};

/**
 * Calls the API. Resolves to {ok, status, data, code, message, detail, errors} and never throws
 * (`message` in a shopper's words, `detail` the API's own):
 * a network failure is {ok: false, status: 0} with a message a shopper can act on.
 */
export async function call(path, {method = 'GET', body} = {}) {
  const init = {method, headers: {Accept: 'application/json'}, credentials: 'same-origin'};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path, init);
  } catch {
    return {ok: false, status: 0, code: 'NETWORK', message: 'Could not reach the shop. Check your connection and try again.'};
  }
  let json = null;
  if (response.status !== 204) {
    try { json = await response.json(); } catch { json = null; }
  }
  if (response.ok) {
    return {ok: true, status: response.status, data: json ? json.data : null, date: response.headers.get('Date')};
  }
  const code = json && json.code;
  let message = WORDS[code] || (json && (json.message || json.detail)) || `The shop answered ${response.status}.`;
  const wait = Number(response.headers.get('Retry-After'));
  if (response.status === 429 && wait > 0) {
    message = `Too many attempts from here. Please wait ${wait} second${wait === 1 ? '' : 's'} and try again.`;
  }
  if (response.status === 503) {
    message = 'The shop is very busy or briefly unavailable. Nothing was charged; please try again in a moment.';
  }
  return {ok: false, status: response.status, code, message, detail: (json && json.message) || message,
    errors: (json && json.errors) || []};
}

/**
 * A bad field's message as a sentence: from the problem's `errors` when it lists the field, else
 * from a message of the form "field: text"; undefined when the answer does not name the field.
 */
export function fieldMessage(answer, field) {
  const listed = (answer.errors || []).find((e) => e.field === field);
  const match = /^(\w+): (.*)$/.exec(answer.detail || '');
  const text = listed ? listed.message : match && match[1] === field ? match[2] : undefined;
  return text && sentence(text);
}

/** "must be at least 1" → "Must be at least 1." */
export function sentence(text) {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}

export function wordsFor(code) {
  return WORDS[code];
}
