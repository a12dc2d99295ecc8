/**
 * The settings panel beside the chat: its toggle collapses it on a wide screen (remembered in this browser) and
 * opens it as a drawer from the right on a phone, closed by its ×, the backdrop or Escape (as drawer.js does for
 * the conversation list).
 */
import { remember, remembered } from "./dom.js";

const NARROW = window.matchMedia("(max-width: 1100px)");
const STORE_KEY = "pg-settings-collapsed";

export function setupSettings() {
  const toggle = document.getElementById("pg-settings-toggle");
  const panel = document.getElementById("pg-settings");
  if (!toggle || !panel) return;
  const backdrop = document.querySelector(".pg-settings-backdrop");
  const body = document.body;

  const isOpen = () => (NARROW.matches ? body.classList.contains("pg-settings-open") : !body.classList.contains("pg-settings-collapsed"));

  function sync() {
    toggle.setAttribute("aria-expanded", isOpen() ? "true" : "false");
    if (backdrop) backdrop.hidden = !(NARROW.matches && isOpen());
  }

  function setOpen(open) {
    if (NARROW.matches) {
      body.classList.toggle("pg-settings-open", open);
      if (open) {
        const target = panel.querySelector("select, input, textarea, button");
        if (target) target.focus();
      } else if (panel.contains(document.activeElement)) {
        toggle.focus();
      }
    } else {
      body.classList.toggle("pg-settings-collapsed", !open);
      remember(STORE_KEY, !open ? "1" : "0");
    }
    sync();
  }

  body.classList.toggle("pg-settings-collapsed", remembered(STORE_KEY) === "1");
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.querySelectorAll("[data-settings-close]").forEach((node) => node.addEventListener("click", () => setOpen(false)));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && NARROW.matches && isOpen() && !document.querySelector("dialog[open]")) setOpen(false);
  });
  NARROW.addEventListener("change", () => {
    body.classList.remove("pg-settings-open");
    sync();
  });
  sync();
}
