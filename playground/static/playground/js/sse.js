/**
 * Server-sent events read from a fetch() response body (EventSource cannot POST a form).
 *
 * Frames are separated by a blank line; each has an optional ``event:`` line (default "message") and ``data:``
 * lines whose joined text is JSON. Comments (lines starting with ":") and frames without valid JSON data are
 * skipped. Line ends may be "\n", "\r\n" or "\r".
 */

function parseFrame(block, handle) {
  let name = "message";
  const data = [];
  block.split("\n").forEach((line) => {
    if (!line || line[0] === ":") return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  });
  if (!data.length) return;
  let payload;
  try {
    payload = JSON.parse(data.join("\n"));
  } catch (e) {
    return;
  }
  handle(name, payload || {});
}

/**
 * Calls handle(eventName, payload) for each event of the stream ``body``, in order.
 * Returns a promise that settles when the stream ends (and rejects when reading it fails).
 */
export function readEvents(body, handle) {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";

  function drain(final) {
    // A lone "\r" at the end may be the first half of "\r\n" split across two chunks.
    const keep = !final && buffer.slice(-1) === "\r" ? "\r" : "";
    let text = (keep ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, "\n");
    let end;
    while ((end = text.indexOf("\n\n")) !== -1) {
      parseFrame(text.slice(0, end), handle);
      text = text.slice(end + 2);
    }
    if (final && text.trim()) parseFrame(text, handle);
    buffer = text + keep;
  }

  function pump() {
    return reader.read().then((chunk) => {
      if (chunk.done) {
        buffer += decoder.decode();
        drain(true);
        return undefined;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      drain(false);
      return pump();
    });
  }
  return pump();
}
