// Building page elements: one small helper, so that the tabs stay plain DOM code.

/// A `tag` element with attributes (`text` sets its text; null and undefined are left out) and children.
export function element(tag, attributes = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k === 'text') e.textContent = v;
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}
