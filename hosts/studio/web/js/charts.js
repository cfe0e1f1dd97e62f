// Line charts drawn by uPlot (vendored under /vendor/uplot). Data arrive already downsampled by
// the server, so a chart holds at most a few thousand points whatever the run's length.
import uPlot from '/vendor/uplot/uPlot.esm.js';

const palette = ['#b3471d', '#1f6fb2', '#2a9d5b', '#8e44ad', '#c99a06', '#555b66', '#d35f8d', '#13a3a3'];

/// A chart in `element` with one x series and the named y series; setData(x, ys) replaces its
/// points, setSeries(names) rebuilds it with other series.
export class LineChart {
  constructor(element, title, xLabel) {
    this.element = element;
    this.title = title;
    this.xLabel = xLabel;
    this.names = null;
    this.plot = null;
  }

  setSeries(names) {
    if (this.plot && JSON.stringify(names) === JSON.stringify(this.names)) return;
    if (this.plot) this.plot.destroy();
    this.names = names;
    const width = Math.max(300, this.element.clientWidth || 600);
    this.plot = new uPlot({
      title: this.title, width, height: 220,
      scales: { x: { time: false } },
      axes: [{ label: this.xLabel }, {}],
      series: [{ label: this.xLabel }, ...names.map((n, i) => ({ label: n, stroke: palette[i % palette.length], width: 1.5, spanGaps: true }))],
    }, [[], ...names.map(() => [])], this.element);
  }

  setData(x, ys) {
    if (this.plot) this.plot.setData([x, ...ys]);
  }

  clear() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.names = null;
  }
}

/// The columns of a run's table grouped for the charts: losses, other metrics, the rate, the
/// diagnostics' numbers (columns "diagnostics.<name>.<number>", at the epochs they ran).
export function epochSeries(table) {
  const skip = new Set(['epoch', 'step', 'skipped_steps']);
  const losses = [], metrics = [], rates = [], diagnostics = [];
  for (const c of table.columns) {
    if (skip.has(c)) continue;
    if (c === 'lr') rates.push(c);
    else if (c.startsWith('diagnostics.')) diagnostics.push(c);
    else if (c.endsWith('.loss')) losses.push(c);
    else metrics.push(c);
  }
  const column = (name) => table.rows.map((r) => r[table.columns.indexOf(name)]);
  return { x: column('epoch'), losses, metrics, rates, diagnostics, column };
}

/// Series on two x axes as one: the sorted union of the xs, each series null where it has no
/// point (uPlot draws every series over one x array; spanGaps joins the points across).
export function mergeSeries(xa, ysa, xb, ysb) {
  const points = [...xa.map((x, i) => [x, 0, i]), ...xb.map((x, i) => [x, 1, i])].sort((p, q) => p[0] - q[0]);
  const x = points.map((p) => p[0]);
  const column = (ys, side) => ys.map((y) => points.map((p) => (p[1] === side ? y[p[2]] : null)));
  return { x, ys: [...column(ysa, 0), ...column(ysb, 1)] };
}
