// The page's only code: it talks to the API on its own origin (the CDN, or `npm run local`) and
// writes answers with textContent only, so nothing an item holds can become markup.

const $ = (id) => document.getElementById(id);

/** Which stage, region, server and caches answered, from the response's headers. */
function showAnsweredBy(response) {
  const header = (name) => response.headers.get(name) || '–';
  $('stage').textContent = header('X-Stage');
  $('region').textContent = header('X-Region');
  $('server').textContent = header('X-Served-By');
  $('data-cache').textContent = header('X-Data-Cache');
  // CloudFront's own header: "Hit from cloudfront", "Miss from cloudfront"; absent without a CDN.
  $('edge-cache').textContent = response.headers.get('X-Cache') || 'no CDN';
}

function showStatus(text, state) {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

/** One request to the API: the response, its text, and its JSON (undefined when it is not JSON). Throws when nothing answers. */
async function request(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { response, text, parsed };
}

async function call(method, path, body) {
  showStatus(`${method} ${path} …`, 'busy');
  let answer;
  try {
    answer = await request(method, path, body);
  } catch (error) {
    showStatus(`${method} ${path}: no answer (${error.message})`, 'error');
    return undefined;
  }
  const { response, text, parsed } = answer;
  $('body').textContent = parsed === undefined ? text : JSON.stringify(parsed, null, 2);
  showAnsweredBy(response);
  const ok = response.ok;
  const why = !ok && parsed && typeof parsed.error === 'string' ? `: ${parsed.error}` : '';
  showStatus(`${method} ${path}: ${response.status}${why}`, ok ? 'ok' : 'error');
  return ok ? parsed : undefined;
}

// The session (stage 6 keeps it in a store every server shares; before, each server keeps its own,
// so a request that reaches another server finds none). Its id is in an HttpOnly cookie this page
// never sees: the page only asks the API, which reads the cookie.

async function sessionCall(method, path, body) {
  try {
    const { response, parsed } = await request(method, path, body);
    return { status: response.status, body: parsed };
  } catch (error) {
    showSession(undefined, `${method} ${path}: no answer (${error.message})`, 'error');
    return undefined;
  }
}

function showSession(session, text, state) {
  $('session-status').textContent = text;
  $('session-status').dataset.state = state;
  $('session-started').textContent = session ? session.createdAt : '–';
  $('session-expires').textContent = session ? session.expiresAt : '–';
  const list = $('recent');
  list.replaceChildren();
  const recent = session && Array.isArray(session.recent) ? session.recent : [];
  for (const entry of recent) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = entry.id;
    button.addEventListener('click', () => {
      $('item-id').value = entry.id;
      void readItem();
    });
    li.append(`${entry.action} `, button, ` at ${entry.at}`);
    list.append(li);
  }
  $('recent-empty').hidden = recent.length > 0;
  $('session-start').hidden = session !== undefined;
  $('session-end').hidden = session === undefined;
}

/** Shows an answer of the session routes: the session, or why there is none. */
function sessionAnswer(answer, doing) {
  if (!answer) return;
  if (answer.status === 200 || answer.status === 201) return showSession(answer.body, `Session ${doing}.`, 'ok');
  const why = answer.body && typeof answer.body.error === 'string' ? answer.body.error : `answered ${answer.status}`;
  showSession(undefined, `No session: ${why}`, answer.status >= 500 ? 'error' : 'idle');
}

async function startSession() {
  sessionAnswer(await sessionCall('POST', '/sessions'), 'started');
}

/** The session the cookie names; a new one when there is none (or it has ended, or this server does not know it). */
async function resumeSession() {
  const answer = await sessionCall('GET', '/session');
  if (answer && answer.status === 401) return startSession();
  sessionAnswer(answer, 'resumed');
}

async function readItem() {
  const id = $('item-id').value.trim().toLowerCase();
  const item = await call('GET', `/items/${encodeURIComponent(id)}`);
  // Item reads are kept by the CDN and carry no cookie: the page tells the session what it read.
  if (item && typeof item.id === 'string')
    sessionAnswer(await sessionCall('POST', '/session/views', { id: item.id }), 'noted the item you read');
}

$('create').addEventListener('submit', async (event) => {
  event.preventDefault();
  const item = await call('POST', '/items', { name: $('name').value });
  if (item && typeof item.id === 'string') {
    $('item-id').value = item.id;
    // The API noted the new item in the session (the write carries the cookie): show it.
    sessionAnswer(await sessionCall('GET', '/session'), 'noted the item you created');
  }
});

$('read').addEventListener('submit', (event) => {
  event.preventDefault();
  void readItem();
});

$('session-start').addEventListener('click', () => void startSession());

$('session-end').addEventListener('click', async () => {
  const answer = await sessionCall('DELETE', '/session');
  if (answer && answer.status === 200) showSession(undefined, 'Session ended.', 'idle');
  else sessionAnswer(answer, 'kept');
});

// Who serves this page's API, before anything is asked; and the visitor's session.
fetch('/', { headers: { Accept: 'application/json' } })
  .then((response) => (response.ok ? showAnsweredBy(response) : undefined))
  .catch(() => undefined);
void resumeSession();
