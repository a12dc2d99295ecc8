/**
 * The composer's image: chosen with the attach button, pasted into the message box, or dropped on the composer.
 * A file over the server's limit is refused here, before it is uploaded. When the message is sent, its user
 * bubble shows the image (read as a data: URL, which the site's CSP allows) as the stored message will.
 */
import { make } from "./dom.js";
import { t } from "./i18n.js";

const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
const EXTENSIONS = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" };

/** A pasted or dropped image keeps its name if it has the extension the server expects, else gets one. */
function named(file) {
  const extension = EXTENSIONS[file.type];
  if (!extension) return null;
  if (/\.(png|jpe?g|webp|gif)$/i.test(file.name || "")) return file;
  return new File([file], "pasted-image." + extension, { type: file.type });
}

function firstImage(list) {
  return Array.from(list || []).find((file) => file && EXTENSIONS[file.type]) || null;
}

export function setupAttachments(form, { showFieldErrors, messageBox }) {
  const fields = form.elements;
  const input = fields.namedItem("image");
  const urlInput = fields.namedItem("image_url");
  const nameLabel = document.getElementById("pg-attach-name");
  if (!input || input.type !== "file") return { clear() {}, preview() {} };

  function refresh() {
    const box = form.querySelector('[data-errors-for="image"]');
    if (box) box.textContent = "";
    input.removeAttribute("aria-invalid");
    const file = input.files && input.files[0];
    if (file && file.size > IMAGE_MAX_BYTES) {
      showFieldErrors("image", [t("imageTooLarge")]);
      input.value = "";
    }
    if (nameLabel) nameLabel.textContent = input.files && input.files[0] ? input.files[0].name : "";
  }

  function attach(file) {
    const image = named(file);
    if (!image) return false;
    const transfer = new DataTransfer();
    transfer.items.add(image);
    input.files = transfer.files;
    refresh();
    return true;
  }

  input.addEventListener("change", refresh);
  if (messageBox) {
    messageBox.addEventListener("paste", (event) => {
      const file = event.clipboardData && firstImage(event.clipboardData.files);
      if (file && attach(file)) event.preventDefault(); // an image pasted: attached, not pasted as text
    });
  }
  const composer = form.querySelector(".pg-composer") || form;
  composer.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types || []).indexOf("Files") !== -1) event.preventDefault();
  });
  composer.addEventListener("drop", (event) => {
    const file = event.dataTransfer && firstImage(event.dataTransfer.files);
    if (file && attach(file)) event.preventDefault();
  });

  return {
    clear() {
      input.value = "";
      if (urlInput) urlInput.value = "";
      if (nameLabel) nameLabel.textContent = "";
    },
    /** Shows the image about to be sent in ``container`` (a user message's .pg-msg-images). */
    preview(container) {
      if (!container) return;
      const file = input.files && input.files[0];
      const url = urlInput ? urlInput.value.trim() : "";
      if (file) {
        const reader = new FileReader();
        reader.addEventListener("load", () => {
          const image = make("img", "pg-msg-image");
          image.alt = file.name;
          image.src = String(reader.result);
          container.appendChild(image);
          container.hidden = false;
        });
        reader.readAsDataURL(file);
      }
      if (/^https?:\/\//i.test(url)) {
        const link = make("a", "pg-msg-image-link", url);
        link.href = url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        container.appendChild(link);
        container.hidden = false;
      }
    },
  };
}
