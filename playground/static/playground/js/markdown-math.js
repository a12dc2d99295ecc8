/**
 * TeX in Markdown: a markdown-it plugin that keeps $…$, \(…\), $$…$$ and \[…\] away from the Markdown rules
 * (so "_" and "\\" inside them stay TeX), and renderMath(), which typesets what it marked with KaTeX.
 *
 * The plugin writes each formula as its TeX source, escaped, in <span class="md-math"> (or <div class="md-math
 * md-math-display">); the sanitized DOM is typeset afterwards with katex.render(), which builds elements and sets
 * their inline styles through CSSOM (element.style), which the site's CSP allows, unlike style="" attributes in
 * HTML. The three places where KaTeX writes a style attribute instead are avoided: a formula KaTeX cannot parse
 * shows its source (we catch the error rather than let KaTeX paint it red), and one with \pmb or \fcolorbox, whose
 * MathML copy would carry a style attribute, is typeset as HTML only.
 */
import katex from "../../vendor/katex/katex.mjs";

const KATEX_OPTIONS = {
  throwOnError: true,
  output: "htmlAndMathml", // the HTML for the eye, MathML for screen readers
  strict: "ignore",
  trust: false, // no \href, \url, \htmlClass…: a model's TeX may not add links or markup
  maxSize: 20,
  maxExpand: 500,
};
const STYLED_MATHML = /\\(?:pmb|fcolorbox)(?![a-zA-Z])/;

function isSpace(ch) {
  return ch === " " || ch === "\t" || ch === "\n";
}

/** Where the "$" that closes an inline formula opened at ``start`` is, or -1 (Pandoc's rules for $…$). */
function closingDollar(src, start, end) {
  if (start >= end || isSpace(src[start])) return -1; // "$ 5" opens nothing
  for (let i = start; i < end; i++) {
    if (src[i] === "\\") {
      i++; // "\$" is a dollar inside the formula
      continue;
    }
    if (src[i] !== "$") continue;
    const after = src[i + 1];
    if (!isSpace(src[i - 1]) && !(after >= "0" && after <= "9")) return i; // "$5 and $6" holds no formula
  }
  return -1;
}

function pushInline(state, tex, length, silent) {
  if (!tex.trim()) return false;
  if (!silent) state.push("math_inline", "math", 0).content = tex;
  state.pos += length;
  return true;
}

/** $…$, $$…$$ and \(…\) inside a paragraph. */
function mathInline(state, silent) {
  const { src, pos, posMax } = state;
  if (src.startsWith("\\(", pos)) {
    const close = src.indexOf("\\)", pos + 2);
    if (close === -1 || close + 2 > posMax) return false;
    return pushInline(state, src.slice(pos + 2, close), close + 2 - pos, silent);
  }
  if (src[pos] !== "$") return false;
  if (src.startsWith("$$", pos)) {
    const close = src.indexOf("$$", pos + 2);
    if (close === -1 || close + 2 > posMax) return false;
    return pushInline(state, src.slice(pos + 2, close), close + 2 - pos, silent);
  }
  const close = closingDollar(src, pos + 1, posMax);
  if (close === -1) return false;
  return pushInline(state, src.slice(pos + 1, close), close + 1 - pos, silent);
}

const BLOCK_DELIMITERS = { $$: "$$", "\\[": "\\]" };

/** A display formula: lines from one that starts with $$ (or \[) to one that ends with $$ (or \]). */
function mathBlock(state, startLine, endLine, silent) {
  const first = state.src.slice(state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]);
  if (state.sCount[startLine] - state.blkIndent >= 4) return false; // an indented code block
  const open = first.slice(0, 2);
  const close = BLOCK_DELIMITERS[open];
  if (!close) return false;

  const lines = [first.slice(2)];
  const rest = lines[0].trimEnd();
  if (rest.indexOf(close) !== -1 && !rest.endsWith(close)) return false; // "$$a$$ and b" is a paragraph
  let line = startLine;
  for (;;) {
    const text = lines[lines.length - 1].trimEnd();
    if (text.endsWith(close) && (line > startLine || text.length >= close.length)) {
      lines[lines.length - 1] = text.slice(0, -close.length);
      break;
    }
    line++;
    if (line >= endLine) return false; // not closed (yet, while a reply streams): plain text until it is
    if (state.sCount[line] < state.blkIndent) return false;
    lines.push(state.src.slice(state.bMarks[line] + state.tShift[line], state.eMarks[line]));
  }
  const tex = lines.join("\n");
  if (!tex.trim()) return false;
  if (silent) return true;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = tex;
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

/** The markdown-it plugin: md.use(mathPlugin). */
export function mathPlugin(md) {
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock, { alt: ["paragraph", "reference", "blockquote", "list"] });
  const escape = md.utils.escapeHtml;
  md.renderer.rules.math_inline = (tokens, idx) => '<span class="md-math">' + escape(tokens[idx].content) + "</span>";
  md.renderer.rules.math_block = (tokens, idx) =>
    '<div class="md-math md-math-display">' + escape(tokens[idx].content) + "</div>\n";
}

/** Typesets the formulas the plugin marked under ``root``; one KaTeX cannot read stays as its source. */
export function renderMath(root) {
  root.querySelectorAll(".md-math").forEach((node) => {
    const tex = node.textContent;
    const displayMode = node.classList.contains("md-math-display");
    try {
      const output = STYLED_MATHML.test(tex) ? "html" : KATEX_OPTIONS.output;
      katex.render(tex, node, { ...KATEX_OPTIONS, displayMode, output });
    } catch (error) {
      // TeX KaTeX cannot read (or that expands too far): the reply still renders, this formula as its source.
      node.textContent = displayMode ? "$$" + tex + "$$" : "$" + tex + "$";
      node.classList.add("md-math-error");
      node.title = String((error && error.message) || error);
    }
  });
}
