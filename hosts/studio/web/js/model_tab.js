// The Model tab: schema forms for every part of a job, the TOML it makes, live checking with
// `hearth check`'s own messages, the model graph, and Train / Stop / Resume with live curves.
import { getJSON, postJSON } from './api.js';
import { element } from './dom.js';
import { LineChart, epochSeries, mergeSeries } from './charts.js';
import { DiagnosticsView } from './diagnostics_view.js';
import { CATEGORY, LISTS, TABLES, emptyJob, jobToml, plausible, shownValue, tomlValue } from './job_model.js';

const HOST_SCHEMA = { job: 'job', train: 'train', dataset: 'dataset', model: 'model', losses: 'losses', metrics: 'metrics', renders: 'renders' };
const TITLES = { job: 'Job', dataset: 'Dataset', model: 'Model', losses: 'Losses', metrics: 'Metrics', optimizer: 'Optimizer', scheduler: 'Scheduler', train: 'Train' };

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export class ModelTab {
  constructor(session, catalogue) {
    this.catalogue = catalogue;  // {modules, host}
    this.job = emptyJob();
    this.path = session.job.path;
    this.followed = null;        // {pid} until its run appears, then {pid, run}
    this.charts = {
      batches: new LineChart(document.getElementById('chart-batches'), 'Loss per batch', 'epoch'),
      losses: new LineChart(document.getElementById('chart-losses'), 'Losses per epoch', 'epoch'),
      metrics: new LineChart(document.getElementById('chart-metrics'), 'Metrics per epoch', 'epoch'),
      lr: new LineChart(document.getElementById('chart-lr'), 'Learning rate', 'epoch'),
      diagnostics: new LineChart(document.getElementById('chart-diagnostics'), "Diagnostics' numbers", 'epoch'),
    };
    this.diagnostics = new DiagnosticsView(document.getElementById('diagnostics-live'));
    const refreshLater = debounce(() => this.refresh(), 400);
    // Until the check of the latest change answers, the page says so (and older answers are dropped).
    this.checks = 0;
    this.refreshSoon = () => {
      this.checks += 1;
      this.showCheck('check pending', () => ['checking…']);
      refreshLater();
    };
    this.graphSoon = debounce(() => this.drawGraph(), 800);
    this.curvesSoon = debounce(() => this.showCurves(), 300);
    document.getElementById('job-path').value = this.path;
    document.getElementById('job-path').addEventListener('input', (e) => { this.path = e.target.value; this.refreshSoon(); });
    document.getElementById('job-extra').addEventListener('input', (e) => { this.job.extra = e.target.value; this.refreshSoon(); });
    document.getElementById('save-job').addEventListener('click', () => this.save());
    document.getElementById('train').addEventListener('click', () => this.train());
    document.getElementById('stop').addEventListener('click', () => this.stop());
    document.getElementById('resume').addEventListener('click', () => this.resume());
  }

  async open(tomlText) {
    if (tomlText !== null && tomlText !== undefined) {
      const form = await postJSON('/api/job/parse', { toml: tomlText, path: this.path });
      this.job = { tables: { ...emptyJob().tables, ...form.tables }, lists: { losses: [], metrics: [], renders: [], ...form.lists }, extra: form.extra };
    } else {
      this.job = this.starterJob();
    }
    document.getElementById('job-extra').value = this.job.extra;
    this.render();
    this.refresh();
    this.drawGraph();
  }

  /// A new job: the first module of each category, so that Train works at once on a small job.
  starterJob() {
    const job = emptyJob();
    const first = (category, prefer) => {
      const names = this.modulesOf(category).map((m) => m.name);
      return JSON.stringify(names.includes(prefer) ? prefer : names[0] || '');
    };
    job.tables.job.name = '"studio-job"';
    job.tables.dataset.plugin = first('dataset', 'random');
    job.tables.model.plugin = first('model', 'mlp');
    job.lists.losses = [{ plugin: first('loss', 'cross_entropy') }];
    job.lists.metrics = [{ plugin: first('metric', 'accuracy') }];
    job.tables.optimizer.plugin = first('optimizer', 'adam');
    job.tables.train.epochs = '2';
    return job;
  }

  modulesOf(category) {
    return this.catalogue.modules.filter((m) => m.category === category);
  }

  moduleOf(section, fields) {
    const name = shownValue(fields.plugin);
    const cat = CATEGORY[section];
    return this.catalogue.modules.find((m) => m.category === cat && (m.name === name || `${m.pack}:${m.name}` === name));
  }

  render() {
    const root = document.getElementById('job-sections');
    root.replaceChildren();
    // The dataset's table is edited on the Dataset tab; both tabs edit this one job.
    const datasetRoot = document.getElementById('dataset-form');
    datasetRoot.replaceChildren();
    for (const section of ['job', 'dataset', 'model', 'losses', 'metrics', 'optimizer', 'scheduler', 'train']) {
      const box = element('details', { class: 'panel-section', open: '', id: `section-${section}` },
        element('summary', { text: TITLES[section] }));
      if (LISTS.includes(section)) this.renderList(box, section);
      else this.renderTable(box, section);
      (section === 'dataset' ? datasetRoot : root).append(box);
    }
  }

  renderList(box, section) {
    const items = this.job.lists[section];
    items.forEach((fields, i) => {
      const item = element('div', { class: 'list-item' });
      this.renderFields(item, section, fields, `${section}-${i}`);
      const remove = element('button', { type: 'button', text: `Remove ${section === 'losses' ? 'loss' : 'metric'}` });
      remove.addEventListener('click', () => { items.splice(i, 1); this.render(); this.refreshSoon(); });
      item.append(remove);
      box.append(item);
    });
    const add = element('button', { type: 'button', text: `Add ${section === 'losses' ? 'a loss' : 'a metric'}`, id: `add-${section}` });
    add.addEventListener('click', () => {
      const first = this.modulesOf(CATEGORY[section])[0];
      items.push({ plugin: JSON.stringify(first ? first.name : '') });
      this.render();
      this.refreshSoon();
    });
    box.append(add);
  }

  renderTable(box, section) {
    if (section === 'scheduler' && !this.job.tables.scheduler) this.job.tables.scheduler = null;
    const fields = this.job.tables[section];
    if (section === 'scheduler' && fields === null) {
      this.renderPluginSelect(box, section, null, 'scheduler');
      return;
    }
    this.renderFields(box, section, fields, section);
  }

  renderPluginSelect(box, section, fields, id) {
    const select = element('select', { id: `${id}-plugin`, name: `${id}-plugin` });
    if (section === 'scheduler') select.append(element('option', { value: '', text: '(none)' }));
    const current = fields ? shownValue(fields.plugin) : '';
    for (const m of this.modulesOf(CATEGORY[section])) {
      const name = this.modulesOf(CATEGORY[section]).filter((o) => o.name === m.name).length > 1 ? `${m.pack}:${m.name}` : m.name;
      select.append(element('option', { value: name, text: `${name} — ${m.summary}`, selected: name === current || m.name === current ? '' : null }));
    }
    select.addEventListener('change', () => {
      if (section === 'scheduler' && select.value === '') this.job.tables.scheduler = null;
      else if (section === 'scheduler' && !this.job.tables.scheduler) this.job.tables.scheduler = { plugin: JSON.stringify(select.value) };
      else fields.plugin = JSON.stringify(select.value);
      // keys of the old module mean nothing to the new one
      if (fields) for (const k of Object.keys(fields)) if (k !== 'plugin' && !this.knownKey(section, k)) delete fields[k];
      this.render();
      this.refreshSoon();
      if (section === 'model' || section === 'dataset') this.graphSoon();
    });
    box.append(element('label', { class: 'row' }, 'plugin', select));
  }

  knownKey(section, key) {
    const host = this.catalogue.host[HOST_SCHEMA[section]] || [];
    return host.some((p) => p.key === key);
  }

  renderFields(box, section, fields, id) {
    if (CATEGORY[section]) this.renderPluginSelect(box, section, fields, id);
    const module = CATEGORY[section] ? this.moduleOf(section, fields) : null;
    const params = [...(module ? module.params : []), ...(this.catalogue.host[HOST_SCHEMA[section]] || [])];
    if (module && module.doc) box.append(element('p', { class: 'muted', text: module.doc }));
    const known = new Set(['plugin', ...params.map((p) => p.key)]);
    for (const p of params) box.append(this.field(section, fields, p, `${id}-${p.key}`));
    for (const key of Object.keys(fields).filter((k) => !known.has(k)))
      box.append(this.field(section, fields, { key, type: 'raw', doc: 'not a key of this module (kept as written)' }, `${id}-${key}`));
  }

  field(section, fields, p, id) {
    let input;
    const shown = p.type === 'raw' ? fields[p.key] : shownValue(fields[p.key]);
    if (p.type === 'bool') {
      input = element('select', { id, name: id },
        element('option', { value: '', text: `default (${p.default})` }),
        element('option', { value: 'true', text: 'true' }), element('option', { value: 'false', text: 'false' }));
      input.value = shown;
    } else if (p.choices && p.choices.length) {
      input = element('select', { id, name: id }, element('option', { value: '', text: `default (${shownValue(p.default)})` }),
        ...p.choices.map((c) => element('option', { value: c, text: c })));
      input.value = shown;
    } else {
      input = element('input', { id, name: id, value: shown, spellcheck: 'false', placeholder: p.default !== undefined ? shownValue(p.default) : 'required' });
    }
    input.addEventListener('input', () => {
      const value = input.value;
      input.classList.toggle('invalid', !plausible(p.type, value));
      fields[p.key] = p.type === 'raw' ? value : tomlValue(p.type, value);
      if (fields[p.key] === '') delete fields[p.key];
      this.refreshSoon();
      if (section === 'model') this.graphSoon();
    });
    const range = p.min !== undefined || p.max !== undefined ? ` [${p.min ?? '-inf'}, ${p.max ?? 'inf'}]` : '';
    return element('label', { class: 'row' }, p.key, input, element('span', { class: 'help', text: `${p.type}${range}: ${p.doc}` }));
  }

  toml() {
    return jobToml(this.job);
  }

  async refresh() {
    const toml = this.toml();
    const asked = this.checks;
    document.getElementById('job-toml').textContent = toml;
    let className = 'check';
    let content;
    try {
      const result = await postJSON('/api/job/check', { path: this.path, toml });
      if (asked !== this.checks) return;  // a later change is being checked
      if (result.ok) {
        className = 'check ok';
        content = () => ['hearth check: the job is valid'];
      } else {
        const lines = result.output.split('\n').filter((l) => l.trim() !== '');
        content = () => ['hearth check:', element('ul', { class: 'problems' }, ...lines.map((line) => element('li', { text: line })))];
      }
    } catch (e) {
      content = () => [element('ul', {}, element('li', { text: e.message }))];
    }
    this.showCheck(className, content);
  }

  /// The check's verdict, on the Model tab and beside the dataset's form.
  showCheck(className, content) {
    for (const id of ['check-status', 'dataset-check']) {
      const status = document.getElementById(id);
      status.className = className;
      status.replaceChildren(...content());
    }
  }

  async drawGraph() {
    const box = document.getElementById('graph');
    try {
      const result = await postJSON('/api/job/graph', { path: this.path, toml: this.toml() });
      if (!result.ok) { box.replaceChildren(element('p', { class: 'muted', text: result.output })); return; }
      const img = element('img', { alt: 'model graph', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(result.svg)}` });
      box.replaceChildren(img);
      const params = result.output.match(/total: ([\d,]+) parameters/);
      document.getElementById('graph-facts').textContent = params ? `${params[1]} parameters` : '';
    } catch (e) {
      box.replaceChildren(element('p', { class: 'muted', text: e.message }));
    }
  }

  say(text) {
    document.getElementById('action-status').textContent = text;
  }

  async save() {
    try {
      const r = await postJSON('/api/job/save', { path: this.path, toml: this.toml() });
      this.say(`saved ${r.saved}`);
    } catch (e) { this.say(e.message); }
  }

  async train() {
    try {
      const r = await postJSON('/api/runs/start', { path: this.path, toml: this.toml() });
      this.follow({ pid: r.pid });
      this.say(`training (pid ${r.pid}); saved ${r.saved}`);
    } catch (e) { this.say(e.message); }
  }

  async stop() {
    if (!this.followed || !this.followed.run) return;
    try { await postJSON('/api/runs/stop', { run: this.followed.run }); this.say('stopping: the run writes its last checkpoint'); }
    catch (e) { this.say(e.message); }
  }

  async resume() {
    if (!this.followed || !this.followed.run) return;
    try {
      const r = await postJSON('/api/runs/resume', { run: this.followed.run });
      this.followed.pid = r.pid;
      this.say(`resuming (pid ${r.pid})`);
    } catch (e) { this.say(e.message); }
  }

  /// Shows `followed`'s run live: {pid} until its run folder appears, then {pid, run}.
  follow(followed) {
    this.followed = followed;
    document.getElementById('predictions').replaceChildren();
    this.diagnostics.show(null);
    for (const c of Object.values(this.charts)) c.clear();
    document.getElementById('live').hidden = false;
    document.getElementById('live-output').hidden = true;
    document.getElementById('live-title').textContent = 'Starting…';
    this.lookForRun();
  }

  async lookForRun() {
    const f = this.followed;
    if (!f || f.run) return;
    const { runs } = await getJSON('/api/runs');
    const row = runs.find((r) => r.pid === f.pid);
    if (row) { f.run = row.id; this.onRun(row); this.curvesSoon(); this.diagnostics.show(row.id).catch(() => {}); return; }
    const { processes } = await getJSON('/api/processes');
    const p = processes.find((x) => x.pid === f.pid);
    if (p && !p.running) {
      document.getElementById('live-title').textContent = `hearth ${p.kind} ended with exit code ${p.exit_code} before its run started`;
      const out = document.getElementById('live-output');
      out.textContent = p.output;
      out.hidden = false;
      return;
    }
    setTimeout(() => this.lookForRun(), 300);
  }

  /// A dashboard row of the followed run changed.
  onRun(row) {
    if (!this.followed) return;
    if (!this.followed.run && row.pid === this.followed.pid) {
      this.followed.run = row.id;
      this.diagnostics.show(row.id).catch(() => {});
    }
    if (row.id !== this.followed.run) return;
    const running = row.status === 'running';
    document.getElementById('live-title').textContent = `${row.id}: ${row.status}${row.detail ? ` (${row.detail})` : ''}`;
    document.getElementById('stop').disabled = !running;
    document.getElementById('resume').disabled = running || row.status === 'completed';
    this.curvesSoon();
    if (['completed', 'stopped_early'].includes(row.status) && this.shownPredictions !== row.id)
      row.samples_text ? this.showPromptBox(row.id) : this.showPredictions(row.id);
  }

  /// After training a language model: a prompt box whose text the run continues (`hearth sample`).
  showPromptBox(run) {
    this.shownPredictions = run;
    const prompt = element('textarea', { id: 'sample-prompt', rows: '3', 'aria-label': 'prompt' });
    const tokens = element('input', { id: 'sample-tokens', type: 'number', min: '1', max: '2000', value: '200' });
    const temperature = element('input', { id: 'sample-temperature', type: 'number', min: '0', max: '10', step: '0.1', value: '0.8' });
    const seed = element('input', { id: 'sample-seed', type: 'number', min: '0', value: '1' });
    const go = element('button', { id: 'sample-go', type: 'button', text: 'Generate' });
    const out = element('pre', { id: 'sample-text', class: 'output' });
    const facts = element('p', { id: 'sample-facts', class: 'muted' });
    go.addEventListener('click', async () => {
      go.disabled = true;
      facts.textContent = 'generating…';
      try {
        const r = await postJSON('/api/runs/sample', { run, prompt: prompt.value, tokens: Number(tokens.value),
                                                        temperature: Number(temperature.value), seed: Number(seed.value) });
        out.textContent = r.ok ? r.text : r.output;
        facts.textContent = r.ok ? r.report : 'hearth sample failed';
      } catch (e) { facts.textContent = e.message; }
      go.disabled = false;
    });
    document.getElementById('predictions').replaceChildren(
      element('h3', { text: `Sample from ${run}` }), element('label', { for: 'sample-prompt', text: 'Text for the model to continue' }), prompt,
      element('div', { class: 'row' }, element('label', { text: 'tokens ' }, tokens), element('label', { text: ' temperature ' }, temperature),
              element('label', { text: ' seed ' }, seed), go),
      out, facts);
  }

  /// After training: the predictions contact sheet of the run's best checkpoint (`hearth render --run`).
  async showPredictions(run) {
    this.shownPredictions = run;
    const box = document.getElementById('predictions');
    try {
      const r = await postJSON('/api/runs/predictions', { run });
      box.replaceChildren(r.ok ? element('img', { id: 'predictions-sheet', alt: `predictions of ${run}`, src: `data:image/png;base64,${r.png}` })
                               : element('pre', { class: 'output', text: r.output }));
    } catch (e) { box.replaceChildren(element('p', { text: e.message })); }
  }

  onProgress(event) {
    if (this.followed && event.run === this.followed.run) this.curvesSoon();
  }

  /// New pictures of a run's diagnostics (their numbers joined the run's table too).
  onDiagnostics(event) {
    this.diagnostics.onEvent(event);
    this.onProgress(event);
  }

  async showCurves() {
    if (!this.followed || !this.followed.run) return;
    const c = await getJSON(`/api/runs/curves?run=${encodeURIComponent(this.followed.run)}&max_points=1500`);
    const b = c.batches;
    // Validations inside epochs ([train] validate_every_steps) on the same axis as the batches.
    const inside = Object.keys(c.valid_steps || {}).filter((k) => k.endsWith('.loss') && c.valid_steps.x.length);
    const merged = mergeSeries(b.x, [b.loss, b.smoothed], inside.length ? c.valid_steps.x : [], inside.map((k) => c.valid_steps[k]));
    this.charts.batches.setSeries(['loss', 'smoothed', ...inside]);
    this.charts.batches.setData(merged.x, merged.ys);
    const e = epochSeries(c.epochs);
    for (const [name, cols] of [['losses', e.losses], ['metrics', e.metrics], ['lr', e.rates], ['diagnostics', e.diagnostics]]) {
      if (!cols.length) continue;
      this.charts[name].setSeries(cols);
      this.charts[name].setData(e.x, cols.map(e.column));
    }
    // The rate of every batch where batches.csv keeps it: a per-batch warmup and schedule show whole.
    if (b.lr && b.lr.some((v) => v !== null)) {
      this.charts.lr.setSeries(['lr per batch']);
      this.charts.lr.setData(b.x, [b.lr]);
    }
    const eta = c.eta_seconds === null ? '' : `, ETA ${Math.round(c.eta_seconds)} s`;
    const at = c.position.batches ? `epoch ${c.position.epoch}, batch ${c.position.batch}/${c.position.batches}` : '';
    document.getElementById('live-facts').textContent = `${at}${at ? ', ' : ''}${Math.round(c.samples_per_s)} samples/s${eta}`;
  }
}
