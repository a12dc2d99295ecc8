/** The language switch: choosing a language submits its form, so its Switch button is hidden (see .pg-js). */
export function setupLanguage() {
  document.documentElement.classList.add("pg-js");
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => {
      if (select.form) select.form.submit();
    });
  });
}
