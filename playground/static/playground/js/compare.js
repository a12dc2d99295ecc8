/**
 * The compare page: each reply (a [data-markdown] body, its text as the server wrote it) is rendered with the
 * playground's Markdown renderer.
 */
import { renderMarkdown } from "./markdown.js";

document.querySelectorAll("[data-markdown]").forEach((body) => renderMarkdown(body, body.textContent));
