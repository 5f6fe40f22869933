/* Names for Material's own widgets that axe-core finds unnamed: the search dialog, the
   instant-navigation progress bar (also moved into the header landmark), and the copy-button <nav> of each code block (several
   unnamed <nav> landmarks on one page cannot be told apart). Runs on every page and again
   after each instant navigation; code-block navs are added by Material after load, so a
   MutationObserver names them as they appear. */
(function () {
  "use strict";
  function name(root) {
    var search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");
    var progress = document.querySelector(".md-progress[role=progressbar]");
    if (progress && !progress.hasAttribute("aria-label")) progress.setAttribute("aria-label", "Page loading");
    // Material renders the bar after the footer, outside every landmark (axe: region). It is
    // fixed to the top of the viewport, so inside the header (the banner) it looks the same.
    var header = document.querySelector("header.md-header");
    if (progress && header && progress.parentNode !== header) header.appendChild(progress);
    (root || document).querySelectorAll("nav.md-code__nav:not([aria-label])").forEach(function (nav) {
      var block = nav.closest("[id]");
      nav.setAttribute("aria-label", "Code block actions" + (block ? " (" + block.id.replace(/^__/, "").replace(/_/g, " ") + ")" : ""));
    });
  }
  name();
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      if (records[i].addedNodes.length) { name(); return; }
    }
  }).observe(document.body || document.documentElement, { childList: true, subtree: true });
})();
