// A sale's live updates: the server's event stream, or, when the server refuses a stream (too many
// open from this address, or the server holds all it may) or it cannot be kept, polling the status
// every few seconds, with a fresh try of the stream now and then.

import {call} from './api.js';

const POLL_EVERY_MS = 3000;
const RETRY_STREAM_AFTER_MS = 60000;

/**
 * Follows a sale. onSale(sale, serverTime) gets every update; onNote(text) a plain-words line when
 * updates come by polling ('' once the stream is back). Returns a function that stops following.
 */
export function follow(productId, onSale, onNote = () => {}) {
  let stream = null;
  let poller = null;
  let retry = null;
  let stopped = false;

  function open() {
    stream = new EventSource(`/api/v1/sale/stream/${encodeURIComponent(productId)}`);
    stream.addEventListener('sale', (event) => {
      const update = JSON.parse(event.data);
      if (poller) { clearInterval(poller); poller = null; onNote(''); }
      onSale(update.sale, update.serverTime);
    });
    stream.addEventListener('error', () => {
      // while the browser reconnects by itself, nothing to do; once it gave up (a refusal), poll
      if (stream.readyState === EventSource.CLOSED && !stopped) fallBack();
    });
  }

  function fallBack() {
    onNote('Live updates are busy right now: this page refreshes every few seconds instead.');
    if (!poller) poller = setInterval(poll, POLL_EVERY_MS);
    poll();
    clearTimeout(retry);
    retry = setTimeout(() => { if (!stopped) open(); }, RETRY_STREAM_AFTER_MS);
  }

  async function poll() {
    const answer = await call(`/sale/status/${encodeURIComponent(productId)}`);
    if (answer.ok && !stopped) onSale(answer.data, answer.date ? new Date(answer.date).toISOString() : null);
  }

  open();
  return () => {
    stopped = true;
    if (stream) stream.close();
    clearInterval(poller);
    clearTimeout(retry);
  };
}
