// Who is signed in, shown in the page header of every page.
import {call} from './api.js';

let current;

/** The session: {signedIn, userId, admin, signIn: {byName, admin}}. */
export async function session() {
  if (!current) {
    const answer = await call('/session');
    current = answer.ok ? answer.data : {signedIn: false, signIn: {byName: false, admin: false}};
  }
  return current;
}

export async function signOut() {
  await call('/session', {method: 'DELETE'});
  current = undefined;
  location.href = '/';
}

/** Fills the header's "who" slot and shows the admin link to admins. */
export async function header() {
  const me = await session();
  const who = document.getElementById('who');
  const adminLink = document.getElementById('nav-admin');
  if (adminLink) adminLink.hidden = !me.admin;
  if (!who) return me;
  who.replaceChildren();
  if (me.signedIn) {
    const name = document.createElement('span');
    name.id = 'who-name';
    name.textContent = `Signed in as ${me.userId}`;
    const out = document.createElement('button');
    out.type = 'button';
    out.textContent = 'Sign out';
    out.addEventListener('click', signOut);
    who.append(name, out);
  } else {
    const link = document.createElement('a');
    link.href = '/signin.html?next=' + encodeURIComponent(location.pathname + location.search);
    link.textContent = 'Sign in';
    who.append(link);
  }
  return me;
}
