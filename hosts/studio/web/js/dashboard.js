// The Dashboard tab: every run of the runs folder (live, also those started from the command
// line), their curves overlaid, and each run's files; stop, resume and delete.
import { getJSON, postJSON, runFileURL } from './api.js';
import { LineChart, epochSeries } from './charts.js';
import { DiagnosticsView } from './diagnostics_view.js';

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function duration(row) {
  let s = row.seconds;
  if (row.status === 'running' && row.created) s = Math.max(0, Math.round((Date.now() - Date.parse(row.created)) / 1000));
  if (s === undefined || s < 0) return '-';
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function best(row) {
  if (!row.best) return '-';
  return `${row.best.monitor} = ${Number(row.best.value).toPrecision(5)} @${row.best.epoch}`;
}

export class Dashboard {
  constructor() {
    this.rows = new Map();       // id -> row
    this.selected = new Set();
    this.curves = new Map();     // id -> metrics table
    this.overlay = new LineChart(document.getElementById('chart-overlay'), 'Selected runs', 'epoch');
    this.diagnostics = null;     // the pictures of the run whose detail is shown
    document.getElementById('overlay-column').addEventListener('change', () => this.drawOverlay());
    setInterval(() => this.renderDurations(), 1000);
    setInterval(() => this.loadSweeps().catch(() => {}), 10000);  // trials run two levels deeper than runs
  }

  async load() {
    const { runs } = await getJSON('/api/runs');
    this.rows = new Map(runs.map((r) => [r.id, r]));
    this.render();
    await this.loadSweeps();
  }

  /// Sweeps as groups: each with its points ranked by the sweep's metric (`hearth sweep report`).
  async loadSweeps() {
    const { sweeps } = await getJSON('/api/sweeps');
    const box = document.getElementById('sweeps');
    if (!sweeps.length) return;
    box.replaceChildren(...sweeps.map((s) => {
      const group = document.createElement('details');
      group.className = 'sweep';
      group.open = true;
      const title = document.createElement('summary');
      const table = document.createElement('table');
      if (s.error) {
        title.textContent = `${s.id}: ${s.error}`;
        group.append(title);
        return group;
      }
      const r = s.report;
      title.textContent = `${s.id}: ${r.points.length} points, ${r.trials.length} trials, ${r.metric} (${r.mode})`;
      const keys = r.points.length ? Object.keys(r.points[0].values) : [];
      const head = document.createElement('tr');
      for (const h of ['rank', ...keys, `mean ${r.metric}`, 'trials', 'status']) head.append(cell(h));
      table.append(head);
      for (const p of r.points) {
        const tr = document.createElement('tr');
        for (const v of [p.rank ?? '-', ...keys.map((k) => p.values[k]), p.mean === null ? '-' : Number(p.mean).toPrecision(5), p.trials.length, p.status])
          tr.append(cell(String(v)));
        table.append(tr);
      }
      group.append(title, table);
      return group;
    }));
  }

  onRun(row) {
    if (row.removed) { this.rows.delete(row.id); this.selected.delete(row.id); } else this.rows.set(row.id, row);
    this.render();
  }

  onDiagnostics(event) {
    if (this.diagnostics) this.diagnostics.onEvent(event);
    this.onEpoch(event);
  }

  onEpoch(event) {
    if (this.selected.has(event.run)) this.fetchCurves(event.run).then(() => this.drawOverlay());
  }

  render() {
    const body = document.querySelector('#runs tbody');
    body.replaceChildren();
    const ids = [...this.rows.keys()].sort().reverse();
    document.getElementById('runs-empty').hidden = ids.length > 0;
    for (const id of ids) body.append(this.rowElement(this.rows.get(id)));
  }

  rowElement(row) {
    const tr = document.createElement('tr');
    tr.dataset.run = row.id;
    const pick = document.createElement('input');
    pick.type = 'checkbox';
    pick.checked = this.selected.has(row.id);
    pick.setAttribute('aria-label', `select ${row.id}`);
    pick.addEventListener('change', () => this.select(row.id, pick.checked));
    const tdPick = document.createElement('td');
    tdPick.append(pick);
    const name = document.createElement('a');
    name.className = 'run-name';
    name.textContent = row.id;
    name.addEventListener('click', () => this.showDetail(row.id));
    const tdName = document.createElement('td');
    tdName.append(name);
    const epochs = row.epochs ? `${row.epochs_done ?? 0}/${row.epochs}` : `${row.epochs_done ?? '-'}`;
    const actions = document.createElement('td');
    const running = row.status === 'running';
    actions.append(this.action('Stop', !running, () => postJSON('/api/runs/stop', { run: row.id })),
      this.action('Resume', running || row.status === 'completed' || row.status === 'damaged', () => postJSON('/api/runs/resume', { run: row.id })),
      this.action('Delete', running, () => {
        if (!window.confirm(`Delete the run ${row.id} and all its files?`)) return Promise.resolve();
        return postJSON('/api/runs/delete', { run: row.id });
      }));
    const status = cell(row.status, `status-${row.status}`);
    if (row.detail || row.error) status.title = row.detail || row.error;
    tr.append(tdPick, tdName, status, cell(best(row)), cell(epochs), cell(duration(row), 'duration'), actions);
    return tr;
  }

  action(label, disabled, run) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.disabled = disabled;
    b.addEventListener('click', async () => {
      try { await run(); } catch (e) { window.alert(e.message); }
    });
    return b;
  }

  renderDurations() {
    for (const tr of document.querySelectorAll('#runs tbody tr')) {
      const row = this.rows.get(tr.dataset.run);
      if (row && row.status === 'running') tr.querySelector('.duration').textContent = duration(row);
    }
  }

  async select(id, on) {
    if (on) { this.selected.add(id); await this.fetchCurves(id); } else this.selected.delete(id);
    this.drawOverlay();
    this.drawParams();
  }

  /// Parallel coordinates of what differs between the selected runs, against their best value
  /// (the picture `hearth plot --params` draws).
  async drawParams() {
    const box = document.getElementById('params-plot');
    const runs = [...this.selected].sort();
    if (runs.length < 2) { box.replaceChildren(Object.assign(document.createElement('p'), { className: 'muted', textContent: 'Select two or more finished runs that differ.' })); return; }
    try {
      const { svg } = await postJSON('/api/runs/params', { runs });
      const img = document.createElement('img');
      img.alt = 'parameters of the selected runs';
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      img.style.maxWidth = '100%';
      box.replaceChildren(img);
    } catch (e) {
      box.replaceChildren(Object.assign(document.createElement('p'), { className: 'muted', textContent: e.message }));
    }
  }

  async fetchCurves(id) {
    const c = await getJSON(`/api/runs/curves?run=${encodeURIComponent(id)}&max_points=2`);
    this.curves.set(id, c.epochs);
  }

  drawOverlay() {
    const ids = [...this.selected].filter((id) => this.curves.has(id)).sort();
    const columns = new Set();
    for (const id of ids) {
      const s = epochSeries(this.curves.get(id));
      for (const c of [...s.losses, ...s.metrics, ...s.diagnostics]) columns.add(c);
    }
    const select = document.getElementById('overlay-column');
    const chosen = select.value;
    select.replaceChildren(...[...columns].sort().map((c) => new Option(c, c, false, c === chosen)));
    if (!ids.length || !select.value) { this.overlay.clear(); return; }
    // one x axis for all: epochs 1..max
    const tables = ids.map((id) => epochSeries(this.curves.get(id)));
    const maxEpoch = Math.max(0, ...tables.map((t) => t.x.length ? Math.max(...t.x) : 0));
    const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const ys = tables.map((t) => {
      const byEpoch = new Map(t.x.map((e, i) => [e, t.column(select.value)[i]]));
      return x.map((e) => (byEpoch.has(e) ? byEpoch.get(e) : null));
    });
    this.overlay.setSeries(ids.map((id) => `${id} ${select.value}`));
    this.overlay.setData(x, ys);
  }

  async showDetail(id) {
    const box = document.getElementById('run-detail');
    try {
      const d = await getJSON(`/api/runs/detail?run=${encodeURIComponent(id)}`);
      const list = document.createElement('ul');
      for (const f of d.files) {
        const a = document.createElement('a');
        a.href = runFileURL(id, f.path);
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = f.path;
        const li = document.createElement('li');
        li.append(a, ` (${f.size} bytes)`);
        list.append(li);
      }
      const title = document.createElement('h2');
      title.textContent = id;
      const facts = document.createElement('p');
      facts.className = 'muted';
      facts.textContent = `${d.row.status}${d.row.detail ? `: ${d.row.detail}` : ''}${d.row.error ? `: ${d.row.error}` : ''}`;
      const pictures = document.createElement('div');
      for (const f of d.files.filter((x) => x.path.endsWith('.png') && !x.path.includes('/')).slice(0, 2)) {
        const img = document.createElement('img');
        img.src = runFileURL(id, f.path);
        img.alt = f.path;
        img.style.maxWidth = '100%';
        pictures.append(img);
      }
      this.diagnostics = new DiagnosticsView(Object.assign(document.createElement('div'), { id: 'run-diagnostics', className: 'diagnostics' }));
      await this.diagnostics.show(id);
      box.replaceChildren(title, facts, pictures, this.diagnostics.box, list);
    } catch (e) {
      box.textContent = e.message;
    }
  }
}
