// The Dataset tab: the job's [dataset] table as a schema form (the same job the Model tab edits),
// Load (split sizes, tensors, classes), samples page by page drawn by their renderers (another
// renderer per tensor is a [[renders]] table of the job), and the analyzers' reports.
import { postJSON } from './api.js';
import { element } from './dom.js';
import { shownValue } from './job_model.js';

function png(data, alt) {
  return element('img', { src: `data:image/png;base64,${data}`, alt });
}

export class DatasetTab {
  constructor(model, catalogue) {
    this.model = model;
    this.renderers = catalogue.modules.filter((m) => m.category === 'renderer');
    this.facts = null;
    this.page = 0;
    this.perPage = 8;
    document.getElementById('dataset-load').addEventListener('click', () => this.load());
    document.getElementById('dataset-analyze').addEventListener('click', () => this.analyze());
    document.getElementById('samples-prev').addEventListener('click', () => this.turn(-1));
    document.getElementById('samples-next').addEventListener('click', () => this.turn(1));
    document.getElementById('samples-split').addEventListener('change', () => { this.page = 0; this.samples(); });
  }

  body(extra = {}) {
    return { path: this.model.path, toml: this.model.toml(), ...extra };
  }

  say(text) {
    document.getElementById('dataset-status').textContent = text;
  }

  async load() {
    this.say('loading…');
    try {
      const facts = await postJSON('/api/dataset/load', this.body());
      if (!facts.ok) { this.say(facts.output); return; }
      this.facts = facts;
      this.say(`${facts.dataset} loaded`);
      this.showFacts();
      this.page = 0;
      await this.samples();
    } catch (e) { this.say(e.message); }
  }

  showFacts() {
    const f = this.facts;
    const splits = element('table', { id: 'dataset-splits' }, element('tr', {}, element('th', { text: 'split' }), element('th', { text: 'samples' })));
    for (const [name, n] of Object.entries(f.splits)) splits.append(element('tr', {}, element('td', { text: name }), element('td', { text: String(n) })));
    const tensors = element('table', { id: 'dataset-tensors' }, element('tr', {},
      ...['tensor', 'role', 'shape', 'dtype', 'renderer'].map((h) => element('th', { text: h }))));
    for (const t of f.tensors) tensors.append(element('tr', {}, element('td', { text: t.name }), element('td', { text: t.role }),
      element('td', { text: t.shape ? `[${t.shape.join(', ')}]` : '-' }), element('td', { text: t.dtype || '-' }),
      element('td', {}, this.rendererSelect(t.name))));
    const classes = element('p', { class: 'muted', text: f.classes.length ? `classes: ${f.classes.join(', ')}` : 'no class names' });
    document.getElementById('dataset-facts').replaceChildren(splits, tensors, classes);
  }

  /// The renderer of `tensor`: a [[renders]] table of the job naming it, or the default.
  rendererSelect(tensor) {
    const renders = this.model.job.lists.renders;
    const current = renders.find((r) => shownValue(r.tensor) === tensor);
    const select = element('select', { id: `renderer-${tensor}`, 'aria-label': `renderer of ${tensor}` },
      element('option', { value: '', text: '(default)' }), ...this.renderers.map((m) => element('option', { value: m.name, text: m.name })));
    select.value = current ? shownValue(current.plugin) : '';
    select.addEventListener('change', () => {
      const at = renders.findIndex((r) => shownValue(r.tensor) === tensor);
      if (select.value === '' && at >= 0) renders.splice(at, 1);
      else if (select.value !== '' && at >= 0) renders[at].plugin = JSON.stringify(select.value);
      else if (select.value !== '') renders.push({ plugin: JSON.stringify(select.value), tensor: JSON.stringify(tensor) });
      this.model.refreshSoon();
      this.samples();
    });
    return select;
  }

  turn(by) {
    this.page = Math.max(0, this.page + by);
    this.samples();
  }

  async samples() {
    if (!this.facts) return;
    const split = document.getElementById('samples-split').value;
    const total = this.facts.splits[split] || 0;
    const grid = document.getElementById('samples');
    if (!total) { grid.replaceChildren(element('p', { class: 'muted', text: `the ${split} split is empty` })); return; }
    this.page = Math.min(this.page, Math.floor((total - 1) / this.perPage));
    const from = this.page * this.perPage;
    const count = Math.min(this.perPage, total - from);
    document.getElementById('samples-page').textContent = `${from}–${from + count - 1} of ${total}`;
    try {
      const r = await postJSON('/api/dataset/samples', this.body({ split, from, count, size: 128 }));
      if (!r.ok) { grid.replaceChildren(element('pre', { class: 'output', text: r.output })); return; }
      const columns = [...new Set(r.cells.map((c) => c.column))];
      const table = element('table', { class: 'samples' }, element('tr', {}, element('th', { text: '#' }), ...columns.map((c) => element('th', { text: c }))));
      const positions = [...new Set(r.cells.map((c) => c.position))];
      for (const p of positions) {
        const row = element('tr', { 'data-position': String(p) }, element('td', { text: String(p) }));
        for (const c of columns) {
          const cell = r.cells.find((x) => x.position === p && x.column === c);
          row.append(element('td', {}, cell ? png(cell.png, `${c} of sample ${p}`) : ''));
        }
        table.append(row);
      }
      grid.replaceChildren(table);
    } catch (e) { grid.replaceChildren(element('p', { text: e.message })); }
  }

  async analyze() {
    const box = document.getElementById('analysis');
    box.replaceChildren(element('p', { class: 'muted', text: 'analyzing…' }));
    try {
      const r = await postJSON('/api/dataset/analyze', this.body());
      if (!r.ok) { box.replaceChildren(element('pre', { class: 'output', text: r.output })); return; }
      box.replaceChildren(...r.pictures.map((p) => png(p.png, p.name)), element('pre', { id: 'analysis-summary', text: JSON.stringify(r.summary, null, 2) }));
    } catch (e) { box.replaceChildren(element('p', { text: e.message })); }
  }
}
