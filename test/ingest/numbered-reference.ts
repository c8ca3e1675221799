/**
 * The numbering of numbered-copy.ts written the plain way, over a whole string, one character at a time: the
 * reference its chunked, byte-level version is compared with.
 */
export function numberedText(text: string, delim = ','): string {
  const t = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let out = '';
  let quoted = false;
  let atStart = true;
  let header = true;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (atStart) {
      if (c === '\n' || (c === '\r' && (i + 1 === t.length || t[i + 1] === '\n'))) {
        out += c;
        continue;
      }
      out += header ? `_fw_row_number${delim}` : `${n++}${delim}`;
      header = false;
      atStart = false;
    }
    out += c;
    if (c === '\n' && !quoted) atStart = true;
    else if (c === '"') quoted = !quoted;
  }
  return out;
}
