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

async function call(method, path, body) {
  showStatus(`${method} ${path} …`, 'busy');
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    showStatus(`${method} ${path}: no answer (${error.message})`, 'error');
    return undefined;
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  $('body').textContent = parsed === undefined ? text : JSON.stringify(parsed, null, 2);
  showAnsweredBy(response);
  const ok = response.ok;
  const why = !ok && parsed && typeof parsed.error === 'string' ? `: ${parsed.error}` : '';
  showStatus(`${method} ${path}: ${response.status}${why}`, ok ? 'ok' : 'error');
  return ok ? parsed : undefined;
}

$('create').addEventListener('submit', async (event) => {
  event.preventDefault();
  const item = await call('POST', '/items', { name: $('name').value });
  if (item && typeof item.id === 'string') $('item-id').value = item.id;
});

$('read').addEventListener('submit', async (event) => {
  event.preventDefault();
  await call('GET', `/items/${encodeURIComponent($('item-id').value.trim().toLowerCase())}`);
});

// Who serves this page's API, before anything is asked.
fetch('/', { headers: { Accept: 'application/json' } })
  .then((response) => (response.ok ? showAnsweredBy(response) : undefined))
  .catch(() => undefined);
