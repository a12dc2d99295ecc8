/**
 * Markdown for replies, with the vendored libraries in static/vendor/ (see its README.md): markdown-it
 * (CommonMark, GFM tables and strikethrough, bare links), DOMPurify on what it writes, highlight.js for fenced
 * code (markdown-code.js) and KaTeX for TeX (markdown-math.js).
 *
 * Raw HTML is off in markdown-it, so HTML a model writes shows as text, as it always has here. DOMPurify then
 * drops anything the Markdown could still smuggle in (style attributes, handlers, odd URLs); every link opens in
 * a new tab without an opener or a referrer, and an image becomes a link to it: a reply loads nothing itself.
 *
 * renderMarkdown(target, text) is called again and again with the growing text of a streamed reply. The text is
 * parsed whole each time (markdown-it is fast), but only the top-level blocks whose HTML changed are rebuilt: the
 * blocks above, finished, keep their DOM, so a selection in them, a scrolled code block or typeset math survives.
 */
import DOMPurify from "../../vendor/dompurify/purify.es.mjs";
import markdownit from "../../vendor/markdown-it/markdown-it.esm.min.mjs";
import { decorateCode } from "./markdown-code.js";
import { mathPlugin, renderMath } from "./markdown-math.js";

const md = markdownit({ html: false, linkify: true, breaks: true }).use(mathPlugin).use(tableAlignment);
md.renderer.rules.image = imageAsLink;

const purify = DOMPurify(window);
const PURIFY_OPTIONS = {
  USE_PROFILES: { html: true }, // no SVG or MathML from the Markdown: KaTeX adds its own after this
  FORBID_TAGS: ["style", "img", "form", "input", "button", "textarea", "select"],
  FORBID_ATTR: ["style", "id", "name"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** What each target shows: the text it was given and its top-level blocks (their HTML and nodes). */
const rendered = new WeakMap();

/** GFM column alignment as a class (md-align-right…): markdown-it writes it as a style attribute. */
function tableAlignment(markdown) {
  markdown.core.ruler.push("table_alignment", (state) => {
    state.tokens.forEach((token) => {
      if (token.type !== "th_open" && token.type !== "td_open") return;
      const style = token.attrGet("style");
      const match = style && /text-align:\s*(left|right|center)/.exec(style);
      if (!match) return;
      token.attrs = token.attrs.filter(([name]) => name !== "style");
      token.attrJoin("class", "md-align-" + match[1]);
    });
  });
}

function imageAsLink(tokens, idx, options, env, self) {
  const token = tokens[idx];
  const src = token.attrGet("src") || "";
  const alt = self.renderInlineAsText(token.children || [], options, env) || src;
  return '<a href="' + md.utils.escapeHtml(src) + '">' + md.utils.escapeHtml(alt) + "</a>";
}

/** The token runs of the document's top-level blocks: each ends with a level-0 token that opens nothing. */
function topLevelBlocks(tokens) {
  const blocks = [];
  let start = 0;
  tokens.forEach((token, index) => {
    if (token.level === 0 && token.nesting <= 0) {
      blocks.push(tokens.slice(start, index + 1));
      start = index + 1;
    }
  });
  return blocks;
}

/** One block's HTML, sanitized, highlighted and typeset, as the nodes to insert. */
function build(html) {
  const fragment = purify.sanitize(html, PURIFY_OPTIONS);
  fragment.querySelectorAll("table").forEach((table) => {
    const scroller = document.createElement("div");
    scroller.className = "md-table";
    table.replaceWith(scroller);
    scroller.appendChild(table);
  });
  decorateCode(fragment);
  renderMath(fragment);
  return Array.from(fragment.childNodes);
}

/** Whether what ``target`` shows is still what the last call put there (nothing else rewrote it). */
function intact(target, state) {
  let count = 0;
  for (const block of state.blocks) {
    for (const node of block.nodes) {
      if (node.parentNode !== target) return false;
      count++;
    }
  }
  return count === target.childNodes.length;
}

function normalize(source) {
  return String(source === null || source === undefined ? "" : source)
    .replace(/\u0000/g, "\uFFFD")
    .replace(/\r\n?/g, "\n");
}

/**
 * Shows the Markdown ``source`` in the element ``target``, rebuilding only the top-level blocks that changed since
 * the last call for the same element.
 */
export function renderMarkdown(target, source) {
  if (!(target instanceof Element)) {
    throw new TypeError("renderMarkdown(target, text) renders into an element; it was given " + typeof target);
  }
  const text = normalize(source);
  let state = rendered.get(target);
  if (state && state.text === text && intact(target, state)) return;
  if (!state || !intact(target, state)) {
    target.textContent = "";
    state = { text: "", blocks: [] };
  }

  const env = {};
  const html = topLevelBlocks(md.parse(text, env)).map((tokens) => md.renderer.render(tokens, md.options, env));
  let kept = 0;
  while (kept < state.blocks.length && kept < html.length && state.blocks[kept].html === html[kept]) kept++;
  state.blocks.slice(kept).forEach((block) => block.nodes.forEach((node) => node.remove()));
  const added = html.slice(kept).map((blockHtml) => ({ html: blockHtml, nodes: build(blockHtml) }));
  added.forEach((block) => target.append(...block.nodes));
  rendered.set(target, { text, blocks: state.blocks.slice(0, kept).concat(added) });
}

/** The Markdown that ``target`` last rendered ("" if none): what a "copy as Markdown" action copies. */
export function markdownOf(target) {
  const state = rendered.get(target);
  return state ? state.text : "";
}
