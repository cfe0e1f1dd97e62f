// The job the forms edit, kept as TOML text per value (what /api/job/parse returns), and turned
// back into the TOML file that `hearth run` will run. Conversions between what a person types and
// TOML happen here only.

export const TABLES = ['job', 'dataset', 'model', 'optimizer', 'scheduler', 'train'];
export const LISTS = ['losses', 'metrics', 'renders'];
/// Which module category each table or list picks its plugin from (job and train have none).
export const CATEGORY = { dataset: 'dataset', model: 'model', optimizer: 'optimizer', scheduler: 'scheduler', losses: 'loss', metrics: 'metric', renders: 'renderer' };

/// A job with nothing set: the forms start from it.
export function emptyJob() {
  return { tables: { job: {}, dataset: {}, model: {}, optimizer: {}, train: {} }, lists: { losses: [{}], metrics: [], renders: [] }, extra: '' };
}

/// What a person sees for a TOML value: strings without their quotes, everything else as written.
export function shownValue(tomlText) {
  if (tomlText === undefined) return '';
  if (tomlText.startsWith('"')) {
    try { return JSON.parse(tomlText); } catch { return tomlText; }
  }
  return tomlText;
}

/// The TOML text of what a person typed for a parameter of `type`; '' means "not set".
export function tomlValue(type, shown) {
  if (shown === '' || shown === undefined || shown === null) return '';
  if (type === 'bool') return shown === true || shown === 'true' ? 'true' : 'false';
  if (type === 'string') return JSON.stringify(String(shown)).replace(/\u007f/g, '\\u007f');
  if (type === 'float' && /^[+-]?\d+$/.test(String(shown).trim())) return `${String(shown).trim()}.0`;
  if (type === 'string list' || type === 'int list' || type === 'float list') {
    const text = String(shown).trim();
    return text.startsWith('[') ? text : `[${text}]`;
  }
  return String(shown).trim();
}

/// Whether a typed value looks like its type, for live marking (the server's check decides).
export function plausible(type, shown) {
  if (shown === '' || type === 'string' || type === 'bool') return true;
  if (type === 'int') return /^[+-]?\d+$/.test(shown.trim());
  if (type === 'float') return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(shown.trim()) || /^[+-]?(inf|nan)$/.test(shown.trim());
  return true;
}

function keyText(key) {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function tableText(header, fields) {
  const lines = [header];
  const keys = Object.keys(fields).filter((k) => fields[k] !== '');
  // plugin first, as the examples and docs/jobs.md write it
  keys.sort((a, b) => (a === 'plugin' ? -1 : b === 'plugin' ? 1 : 0));
  for (const k of keys) lines.push(`${keyText(k)} = ${fields[k]}`);
  return lines.join('\n');
}

/// The job's TOML: its tables in the order of the docs, then the lists, then the other tables.
export function jobToml(job) {
  const parts = [];
  for (const t of TABLES) {
    const fields = job.tables[t];
    if (fields && Object.values(fields).some((v) => v !== '')) parts.push(tableText(`[${t}]`, fields));
  }
  for (const l of LISTS)
    for (const item of job.lists[l] || []) parts.push(tableText(`[[${l}]]`, item));
  if (job.extra && job.extra.trim()) parts.push(job.extra.trim());
  return `${parts.join('\n\n')}\n`;
}
