/*
 * ModelDesk playground: streamed chat, a small safe Markdown renderer, no dependencies.
 *
 * Every user-visible string comes from the translated <script type="application/json" id="pg-i18n"> block.
 * Text from the model or the user reaches the DOM only through textContent or renderMarkdown(), which escapes
 * the whole input before it adds any markup of its own.
 */
(function (root) {
  "use strict";

  // ------------------------------------------------------------------------------------------------ Markdown --

  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  var HOLE = "\u0000"; // placeholder delimiter; removed from the input before anything else

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return ESCAPES[c];
    });
  }

  var FENCE_RE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
  var HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
  var HR_RE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
  var QUOTE_RE = /^ {0,3}&gt;[ \t]?(.*)$/;
  var LIST_RE = /^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
  var LINK_RE = /\[([^\]\n]+)\]\(\s*(https?:\/\/[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)\s*\)/gi;

  function isBlank(line) {
    return /^[ \t]*$/.test(line);
  }

  function indentOf(line) {
    var width = 0;
    for (var i = 0; i < line.length; i++) {
      if (line[i] === " ") width += 1;
      else if (line[i] === "\t") width += 4 - (width % 4);
      else break;
    }
    return width;
  }

  function dedent(line, width) {
    var removed = 0;
    var i = 0;
    while (i < line.length && removed < width && (line[i] === " " || line[i] === "\t")) {
      removed += line[i] === "\t" ? 4 - (removed % 4) : 1;
      i++;
    }
    return line.slice(i);
  }

  function fenceOpen(line) {
    var m = FENCE_RE.exec(line);
    if (!m) return null;
    var info = m[3].trim();
    if (m[2][0] === "`" && info.indexOf("`") !== -1) return null; // ```inline``` is not a fence
    var lang = info.split(/\s+/)[0] || "";
    return { marker: m[2], lang: /^[\w#+.-]{1,40}$/.test(lang) ? lang : "" };
  }

  function listItem(line) {
    if (HR_RE.test(line)) return null;
    var m = LIST_RE.exec(line);
    if (!m) return null;
    var ordered = /\d/.test(m[2]);
    return {
      indent: indentOf(m[1]),
      ordered: ordered,
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
    var stash = [];
    function keep(html) {
      stash.push(html);
      return HOLE + (stash.length - 1) + HOLE;
    }
    var out = text
      .replace(/``([^\n]+?)``/g, function (_, code) {
        return keep("<code>" + code.trim() + "</code>");
      })
      .replace(/`([^`\n]+)`/g, function (_, code) {
        return keep("<code>" + code + "</code>");
      })
      .replace(LINK_RE, function (_, label, url) {
        return keep('<a href="' + url + '" rel="noopener noreferrer" target="_blank">' + emphasis(label) + "</a>");
      });
    out = emphasis(out);
    // Stashed pieces never contain holes of their own except link labels, which may hold code spans.
    for (var pass = 0; pass < 2 && out.indexOf(HOLE) !== -1; pass++) {
      out = out.replace(/\u0000(\d+)\u0000/g, function (_, index) {
        return stash[+index];
      });
    }
    return out;
  }

  function paragraph(lines) {
    var text = lines
      .map(function (line) {
        return line.replace(/^[ \t]+|[ \t]+$/g, "");
      })
      .join("\n");
    return "<p>" + renderInline(text).replace(/\n/g, "<br>\n") + "</p>";
  }

  function parseList(lines, start) {
    var first = listItem(lines[start]);
    var base = first.indent;
    var items = [];
    var loose = false;
    var current = null;
    var i = start;
    while (i < lines.length) {
      var line = lines[i];
      var item = listItem(line);
      if (item && item.indent <= base + 1) {
        if (item.ordered !== first.ordered) break;
        current = { lines: [item.text], indent: item.contentIndent };
        items.push(current);
        i++;
        continue;
      }
      if (isBlank(line)) {
        var j = i + 1;
        while (j < lines.length && isBlank(lines[j])) j++;
        if (j >= lines.length) break;
        var next = listItem(lines[j]);
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
    var tag = first.ordered ? "ol" : "ul";
    var open = "<" + tag + (first.ordered && first.start !== 1 ? ' start="' + first.start + '"' : "") + ">";
    var body = items
      .map(function (entry) {
        var html = renderBlocks(entry.lines);
        if (!loose) html = html.replace(/^<p>([\s\S]*?)<\/p>/, "$1");
        return "<li>" + html + "</li>";
      })
      .join("");
    return { html: open + body + "</" + tag + ">", next: i };
  }

  /** Block-level Markdown on lines that are already HTML-escaped. */
  function renderBlocks(lines) {
    var out = [];
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (isBlank(line)) {
        i++;
        continue;
      }
      var fence = fenceOpen(line);
      if (fence) {
        var close = new RegExp("^ {0,3}" + (fence.marker[0] === "`" ? "`" : "~") + "{" + fence.marker.length + ",}[ \\t]*$");
        var code = [];
        for (i++; i < lines.length && !close.test(lines[i]); i++) code.push(lines[i]);
        i++; // the closing fence, or past the end while a reply is still streaming
        var cls = fence.lang ? ' class="language-' + fence.lang + '"' : "";
        out.push("<pre><code" + cls + ">" + code.join("\n") + "</code></pre>");
        continue;
      }
      var heading = HEADING_RE.exec(line);
      if (heading) {
        var level = heading[1].length;
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
        var quoted = [];
        while (i < lines.length && !isBlank(lines[i])) {
          var q = QUOTE_RE.exec(lines[i]);
          if (q) quoted.push(q[1]);
          else if (!isBlockStart(lines[i])) quoted.push(lines[i]);
          else break;
          i++;
        }
        out.push("<blockquote>" + renderBlocks(quoted) + "</blockquote>");
        continue;
      }
      if (listItem(line)) {
        var list = parseList(lines, i);
        out.push(list.html);
        i = list.next;
        continue;
      }
      var para = [line];
      for (i++; i < lines.length && !isBlank(lines[i]) && !isBlockStart(lines[i]); i++) para.push(lines[i]);
      out.push(paragraph(para));
    }
    return out.join("\n");
  }

  /** Markdown to HTML. The whole input is escaped first: raw HTML from a model shows as text. */
  function renderMarkdown(source) {
    var text = String(source === null || source === undefined ? "" : source)
      .replace(/\u0000/g, "\uFFFD")
      .replace(/\r\n?/g, "\n");
    return renderBlocks(escapeHtml(text).split("\n"));
  }

  var api = { renderMarkdown: renderMarkdown, escapeHtml: escapeHtml };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (root) root.ModelDeskPlayground = api;
  if (typeof document === "undefined") return;

  // ------------------------------------------------------------------------------------------------ helpers --

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  var LANG = document.documentElement.lang || undefined;
  var i18n = readJson("pg-i18n") || {};

  function t(key, params) {
    var text = typeof i18n[key] === "string" ? i18n[key] : "";
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(params[name]));
    });
    return text;
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatNumber(value) {
    try {
      return new Intl.NumberFormat(LANG).format(value);
    } catch (e) {
      return String(value);
    }
  }

  function formatNow(date) {
    try {
      return new Intl.DateTimeFormat(LANG, { dateStyle: "short", timeStyle: "short" }).format(date);
    } catch (e) {
      return date.toLocaleString();
    }
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function nearBottom(node) {
    return node.scrollHeight - node.scrollTop - node.clientHeight < 96;
  }

  // --------------------------------------------------------------------------------------- language + drawer --

  function setupLanguage() {
    document.documentElement.classList.add("pg-js");
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
      select.addEventListener("change", function () {
        if (select.form) select.form.submit();
      });
    });
  }

  function setupDrawer() {
    var toggle = document.getElementById("pg-drawer-toggle");
    var sidebar = document.getElementById("pg-sidebar");
    if (!toggle || !sidebar) return;
    var backdrop = document.querySelector(".pg-backdrop");

    function setOpen(open) {
      document.body.classList.toggle("pg-drawer-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (backdrop) backdrop.hidden = !open;
      if (open) {
        var target = sidebar.querySelector("[aria-current], a, button");
        if (target) target.focus();
      } else if (sidebar.contains(document.activeElement)) {
        toggle.focus();
      }
    }

    toggle.addEventListener("click", function () {
      setOpen(!document.body.classList.contains("pg-drawer-open"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-drawer-close]"), function (node) {
      node.addEventListener("click", function () {
        setOpen(false);
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && document.body.classList.contains("pg-drawer-open")) setOpen(false);
    });
  }

  // ------------------------------------------------------------------------------------------------ the page --

  function setupPlayground(form) {
    var urls = readJson("pg-urls") || {};
    var fields = form.elements;
    var messageBox = fields.namedItem("message");
    var conversationField = fields.namedItem("conversation");
    var sendButton = document.getElementById("pg-send");
    var statusText = form.querySelector("#pg-status .pg-status-text");
    var formErrors = document.getElementById("pg-form-errors");
    var transcript = document.getElementById("pg-transcript");
    var conversations = document.getElementById("pg-conversations");
    var output = document.getElementById("pg-output");
    var errorBox = document.getElementById("pg-error");
    var usage = document.getElementById("pg-usage");
    var reply = document.getElementById("pg-reply");
    var jsonBox = document.getElementById("pg-json");
    var copyButton = document.getElementById("pg-copy");
    var copyStatus = document.getElementById("pg-copy-status");
    var tabReply = document.getElementById("pg-tab-reply");
    var tabJson = document.getElementById("pg-tab-json");
    var busy = false;

    function placeholder(name, show) {
      var node = document.querySelector('[data-placeholder="' + name + '"]');
      if (node) node.hidden = !show;
    }

    // ---- state

    function setState(state) {
      busy = state === "streaming";
      form.setAttribute("data-state", state);
      form.setAttribute("aria-busy", busy ? "true" : "false");
      if (sendButton) sendButton.disabled = busy;
      if (statusText) statusText.textContent = busy ? t("generating") : "";
      if (output) output.classList.toggle("is-streaming", busy);
      if (reply) reply.setAttribute("aria-busy", busy ? "true" : "false");
    }

    // ---- tabs

    var tabs = [tabReply, tabJson].filter(Boolean);

    function selectTab(selected, focus) {
      tabs.forEach(function (tab) {
        var on = tab === selected;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(tab.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
      if (focus) selected.focus();
    }

    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        selectTab(tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        var target = null;
        if (event.key === "ArrowRight") target = tabs[(index + 1) % tabs.length];
        else if (event.key === "ArrowLeft") target = tabs[(index - 1 + tabs.length) % tabs.length];
        else if (event.key === "Home") target = tabs[0];
        else if (event.key === "End") target = tabs[tabs.length - 1];
        if (target) {
          event.preventDefault();
          selectTab(target, true);
        }
      });
    });

    // ---- copy

    var copyTimer = null;

    function copied(ok) {
      if (copyStatus) {
        // On success the button itself says so; the status line stays for screen readers only.
        copyStatus.textContent = ok ? t("copied") : t("copyManual");
        copyStatus.classList.toggle("pg-visually-hidden", ok);
      }
      if (ok && copyButton) copyButton.textContent = t("copied");
      clearTimeout(copyTimer);
      copyTimer = setTimeout(function () {
        if (copyButton) copyButton.textContent = t("copy");
        if (copyStatus) copyStatus.textContent = "";
      }, ok ? 2000 : 6000);
    }

    function selectJson() {
      var range = document.createRange();
      range.selectNodeContents(jsonBox);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      copied(ok);
    }

    if (copyButton && jsonBox) {
      copyButton.addEventListener("click", function () {
        var text = jsonBox.textContent;
        if (!text) return;
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(
            function () {
              copied(true);
            },
            selectJson
          );
        } else {
          selectJson();
        }
      });
    }

    // ---- output panel

    function showAlert(message, type) {
      if (!errorBox) return;
      errorBox.textContent = "";
      errorBox.appendChild(make("span", "pg-alert-text", message));
      if (type) errorBox.appendChild(make("code", "pg-alert-type", type));
      errorBox.hidden = false;
    }

    function setReply(text) {
      if (!reply) return;
      reply.innerHTML = renderMarkdown(text);
      placeholder("reply", !text);
    }

    function setJson(value) {
      if (!jsonBox) return;
      jsonBox.textContent = value === undefined ? "" : JSON.stringify(value, null, 2);
      placeholder("json", !jsonBox.textContent);
      if (copyButton) copyButton.disabled = !jsonBox.textContent;
    }

    function setBadge(key, value) {
      var badge = usage && usage.querySelector('[data-badge="' + key + '"]');
      if (!badge) return false;
      var present = value !== null && value !== undefined && value !== "";
      badge.hidden = !present;
      if (present) {
        badge.querySelector(".pg-badge-value").textContent =
          typeof value === "number" ? formatNumber(value) : String(value);
      }
      return present;
    }

    function setBadges(list) {
      if (!usage) return;
      var first = list[0] || {};
      function total(key) {
        var sum = null;
        list.forEach(function (item) {
          var n = item && item.usage ? item.usage[key] : null;
          if (typeof n === "number") sum = (sum || 0) + n;
        });
        return sum;
      }
      var model = first.model ? (first.provider ? first.provider + " · " : "") + first.model : null;
      var shown = [
        setBadge("input_tokens", total("input_tokens")),
        setBadge("output_tokens", total("output_tokens")),
        setBadge("latency_ms", first.latency_ms),
        setBadge("attempts", first.attempts),
        setBadge("history_rounds_loaded", first.history_rounds_loaded),
        setBadge("model", model),
      ];
      usage.hidden = shown.indexOf(true) === -1;
    }

    function resetOutput() {
      if (errorBox) {
        errorBox.hidden = true;
        errorBox.textContent = "";
      }
      if (usage) usage.hidden = true;
      setReply("");
      setJson(undefined);
      if (tabReply) selectTab(tabReply, false);
    }

    // ---- form errors

    function errorList(messages, id) {
      var list = make("ul", "errorlist");
      if (id) list.id = id;
      messages.forEach(function (message) {
        list.appendChild(make("li", null, message));
      });
      return list;
    }

    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll("[data-errors-for]"), function (box) {
        box.textContent = "";
      });
      Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid="true"]'), function (input) {
        input.removeAttribute("aria-invalid");
      });
      if (formErrors) {
        formErrors.textContent = "";
        formErrors.hidden = true;
      }
    }

    function showErrors(errors) {
      var general = [];
      var firstInvalid = null;
      Object.keys(errors || {}).forEach(function (name) {
        var raw = Array.isArray(errors[name]) ? errors[name] : [errors[name]];
        var messages = raw.map(function (item) {
          return item && typeof item === "object" ? String(item.message || "") : String(item);
        });
        var box = /^[\w-]+$/.test(name) && name !== "__all__" ? form.querySelector('[data-errors-for="' + name + '"]') : null;
        var input = box ? fields.namedItem(name) : null;
        if (!box || !input || input.type === "hidden") {
          general = general.concat(messages);
          return;
        }
        var id = (input.id || "pg-" + name) + "_error";
        box.appendChild(errorList(messages, id));
        input.setAttribute("aria-invalid", "true");
        var described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
        if (described.indexOf(id) === -1) input.setAttribute("aria-describedby", described.concat(id).join(" "));
        var details = box.closest("details");
        if (details) details.open = true;
        var wrapper = box.closest(".pg-field");
        if (wrapper) wrapper.hidden = false;
        if (!firstInvalid) firstInvalid = input;
      });
      if (general.length && formErrors) {
        formErrors.appendChild(errorList(general));
        formErrors.hidden = false;
      }
      var target = general.length ? formErrors : firstInvalid;
      if (target) {
        if (target === formErrors) formErrors.scrollIntoView({ block: "nearest" });
        else target.focus();
      }
    }

    // ---- transcript

    function dropEmptyNote(container) {
      var note = container && container.querySelector("[data-empty]");
      if (note) note.parentNode.removeChild(note);
    }

    function scrollTranscript(force) {
      if (transcript && (force || nearBottom(transcript))) transcript.scrollTop = transcript.scrollHeight;
    }

    function addBubble(role, text) {
      var bubble = make("article", "pg-msg pg-msg-" + role);
      bubble.setAttribute("data-role", role);
      var meta = make("header", "pg-msg-meta");
      meta.appendChild(make("span", "pg-msg-role", role === "user" ? t("you") : t("assistant")));
      var now = new Date();
      var time = make("time", null, formatNow(now));
      time.setAttribute("datetime", now.toISOString());
      meta.appendChild(time);
      var body = make("div", "pg-msg-body" + (role === "assistant" ? " pg-md" : ""));
      if (role === "user") body.textContent = text;
      bubble.appendChild(meta);
      bubble.appendChild(body);
      if (transcript) {
        dropEmptyNote(transcript);
        transcript.appendChild(bubble);
        scrollTranscript(true);
      }
      return bubble;
    }

    function bubbleBody(bubble) {
      return bubble.querySelector(".pg-msg-body");
    }

    function markFailed(bubble, message) {
      bubble.classList.add("is-failed");
      var note = bubble.querySelector(".pg-msg-error");
      if (!note) {
        note = make("p", "pg-msg-error");
        bubble.appendChild(note);
      }
      note.textContent = "";
      note.appendChild(make("strong", null, t("failed")));
      note.appendChild(document.createTextNode(" "));
      note.appendChild(make("span", "pg-msg-error-text", message));
    }

    function setBubbleModel(bubble, model) {
      if (!model || bubble.querySelector(".pg-msg-model")) return;
      var meta = bubble.querySelector(".pg-msg-meta");
      meta.insertBefore(make("span", "pg-msg-model", model), meta.querySelector("time"));
    }

    // ---- conversations

    function conversationUrl(id) {
      var pattern = form.getAttribute("data-conversation-url") || "";
      var zero = "00000000-0000-0000-0000-000000000000";
      if (pattern.indexOf(zero) !== -1) return pattern.replace(zero, encodeURIComponent(id));
      return "/playground/c/" + encodeURIComponent(id) + "/";
    }

    function shortTitle(text) {
      var flat = String(text || "").replace(/\s+/g, " ").trim();
      return flat.length > 80 ? flat.slice(0, 79) + "…" : flat;
    }

    function sidebarItem(id, url, title) {
      if (!conversations) return null;
      var items = conversations.querySelectorAll("li[data-id]");
      var item = null;
      Array.prototype.forEach.call(items, function (li) {
        var link = li.querySelector("a");
        var current = li.getAttribute("data-id") === id;
        if (current) item = li;
        li.classList.toggle("is-current", current);
        if (link && current) link.setAttribute("aria-current", "page");
        else if (link) link.removeAttribute("aria-current");
      });
      var now = new Date();
      if (!item) {
        dropEmptyNote(conversations);
        item = make("li", "pg-conv is-current");
        item.setAttribute("data-id", id);
        item.setAttribute("data-new", "");
        var link = make("a");
        link.href = url;
        link.setAttribute("aria-current", "page");
        link.appendChild(make("span", "pg-conv-title", shortTitle(title) || t("untitled")));
        link.appendChild(make("time", "pg-conv-time"));
        item.appendChild(link);
      }
      var time = item.querySelector("time");
      if (time) {
        time.textContent = formatNow(now);
        time.setAttribute("datetime", now.toISOString());
      }
      conversations.insertBefore(item, conversations.firstChild);
      return item;
    }

    function setConversation(id, turn) {
      if (!id) return;
      id = String(id);
      if (conversationField) conversationField.value = id;
      var url = conversationUrl(id);
      if (window.location.pathname !== url && window.history && window.history.replaceState) {
        window.history.replaceState({ conversation: id }, "", url);
      }
      Array.prototype.forEach.call(document.querySelectorAll('form.pg-language input[name="next"]'), function (input) {
        input.value = url;
      });
      if (turn.conversation !== id || !turn.sidebarDone) {
        // New conversations join the list; an existing one moves to the top (the list is newest first).
        turn.conversation = id;
        turn.sidebarDone = true;
        turn.sidebar = sidebarItem(id, url, turn.message);
      }
    }

    // ---- models and their parameter rules

    var credentialSelect = fields.namedItem("credential");
    var modelSelect = fields.namedItem("model");
    var modelName = fields.namedItem("model_name");
    var modelStatus = document.getElementById("pg-model-status");
    var modelNames = document.getElementById("pg-model-names");
    var models = [];
    var modelsRequest = 0;
    var RULES = ["temperature", "top_p", "max_tokens"];

    RULES.forEach(function (name) {
      var input = fields.namedItem(name);
      if (input) input.setAttribute("data-pg-placeholder", input.getAttribute("placeholder") || "");
    });

    function findModel(name) {
      for (var i = 0; i < models.length; i++) if (models[i].name === name) return models[i];
      return null;
    }

    function applyRules() {
      var typed = modelName ? modelName.value.trim() : "";
      var model = (typed && findModel(typed)) || (modelSelect && findModel(modelSelect.value)) || models[0] || null;
      RULES.forEach(function (name) {
        var input = fields.namedItem(name);
        if (!input) return;
        var rule = model && model[name] && typeof model[name] === "object" ? model[name] : {};
        ["min", "max"].forEach(function (bound) {
          if (rule[bound] === null || rule[bound] === undefined) input.removeAttribute(bound);
          else input.setAttribute(bound, String(rule[bound]));
        });
        var fallback = input.getAttribute("data-pg-placeholder") || "";
        var hasDefault = rule["default"] !== null && rule["default"] !== undefined;
        if (hasDefault || fallback) input.setAttribute("placeholder", hasDefault ? String(rule["default"]) : fallback);
        else input.removeAttribute("placeholder");
      });
    }

    function fillModels(list) {
      models = list;
      if (modelSelect) {
        var previous = modelSelect.value;
        var blank = modelSelect.querySelector('option[value=""]');
        var blankText = blank ? blank.textContent : t("chooseModel");
        modelSelect.textContent = "";
        var empty = make("option", null, blankText);
        empty.value = "";
        modelSelect.appendChild(empty);
        list.forEach(function (model) {
          var option = make("option", null, model.display_name || model.name);
          option.value = model.name;
          if (model.display_name && model.display_name !== model.name) option.title = model.name;
          modelSelect.appendChild(option);
        });
        modelSelect.value = findModel(previous) ? previous : "";
      }
      if (modelNames) {
        modelNames.textContent = "";
        list.forEach(function (model) {
          var option = document.createElement("option");
          option.value = model.name;
          if (model.display_name && model.display_name !== model.name) option.label = model.display_name;
          modelNames.appendChild(option);
        });
      }
      applyRules();
    }

    function loadModels() {
      if (!credentialSelect || !urls.models) return;
      var request = ++modelsRequest;
      var pk = credentialSelect.value;
      if (!pk) {
        fillModels([]);
        if (modelStatus) modelStatus.textContent = "";
        return;
      }
      if (modelStatus) modelStatus.textContent = t("modelsLoading");
      if (modelSelect) modelSelect.setAttribute("aria-busy", "true");
      var address = new URL(urls.models, window.location.href);
      address.searchParams.set("credential", pk);
      fetch(address.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (payload) {
          if (request !== modelsRequest) return;
          var list = payload && Array.isArray(payload.models) ? payload.models : [];
          fillModels(list);
          if (modelStatus) modelStatus.textContent = list.length ? "" : t("noModels");
        })
        .catch(function () {
          if (request === modelsRequest && modelStatus) modelStatus.textContent = t("modelsError");
        })
        .then(function () {
          if (request === modelsRequest && modelSelect) modelSelect.removeAttribute("aria-busy");
        });
    }

    if (modelName && modelNames) modelName.setAttribute("list", modelNames.id);
    if (credentialSelect) credentialSelect.addEventListener("change", loadModels);
    if (modelSelect) modelSelect.addEventListener("change", applyRules);
    if (modelName) modelName.addEventListener("change", applyRules);
    // The server filled the model list; fetch it again only to learn the parameter rules.
    if (credentialSelect && credentialSelect.value) loadModels();

    // ---- small form behaviours

    var errorMode = fields.namedItem("error_mode");
    var defaultField = form.querySelector('[data-field="default_value"]');

    function syncErrorMode() {
      if (!errorMode || !defaultField) return;
      var hasErrors = !!defaultField.querySelector(".errorlist li");
      defaultField.hidden = errorMode.value !== "default" && !hasErrors;
    }
    if (errorMode) errorMode.addEventListener("change", syncErrorMode);
    syncErrorMode();

    var historyBox = fields.namedItem("history");
    var roundsField = form.querySelector('[data-field="history_rounds"]');

    function syncHistory() {
      if (historyBox && roundsField) roundsField.classList.toggle("is-muted", !historyBox.checked);
    }
    if (historyBox) historyBox.addEventListener("change", syncHistory);
    syncHistory();

    function autosize() {
      if (!messageBox || messageBox.tagName !== "TEXTAREA") return;
      messageBox.style.height = "auto";
      var limit = Math.max(160, Math.round(window.innerHeight * 0.4));
      messageBox.style.height = Math.min(messageBox.scrollHeight + 2, limit) + "px";
    }

    if (messageBox) {
      messageBox.addEventListener("input", autosize);
      messageBox.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit(sendButton || undefined);
        else if (sendButton) sendButton.click();
      });
    }

    // ---- streaming

    function csrfToken() {
      var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
      return (input && input.value) || cookie("csrftoken");
    }

    function parseEvent(block, handle) {
      var name = "message";
      var data = [];
      block.split("\n").forEach(function (line) {
        if (!line || line[0] === ":") return;
        var colon = line.indexOf(":");
        var field = colon === -1 ? line : line.slice(0, colon);
        var value = colon === -1 ? "" : line.slice(colon + 1);
        if (value[0] === " ") value = value.slice(1);
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      });
      if (!data.length) return;
      var payload;
      try {
        payload = JSON.parse(data.join("\n"));
      } catch (e) {
        return;
      }
      handle(name, payload || {});
    }

    function readEvents(body, handle) {
      var reader = body.getReader();
      var decoder = new TextDecoder("utf-8");
      var buffer = "";

      function drain(final) {
        // A lone "\r" at the end may be the first half of "\r\n" split across two chunks.
        var keep = !final && buffer.slice(-1) === "\r" ? "\r" : "";
        var text = (keep ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n");
        var end;
        while ((end = text.indexOf("\n\n")) !== -1) {
          parseEvent(text.slice(0, end), handle);
          text = text.slice(end + 2);
        }
        if (final && text.trim()) parseEvent(text, handle);
        buffer = text + keep;
      }

      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            buffer += decoder.decode();
            drain(true);
            return;
          }
          buffer += decoder.decode(chunk.value, { stream: true });
          drain(false);
          return pump();
        });
      }
      return pump();
    }

    function renderedUserMessage(first) {
      var history = first && Array.isArray(first.history) ? first.history : [];
      for (var i = history.length - 1; i >= 0; i--) {
        if (history[i] && history[i].role === "user" && typeof history[i].content === "string") return history[i].content;
      }
      return null;
    }

    function showResult(turn, result, fallback) {
      var list = Array.isArray(result) ? result : [result];
      var first = list[0] || {};
      var content = list
        .map(function (item) {
          return item && typeof item.content === "string" ? item.content : "";
        })
        .join("\n\n");
      turn.text = content;
      setReply(content);
      setJson(result);
      setBadges(list);
      if (turn.assistant) {
        turn.assistant.classList.remove("is-pending");
        bubbleBody(turn.assistant).innerHTML = renderMarkdown(content);
        setBubbleModel(turn.assistant, first.model);
        if (fallback) {
          turn.assistant.classList.add("is-fallback");
          var note = make("p", "pg-msg-note", t("fallback"));
          turn.assistant.appendChild(note);
        }
      }
      var sent = renderedUserMessage(first);
      if (sent !== null && turn.user) bubbleBody(turn.user).textContent = sent;
      if (sent !== null && turn.sidebar && turn.sidebar.hasAttribute("data-new")) {
        var title = turn.sidebar.querySelector(".pg-conv-title");
        if (title) title.textContent = shortTitle(sent) || t("untitled");
        turn.sidebar.removeAttribute("data-new"); // the title is the first message, as the server keeps it
      }
      scrollTranscript(false);
    }

    function finishWithError(turn, error, result) {
      turn.finished = true;
      var message = (error && error.message) || t("unexpected");
      showAlert(message, error && error.type);
      if (turn.user) markFailed(turn.user, message);
      if (result && (!Array.isArray(result) || result.length)) {
        showResult(turn, result, true);
      } else {
        if (turn.assistant && turn.assistant.parentNode) turn.assistant.parentNode.removeChild(turn.assistant);
        turn.assistant = null;
      }
      setState("error");
    }

    var frame = window.requestAnimationFrame
      ? window.requestAnimationFrame.bind(window)
      : function (callback) {
          return window.setTimeout(callback, 16);
        };

    function cancelFrame(turn) {
      if (!turn.frame) return;
      (window.cancelAnimationFrame || window.clearTimeout).call(window, turn.frame);
      turn.frame = 0;
    }

    function renderPartial(turn) {
      var stick = transcript && nearBottom(transcript);
      setReply(turn.text);
      if (turn.assistant) {
        turn.assistant.classList.toggle("is-pending", !turn.text);
        bubbleBody(turn.assistant).innerHTML = renderMarkdown(turn.text);
      }
      if (stick) scrollTranscript(true);
    }

    function handleEvent(turn, name, data) {
      if (name === "start") {
        setConversation(data.conversation, turn);
      } else if (name === "delta") {
        turn.text += typeof data.content === "string" ? data.content : "";
        // Re-render the whole reply at most once per frame, however fast the deltas arrive.
        if (!turn.frame) turn.frame = frame(function () {
          turn.frame = 0;
          renderPartial(turn);
        });
      } else if (name === "done") {
        cancelFrame(turn);
        turn.finished = true;
        setConversation(data.conversation, turn);
        showResult(turn, data.output || [], false);
        if (messageBox) {
          messageBox.value = "";
          autosize();
        }
        setState("done");
      } else if (name === "error") {
        cancelFrame(turn);
        renderPartial(turn);
        setConversation(data.conversation, turn);
        var result = data.output;
        setJson(result && (!Array.isArray(result) || result.length) ? result : data);
        finishWithError(turn, data.error || {}, result);
      }
    }

    function requestFailed(message) {
      showAlert(message);
      setState("error");
    }

    function send() {
      if (busy) return;
      var text = messageBox ? messageBox.value : "";
      var data = new FormData(form);
      clearErrors();
      resetOutput();
      setState("streaming");

      fetch(urls.stream || form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "text/event-stream" },
      })
        .then(
          function (response) {
            var type = response.headers.get("Content-Type") || "";
            if (!response.ok) {
              var parse = type.indexOf("json") !== -1 ? response.json() : Promise.resolve(null);
              return parse
                .catch(function () {
                  return null;
                })
                .then(function (payload) {
                  if (response.status === 400 && payload && payload.errors) {
                    showErrors(payload.errors);
                    requestFailed(t("fixFields"));
                    return;
                  }
                  var error = payload && payload.error;
                  requestFailed((error && error.message) || t("httpError", { status: response.status }));
                });
            }
            if (type.indexOf("text/event-stream") === -1 || !response.body) {
              requestFailed(t("unexpected"));
              return;
            }
            var turn = {
              message: text,
              text: "",
              finished: false,
              conversation: conversationField ? conversationField.value : "",
              sidebar: null,
              sidebarDone: false,
              user: addBubble("user", text),
              assistant: addBubble("assistant", ""),
            };
            turn.assistant.classList.add("is-pending");
            turn.frame = 0;
            return readEvents(response.body, function (name, payload) {
              try {
                handleEvent(turn, name, payload);
              } catch (error) {
                if (window.console) window.console.error(error);
              }
            }).then(
              function () {
                if (!turn.finished) {
                  cancelFrame(turn);
                  renderPartial(turn);
                  finishWithError(turn, { message: t("incomplete") }, null);
                }
              },
              function () {
                if (!turn.finished) {
                  cancelFrame(turn);
                  renderPartial(turn);
                  finishWithError(turn, { message: t("incomplete") }, null);
                }
              }
            );
          },
          function () {
            requestFailed(t("networkError"));
          }
        )
        .then(function () {
          if (form.getAttribute("data-state") === "streaming") setState("error");
          if (messageBox && (document.activeElement === document.body || document.activeElement === sendButton)) {
            messageBox.focus();
          }
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });

    // ---- first paint

    // The server wrote times in its own zone and format; show them like the ones added here.
    Array.prototype.forEach.call(
      document.querySelectorAll("#pg-transcript time[datetime], #pg-conversations time[datetime]"),
      function (node) {
        var date = new Date(node.getAttribute("datetime"));
        if (!isNaN(date.getTime())) node.textContent = formatNow(date);
      }
    );

    Array.prototype.forEach.call(document.querySelectorAll("[data-markdown]"), function (node) {
      node.innerHTML = renderMarkdown(node.textContent);
    });
    scrollTranscript(true);
    autosize();
    setState(form.getAttribute("data-state") || "idle");
  }

  function init() {
    setupLanguage();
    setupDrawer();
    var form = document.getElementById("pg-form");
    if (form) setupPlayground(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})(typeof window !== "undefined" ? window : null);
