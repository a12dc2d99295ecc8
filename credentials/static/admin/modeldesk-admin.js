// ModelDesk's admin behaviour, kept out of the templates: the Content-Security-Policy allows no inline script or
// inline event handler. Choosing a language in the header switches to it at once.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("#md-language select[data-autosubmit]");
    if (!select) return;
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
