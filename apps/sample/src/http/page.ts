import { STATUS_TRANSITIONS, TASK_STATUSES } from '@flowra/domain';

/**
 * The one page: the board, live. Plain HTML and a script, no build step. It reads the board,
 * then follows `/events` from the board's position and re-reads the board (asking for at least
 * that position) whenever an event arrives. Tenant and user come from `?tenant=&user=`.
 */
export const PAGE_HTML = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flowra board</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; background: #f6f7f9; }
  header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 1.3rem; margin: 0; }
  #live { font-size: 0.85rem; color: #777; }
  #live.on { color: #1a7f37; }
  form { margin: 1rem 0; display: flex; gap: 0.5rem; }
  input[name=title] { flex: 0 1 24rem; }
  #message { min-height: 1.2em; color: #b42318; }
  #board { display: grid; grid-template-columns: repeat(5, minmax(10rem, 1fr)); gap: 0.75rem; }
  section { background: #eceef2; border-radius: 6px; padding: 0.5rem; }
  h2 { font-size: 0.9rem; margin: 0 0 0.5rem; text-transform: uppercase; color: #555; }
  ul { list-style: none; margin: 0; padding: 0; }
  li { background: #fff; border-radius: 4px; padding: 0.5rem; margin-bottom: 0.5rem; box-shadow: 0 1px 2px #0002; }
  .meta { color: #666; font-size: 0.8rem; }
  li button { font-size: 0.75rem; margin: 0.25rem 0.25rem 0 0; }
</style>
</head>
<body>
<header>
  <h1>Flowra task board</h1>
  <span id="who"></span>
  <span id="live">connecting…</span>
</header>
<form id="create">
  <input name="title" placeholder="What needs doing?" required maxlength="200" aria-label="Title">
  <select name="type" aria-label="Type"><option>Task</option><option>Bug</option><option>Epic</option></select>
  <button>Create</button>
</form>
<p id="message" role="status"></p>
<main id="board"></main>
<script type="module">
const STATUSES = ${JSON.stringify(TASK_STATUSES)};
const NEXT = ${JSON.stringify(STATUS_TRANSITIONS)};
const params = new URLSearchParams(location.search);
const tenant = params.get('tenant') || 'demo';
const user = params.get('user') || 'ann';
document.getElementById('who').textContent = 'tenant ' + tenant + ' · acting as ' + user;
const say = (text) => { document.getElementById('message').textContent = text; };

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: { 'X-Tenant-Id': tenant, 'X-User-Id': user, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(json.message || response.statusText), { status: response.status });
  return json;
}

function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function card(c) {
  const item = el('li', undefined, { 'data-chat-id': c.chatId });
  item.append(el('strong', c.title));
  const meta = [c.type, c.priority, c.severity, c.assigneeId && '@' + c.assigneeId, c.dueDate && 'due ' + c.dueDate.slice(0, 10)];
  item.append(el('div', meta.filter(Boolean).join(' · '), { class: 'meta' }));
  for (const status of NEXT[c.status]) {
    const button = el('button', '→ ' + status);
    // The card's version goes back as If-Match: if someone moved it first, the server says 409.
    button.onclick = () => api('PUT', '/chats/' + encodeURIComponent(c.chatId) + '/status', { status }, { 'If-Match': '"' + c.version + '"' })
      .then(() => say(''), (error) => say(error.status === 409 ? 'Someone changed it first; the board is up to date now.' : error.message));
    item.append(button);
  }
  return item;
}

let position = 0;
function render(board) {
  position = Math.max(position, board.position);
  const root = document.getElementById('board');
  root.replaceChildren(...board.columns.map((column) => {
    const section = el('section', undefined, { 'data-status': column.status });
    section.append(el('h2', column.status.replace('_', ' ') + ' (' + column.cards.length + ')'));
    const list = el('ul');
    list.append(...column.cards.map(card));
    section.append(list);
    return section;
  }));
  document.body.dataset.position = String(position);
}

// One refresh at a time; events arriving meanwhile fold into the next one.
let refreshing = null;
let wanted = 0;
function refresh(minPosition = 0) {
  wanted = Math.max(wanted, minPosition);
  if (refreshing) return refreshing;
  refreshing = (async () => {
    while (true) {
      const target = wanted;
      render(await api('GET', '/board?minPosition=' + target));
      if (wanted === target) break;
    }
  })().catch((error) => say(error.message)).finally(() => { refreshing = null; });
  return refreshing;
}

document.getElementById('create').onsubmit = async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    await api('POST', '/chats', { workspaceId: 'web', type: form.type.value, title: form.title.value });
    form.title.value = '';
    say('');
  } catch (error) {
    say(error.message);
  }
};

await refresh();
const live = new EventSource('/events?tenant=' + encodeURIComponent(tenant) + '&from=' + position);
const status = document.getElementById('live');
live.onopen = () => { status.textContent = 'live'; status.className = 'on'; };
live.onerror = () => { status.textContent = 'reconnecting…'; status.className = ''; };
live.onmessage = (event) => refresh(Number(event.lastEventId));
document.body.dataset.ready = 'true';
</script>
</body>
</html>
`;
