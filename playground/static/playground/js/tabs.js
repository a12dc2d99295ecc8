/** Tabs with the keyboard behaviour of the WAI-ARIA tabs pattern. */

/** Wires ``tabs`` (role=tab buttons whose aria-controls name their panels); returns select(tab, focus).
 * ``onSelect(tab)``, if given, is told of each selection. */
export function setupTabs(tabs, onSelect) {
  function select(selected, focus) {
    tabs.forEach((tab) => {
      const on = tab === selected;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    if (focus) selected.focus();
    if (onSelect) onSelect(selected);
  }

  const KEYS = {
    ArrowRight: (index) => (index + 1) % tabs.length,
    ArrowLeft: (index) => (index - 1 + tabs.length) % tabs.length,
    Home: () => 0,
    End: () => tabs.length - 1,
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      if (!Object.prototype.hasOwnProperty.call(KEYS, event.key)) return;
      event.preventDefault();
      select(tabs[KEYS[event.key](index)], true);
    });
  });
  return select;
}

