// Sign-in: by name (demo shops only) or with the admin key. Shows only what this shop offers.
import {call, fieldMessage, sentence} from './api.js';
import {header} from './session.js';

const params = new URLSearchParams(location.search);

/**
 * Only a page on this site: `next` is resolved as the browser would resolve it (which also turns
 * `/\host` and `/<tab>/host` into another site) and kept only if it stays on this origin.
 */
function next(fallback) {
  const target = params.get('next');
  if (!target) return fallback;
  let url;
  try {
    url = new URL(target, location.origin);
  } catch {
    return fallback;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
}

function showError(input, message) {
  const error = document.getElementById(input.id + '-error');
  error.textContent = message || '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  if (message) input.focus();
}

function hook(formId, input, path, field, fallback) {
  document.getElementById(formId).addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) { showError(input, 'Please fill this in.'); return; }
    showError(input, '');
    const button = event.target.querySelector('button[type=submit]');
    button.disabled = true;
    const answer = await call(path, {method: 'POST', body: {[field]: value}});
    button.disabled = false;
    if (answer.ok) {
      location.href = next(fallback(answer.data));
    } else {
      // the API's own words where they name the problem (a wrong admin key is not "please sign in")
      showError(input, fieldMessage(answer, field) || (answer.status === 401 ? sentence(answer.detail) : answer.message));
    }
  });
}

const me = await header();
const byName = document.getElementById('by-name');
const asAdmin = document.getElementById('as-admin');
byName.hidden = !me.signIn.byName;
asAdmin.hidden = !me.signIn.admin;
document.getElementById('none').hidden = me.signIn.byName || me.signIn.admin;
if (me.signedIn) {
  const message = document.getElementById('message');
  message.className = 'notice info';
  message.textContent = `You are signed in as ${me.userId}. Signing in again replaces that session.`;
}
hook('name-form', document.getElementById('name'), '/session', 'name', () => '/');
hook('admin-form', document.getElementById('key'), '/session/admin', 'key', () => '/admin.html');
if (params.has('admin') && !asAdmin.hidden) document.getElementById('key').focus();
else if (!byName.hidden) document.getElementById('name').focus();
