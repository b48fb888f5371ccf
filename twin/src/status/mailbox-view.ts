/**
 * The status page's mailbox: the messages the twin's SMTP sink wrote (GET /api/mail, newest
 * first) with to, subject and date, and one message's headers and text when its subject is
 * clicked (GET /api/mail/:id). Markup and script for status-page.ts; the script uses the page's
 * `esc`, and puts every message field into the page as text, never as markup.
 */
export function mailboxViewHtml(): string {
  return `<h2>Mailbox</h2>
<div class="box">
  <div class="muted" id="mailinfo">reading the mailbox…</div>
  <table id="mail"></table>
  <div id="mailview" hidden style="margin-top:.75rem;border-top:1px solid #d0d7de;padding-top:.5rem">
    <b id="mailsubject"></b><div class="muted" id="mailhead"></div>
    <pre id="mailtext" style="white-space:pre-wrap;max-height:24rem;overflow:auto;background:#f6f8fa;padding:.5rem"></pre>
  </div>
</div>`;
}

/** The list is the API's default page of newest messages, read again every `refreshMs`. */
export function mailboxViewScript(refreshMs: number): string {
  return `
async function refreshMail() {
  let m;
  try { m = await (await fetch('/api/mail')).json(); } catch { return; }
  document.getElementById('mailinfo').textContent = m.total + (m.total === 1 ? ' message' : ' messages') + ' in ' + m.dir + (m.total > m.messages.length ? ' (newest ' + m.messages.length + ' shown)' : '');
  document.getElementById('mail').innerHTML = '<tr><th>date</th><th>to</th><th>subject</th></tr>' +
    (m.messages.map((x) => '<tr><td>' + esc(x.date ? new Date(x.date).toLocaleString() : '') + '</td><td>' + esc(x.to) + '</td><td><a href="#" data-mail="' + esc(x.id) + '">' + esc(x.subject || '(no subject)') + '</a></td></tr>').join('') ||
     '<tr><td colspan="3" class="muted">no mail yet</td></tr>');
}
async function showMail(id) {
  document.getElementById('mailview').hidden = false;
  const subject = document.getElementById('mailsubject'), head = document.getElementById('mailhead'), text = document.getElementById('mailtext');
  const r = await fetch('/api/mail/' + encodeURIComponent(id));
  const x = await r.json();
  if (!r.ok) { subject.textContent = id; head.textContent = x.message; text.textContent = ''; return; }
  subject.textContent = x.subject || '(no subject)';
  head.textContent = 'from ' + x.from + ' · to ' + x.to + (x.date ? ' · ' + new Date(x.date).toLocaleString() : '') + (x.messageId ? ' · ' + x.messageId : '');
  text.textContent = x.text;
}
document.getElementById('mail').addEventListener('click', (e) => {
  const a = e.target.closest('a[data-mail]');
  if (!a) return;
  e.preventDefault();
  showMail(a.dataset.mail);
});
refreshMail();
setInterval(refreshMail, ${refreshMs});
`;
}
