// On the "add credential" page, choosing a provider reloads the form with that provider's fields.
// Only the name and the provider travel in the URL: secrets are never put there.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_provider");
    if (!select || !/\/add\/?$/.test(window.location.pathname)) return;
    select.addEventListener("change", function () {
      var params = new URLSearchParams(window.location.search);
      params.set("provider", select.value);
      var name = document.getElementById("id_name");
      if (name && name.value) params.set("name", name.value);
      window.location.search = params.toString();
    });
  });
})();
