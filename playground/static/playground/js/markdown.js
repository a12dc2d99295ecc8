/**
 * A small, safe Markdown renderer: paragraphs, headings, rules, block quotes, lists, fenced code, code spans,
 * emphasis and http(s) links.
 *
 * renderMarkdown() escapes the whole input before it adds any markup of its own, so raw HTML from a model
 * shows as text and is never rendered.
 */

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const HOLE = "\u0000"; // placeholder delimiter; removed from the input before anything else

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE_RE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR_RE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE_RE = /^ {0,3}&gt;[ \t]?(.*)$/;
const LIST_RE = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const LINK_RE = /\[([^\]\n]+)\]\(\s*(https?:\/\/[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)\s*\)/gi;

function isBlank(line) {
  return /^[ \t]*$/.test(line);
}

/** The width of a line's leading whitespace, with tabs to the next multiple of four. */
function indentOf(line) {
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === " ") width += 1;
    else if (line[i] === "\t") width += 4 - (width % 4);
    else break;
  }
  return width;
}

function dedent(line, width) {
  let removed = 0;
  let i = 0;
  while (i < line.length && removed < width && (line[i] === " " || line[i] === "\t")) {
    removed += line[i] === "\t" ? 4 - (removed % 4) : 1;
    i++;
  }
  return line.slice(i);
}

function fenceOpen(line) {
  const m = FENCE_RE.exec(line);
  if (!m) return null;
  const info = m[3].trim();
  if (m[2][0] === "`" && info.indexOf("`") !== -1) return null; // ```inline``` is not a fence
  const lang = info.split(/\s+/)[0] || "";
  return { marker: m[2], lang: /^[\w#+.-]{1,40}$/.test(lang) ? lang : "" };
}

function listItem(line) {
  if (HR_RE.test(line)) return null;
  const m = LIST_RE.exec(line);
  if (!m) return null;
  const ordered = /\d/.test(m[2]);
  return {
    indent: indentOf(m[1]),
    ordered,
    start: ordered ? parseInt(m[2], 10) : 1,
    text: m[3],
    contentIndent: indentOf(m[1]) + m[2].length + 1,
  };
}

function isBlockStart(line) {
  return !!(fenceOpen(line) || HEADING_RE.test(line) || HR_RE.test(line) || QUOTE_RE.test(line) || listItem(line));
}

function emphasis(text) {
  return text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/\*(?=[^\s*])([^*\n]*?[^\s*])\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>");
}

/** Inline Markdown on text that is already HTML-escaped. */
function renderInline(text) {
  const stash = [];
  function keep(html) {
    stash.push(html);
    return HOLE + (stash.length - 1) + HOLE;
  }
  let out = text
    .replace(/``([^\n]+?)``/g, (_, code) => keep("<code>" + code.trim() + "</code>"))
    .replace(/`([^`\n]+)`/g, (_, code) => keep("<code>" + code + "</code>"))
    .replace(LINK_RE, (_, label, url) =>
      keep('<a href="' + url + '" rel="noopener noreferrer" target="_blank">' + emphasis(label) + "</a>")
    );
  out = emphasis(out);
  // Stashed pieces never contain holes of their own except link labels, which may hold code spans.
  for (let pass = 0; pass < 2 && out.indexOf(HOLE) !== -1; pass++) {
    out = out.replace(/\u0000(\d+)\u0000/g, (_, index) => stash[+index]);
  }
  return out;
}

function paragraph(lines) {
  const text = lines.map((line) => line.replace(/^[ \t]+|[ \t]+$/g, "")).join("\n");
  return "<p>" + renderInline(text).replace(/\n/g, "<br>\n") + "</p>";
}

/** The list that starts at lines[start]: its HTML, and the index of the first line after it. */
function parseList(lines, start) {
  const first = listItem(lines[start]);
  const base = first.indent;
  const items = [];
  let loose = false;
  let current = null;
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    const item = listItem(line);
    if (item && item.indent <= base + 1) {
      if (item.ordered !== first.ordered) break;
      current = { lines: [item.text], indent: item.contentIndent };
      items.push(current);
      i++;
      continue;
    }
    if (isBlank(line)) {
      let j = i + 1;
      while (j < lines.length && isBlank(lines[j])) j++;
      if (j >= lines.length) break;
      const next = listItem(lines[j]);
      if (indentOf(lines[j]) > base + 1 && !(next && next.indent <= base + 1)) {
        for (; i < j; i++) current.lines.push("");
        loose = true;
        continue;
      }
      if (next && next.indent <= base + 1 && next.ordered === first.ordered) {
        loose = true;
        i = j;
        continue;
      }
      break;
    }
    if (indentOf(line) > base) {
      current.lines.push(dedent(line, Math.min(indentOf(line), current.indent)));
      i++;
      continue;
    }
    if (!isBlockStart(line)) {
      current.lines.push(line); // lazy continuation of the item's paragraph
      i++;
      continue;
    }
    break;
  }
  const tag = first.ordered ? "ol" : "ul";
  const open = "<" + tag + (first.ordered && first.start !== 1 ? ' start="' + first.start + '"' : "") + ">";
  const body = items
    .map((entry) => {
      let html = renderBlocks(entry.lines);
      if (!loose) html = html.replace(/^<p>([\s\S]*?)<\/p>/, "$1");
      return "<li>" + html + "</li>";
    })
    .join("");
  return { html: open + body + "</" + tag + ">", next: i };
}

/** Block-level Markdown on lines that are already HTML-escaped. */
function renderBlocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = fenceOpen(line);
    if (fence) {
      const close = new RegExp("^ {0,3}" + (fence.marker[0] === "`" ? "`" : "~") + "{" + fence.marker.length + ",}[ \\t]*$");
      const code = [];
      for (i++; i < lines.length && !close.test(lines[i]); i++) code.push(lines[i]);
      i++; // the closing fence, or past the end while a reply is still streaming
      const cls = fence.lang ? ' class="language-' + fence.lang + '"' : "";
      out.push("<pre><code" + cls + ">" + code.join("\n") + "</code></pre>");
      continue;
    }
    const heading = HEADING_RE.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push("<h" + level + ">" + renderInline(heading[2] || "") + "</h" + level + ">");
      i++;
      continue;
    }
    if (HR_RE.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (QUOTE_RE.test(line)) {
      const quoted = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const q = QUOTE_RE.exec(lines[i]);
        if (q) quoted.push(q[1]);
        else if (!isBlockStart(lines[i])) quoted.push(lines[i]);
        else break;
        i++;
      }
      out.push("<blockquote>" + renderBlocks(quoted) + "</blockquote>");
      continue;
    }
    if (listItem(line)) {
      const list = parseList(lines, i);
      out.push(list.html);
      i = list.next;
      continue;
    }
    const para = [line];
    for (i++; i < lines.length && !isBlank(lines[i]) && !isBlockStart(lines[i]); i++) para.push(lines[i]);
    out.push(paragraph(para));
  }
  return out.join("\n");
}

/** Markdown to HTML. The whole input is escaped first: raw HTML from a model shows as text. */
export function renderMarkdown(source) {
  const text = String(source === null || source === undefined ? "" : source)
    .replace(/\u0000/g, "\uFFFD")
    .replace(/\r\n?/g, "\n");
  return renderBlocks(escapeHtml(text).split("\n"));
}
