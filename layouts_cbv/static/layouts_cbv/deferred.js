// Fill deferred layouts_cbv panels: fetch each placeholder's panel and swap it in.
// With htmx on the page, htmx does it (the placeholders carry hx-get); this stays out.
(function () {
  "use strict";

  function runScripts(root) {
    // Scripts inserted as HTML do not run; re-create them so they do.
    root.querySelectorAll("script").forEach(function (old) {
      var script = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (attr) {
        script.setAttribute(attr.name, attr.value);
      });
      script.text = old.text;
      old.parentNode.replaceChild(script, old);
    });
  }

  function fill(placeholder) {
    var url = placeholder.getAttribute("data-layouts-deferred");
    placeholder.removeAttribute("data-layouts-deferred");
    fetch(url, { credentials: "same-origin", headers: { "X-Layouts-Deferred": "1" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        runScripts(holder);
        var parent = placeholder.parentNode;
        Array.prototype.slice.call(holder.childNodes).forEach(function (node) {
          parent.insertBefore(node, placeholder);
        });
        parent.removeChild(placeholder);
      })
      .catch(function () { /* keep the fallback that is already shown */ });
  }

  function start() {
    if (window.htmx) { return; }
    document.querySelectorAll("[data-layouts-deferred]").forEach(fill);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
