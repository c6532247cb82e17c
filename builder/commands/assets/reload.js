// Live preview (atlasgen serve only; never part of a built site): reload the page after each rebuild,
// show an overlay naming file, line and column while the last rebuild failed.
(function () {
  "use strict";
  var script = document.currentScript;
  var shownBuild = script ? script.dataset.build : "";
  var OVERLAY = "atlasgen-overlay";

  function addStylesheet() {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = "/_atlasgen/preview.css";
    document.head.appendChild(link);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showProblems(problems) {
    hideProblems();
    var overlay = element("div", OVERLAY);
    overlay.id = OVERLAY;
    overlay.setAttribute("role", "alert");
    var box = element("div", OVERLAY + "__box");
    box.appendChild(element("h2", OVERLAY + "__title", "The site could not be rebuilt"));
    var list = element("ul", OVERLAY + "__problems");
    problems.forEach(function (problem) {
      var item = element("li", OVERLAY + "__problem");
      item.appendChild(element("code", OVERLAY + "__where", problem.where));
      item.appendChild(element("span", OVERLAY + "__message", problem.message));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(element("p", OVERLAY + "__note",
      "This page shows the last good build. Fix the file and save it: the page reloads by itself."));
    overlay.appendChild(box);
    document.body.appendChild(overlay);
  }

  function hideProblems() {
    var old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  addStylesheet();
  var events = new EventSource("/_atlasgen/events");
  events.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.problems.length) {
      showProblems(state.problems);
    } else if (String(state.build) !== shownBuild) {
      events.close();
      window.location.reload();
    } else {
      hideProblems();
    }
  };
})();
