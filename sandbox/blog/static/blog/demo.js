// The live parts of the feature pages: the stampede button, the stale page's refresh
// status and the invalidation table. Each reads what the server says: the badges of the
// pages it fetches (LAYOUTS_CBV["BADGES"]) and the demo's render counts.
(function () {
  "use strict";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }

  function json(url) {
    return fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      return r.json();
    });
  }

  // What one page said about itself: how it was served and each panel's badge.
  function probe(url) {
    return fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var line = doc.querySelector(".layouts-page-badge");
        var panels = {};
        doc.querySelectorAll(".layouts-badge").forEach(function (badge) {
          var state = badge.dataset.state;
          panels[badge.dataset.panel] = {
            state: badge.dataset.hole === "true" ? "hole · " + state : state,
            plain: state,
            ms: parseFloat(badge.dataset.ms),
            changed: state === "miss" || state === "error",
          };
        });
        return { served: line ? line.dataset.served : "?", panels: panels };
      });
  }

  // Stampede: empty the panel's entry, fire N requests at once, count the renders.
  function stampede(form) {
    var n = parseInt(form.dataset.requests, 10);
    var box = document.getElementById("stampede-result");
    var out = function (name) { return box.querySelector('[data-result="' + name + '"]'); };
    var button = form.querySelector("button");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      box.hidden = false;
      box.dataset.done = "false";
      box.dataset.run = String(parseInt(box.dataset.run || "0", 10) + 1);
      out("requests").textContent = n;
      out("renders").textContent = "…";
      out("summary").textContent = "Emptying the panel's cache entry, then firing " + n + " requests…";
      out("list").replaceChildren();
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
        .then(function () {
          var started = performance.now();
          return Promise.all(Array.from({ length: n }, function () {
            return probe(form.dataset.page).then(function (page) {
              return { page: page, took: performance.now() - started };
            });
          }));
        })
        .then(function (answers) {
          return json(form.dataset.renders).then(function (counts) {
            var states = {};
            answers.forEach(function (answer, i) {
              var panel = answer.page.panels.stampede_demo || { plain: "?" };
              states[panel.plain] = (states[panel.plain] || 0) + 1;
              out("list").append(el("li",
                "request " + (i + 1) + ": " + panel.plain + " after " + Math.round(answer.took) + " ms",
                { "data-state": panel.plain }));
            });
            out("renders").textContent = counts.renders;
            out("plural").textContent = counts.renders === 1 ? "" : "s";
            out("summary").textContent = "The panel was served: " + Object.keys(states).sort().map(function (s) {
              return states[s] + " × " + s;
            }).join(", ") + ".";
            box.dataset.done = "true";
          });
        })
        .catch(function (error) { out("summary").textContent = "Failed: " + error; })
        .finally(function () { button.disabled = false; });
    });
  }

  // Stale: poll the panel's render status while a background render may run.
  function refreshStatus(box) {
    var headline = box.querySelector('[data-status="headline"]');
    var detail = box.querySelector('[data-status="detail"]');
    var badge = document.querySelector('.layouts-badge[data-panel="stale_demo"]');
    var served = badge ? badge.dataset.state : "";
    var age = badge && badge.dataset.age ? Math.round(parseFloat(badge.dataset.age)) + " s old" : "";
    var copy = served ? "You were served the panel's copy as " + served + (age ? ", " + age : "") + ". " : "";
    var polls = 0;
    function poll() {
      json(box.dataset.renders).then(function (status) {
        box.dataset.running = status.running > 0 ? "true" : "false";
        if (status.running > 0) {
          headline.textContent = "A background render of the next copy is running.";
          detail.textContent = copy + "It did not wait for the render.";
        } else if (status.finished) {
          var ago = Math.max(0, Math.round(status.now - status.finished));
          headline.textContent = "No render running.";
          detail.textContent = copy + "The last render finished " + ago + " s ago.";
        } else {
          headline.textContent = "No render yet.";
          detail.textContent = copy;
        }
        // Watch for a while after the page loads: long enough to see a refresh end.
        polls += 1;
        if (polls < 30) { setTimeout(poll, 500); }
      });
    }
    poll();
  }

  // Invalidation: load the pages, save, load them again, and compare.
  function invalidation(forms, table) {
    var probes = JSON.parse(document.getElementById("invalidation-probes").textContent);
    function all() {
      return probes.reduce(function (done, target) {
        return done.then(function (found) {
          return probe(target.url).then(function (page) { return found.concat([page]); });
        });
      }, Promise.resolve([]));
    }
    function cell(row, text, changed) {
      row.append(el("td", text, changed ? { "class": "changed" } : {}));
    }
    forms.forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var label = form.querySelector("button").textContent;
        var body = table.querySelector("tbody");
        table.hidden = false;
        table.dataset.done = "false";
        table.dataset.run = String(parseInt(table.dataset.run || "0", 10) + 1);
        table.querySelector("caption").textContent = label + ": loading the pages…";
        body.replaceChildren();
        var before;
        all()  // once to have them cached, once to see them cached
          .then(all)
          .then(function (found) {
            before = found;
            return fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" });
          })
          .then(all)
          .then(function (after) {
            probes.forEach(function (target, i) {
              // Highlighted: a page no longer served whole, a panel rendered afresh.
              var rows = [["page", "the page", before[i].served, after[i].served, after[i].served !== "page hit"]];
              Object.keys(after[i].panels).forEach(function (name) {
                var was = before[i].panels[name], now = after[i].panels[name];
                rows.push([name, name + " panel", was ? was.state : "—", now.state, now.changed]);
              });
              rows.forEach(function (parts, j) {
                var row = el("tr", undefined, { "data-page": target.url, "data-part": parts[0] });
                cell(row, j ? "" : target.label);
                cell(row, parts[1]);
                cell(row, parts[2]);
                cell(row, parts[3], parts[4]);
                body.append(row);
              });
            });
            table.querySelector("caption").textContent = label + ": highlighted, what the save made the server build again.";
            table.dataset.done = "true";
          });
      });
    });
  }

  document.querySelectorAll("form[data-stampede]").forEach(stampede);
  var status = document.getElementById("refresh-status");
  if (status) { refreshStatus(status); }
  var table = document.getElementById("invalidation-result");
  if (table) { invalidation(document.querySelectorAll("form[data-invalidation]"), table); }
})();
