// Hearth Studio's page: tabs, the shared event stream, and the tabs it feeds.
import { getJSON, listen } from './api.js';
import { Dashboard } from './dashboard.js';
import { DatasetTab } from './dataset_tab.js';
import { ModelTab } from './model_tab.js';

function showTab(name) {
  for (const b of document.querySelectorAll('nav .tab')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const p of document.querySelectorAll('.tab-panel')) p.hidden = p.id !== `tab-${name}`;
}

async function start() {
  for (const b of document.querySelectorAll('nav .tab')) b.addEventListener('click', () => showTab(b.dataset.tab));
  // The runs are listed while the forms are being made: neither waits for the other.
  const dashboard = new Dashboard();
  const runsListed = dashboard.load();
  const [session, catalogue] = await Promise.all([getJSON('/api/session'), getJSON('/api/modules')]);
  document.title = `Hearth Studio: ${session.work_dir}`;
  const model = new ModelTab(session, catalogue);
  new DatasetTab(model, catalogue);
  await Promise.all([model.open(session.job.toml), runsListed]);
  const connection = document.getElementById('connection');
  listen({
    run: (row) => { dashboard.onRun(row); model.onRun(row); },
    epoch: (e) => { dashboard.onEpoch(e); model.onProgress(e); },
    batch: (e) => model.onProgress(e),
    diagnostics: (e) => { dashboard.onDiagnostics(e); model.onDiagnostics(e); },
  }, (up) => { connection.textContent = up ? 'live' : 'reconnecting…'; connection.dataset.state = up ? 'live' : 'down'; });
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  document.getElementById('connection').textContent = `error: ${e.message}`;
});
