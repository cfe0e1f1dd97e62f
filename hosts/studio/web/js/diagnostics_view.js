// The pictures a run's diagnostics drew, one panel per diagnostic with an epoch slider: on the
// Model tab for the run being trained (new epochs arrive live, and a slider at its newest epoch
// follows them), on the Dashboard for the run whose files are shown.
import { getJSON, runFileURL } from './api.js';
import { element } from './dom.js';

export class DiagnosticsView {
  constructor(box) {
    this.box = box;
    this.run = null;
    this.panels = new Map();  // name -> panel
  }

  /// Shows `run`'s diagnostics (null: none).
  async show(run) {
    this.run = run;
    this.panels.clear();
    this.box.replaceChildren();
    if (!run) return;
    const { diagnostics } = await getJSON(`/api/runs/diagnostics?run=${encodeURIComponent(run)}`);
    if (this.run === run) this.update(diagnostics);
  }

  /// A `diagnostics` event of the runs watcher.
  onEvent(event) {
    if (event.run === this.run) this.update(event.diagnostics);
  }

  update(diagnostics) {
    for (const d of diagnostics) {
      let p = this.panels.get(d.name);
      if (!p) {
        p = this.panel(d.name);
        this.panels.set(d.name, p);
        this.box.append(p.element);
      }
      const atNewest = p.files.length === 0 || Number(p.slider.value) === p.files.length - 1;
      p.epochs = d.epochs;
      p.files = d.files;
      p.slider.max = String(d.files.length - 1);
      if (atNewest) p.slider.value = p.slider.max;
      this.showPicture(p);
    }
  }

  panel(name) {
    const slider = element('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', class: 'epoch-slider',
      'aria-label': `epoch of diagnostic ${name}` });
    const label = element('span', { class: 'muted epoch-label' });
    const img = element('img', { class: 'diagnostic-picture', alt: `diagnostic ${name}` });
    const p = { name, slider, label, img, epochs: [], files: [],
      element: element('div', { class: 'diagnostic', 'data-diagnostic': name },
        element('h3', { text: name }), element('label', { class: 'epoch-row' }, 'epoch', slider, label), img) };
    slider.addEventListener('input', () => this.showPicture(p));
    return p;
  }

  showPicture(p) {
    const i = Number(p.slider.value);
    p.label.textContent = `${p.epochs[i]} (${i + 1} of ${p.epochs.length})`;
    p.element.dataset.epoch = String(p.epochs[i]);
    const src = runFileURL(this.run, p.files[i]);
    if (p.img.getAttribute('src') !== src) p.img.src = src;
  }
}
