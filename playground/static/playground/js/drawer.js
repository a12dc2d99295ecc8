/** On narrow screens the conversation list is a drawer, opened by the header's button and closed by Escape. */
export function setupDrawer() {
  const toggle = document.getElementById("pg-drawer-toggle");
  const sidebar = document.getElementById("pg-sidebar");
  if (!toggle || !sidebar) return;
  const backdrop = document.querySelector(".pg-backdrop");
  const isOpen = () => document.body.classList.contains("pg-drawer-open");

  function setOpen(open) {
    document.body.classList.toggle("pg-drawer-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (backdrop) backdrop.hidden = !open;
    if (open) {
      const target = sidebar.querySelector("[aria-current], a, button");
      if (target) target.focus();
    } else if (sidebar.contains(document.activeElement)) {
      toggle.focus();
    }
  }

  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.querySelectorAll("[data-drawer-close]").forEach((node) => {
    node.addEventListener("click", () => setOpen(false));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) setOpen(false);
  });
}
