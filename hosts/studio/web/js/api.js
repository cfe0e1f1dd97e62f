// The studio's API: JSON over fetch (the token travels in the cookie the first visit set) and the
// event stream. A failed request throws an Error carrying the server's message.

async function answer(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  return body;
}

export async function getJSON(path) {
  return answer(await fetch(path, { credentials: 'same-origin' }));
}

export async function postJSON(path, body) {
  return answer(await fetch(path, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }));
}

/// Calls handlers[name](data) for each event; onState(true|false) as the stream connects and drops
/// (EventSource reconnects by itself).
export function listen(handlers, onState) {
  const source = new EventSource('/api/events');
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  for (const [name, handler] of Object.entries(handlers))
    source.addEventListener(name, (e) => handler(JSON.parse(e.data)));
  return source;
}

export function runFileURL(run, path) {
  return `/api/runs/file?run=${encodeURIComponent(run)}&path=${encodeURIComponent(path)}`;
}
