// The workshop dashboard's only script, served as a file under a Content-Security-Policy that
// forbids inline scripts.  It reads what it needs from data attributes (text the server escaped
// for an attribute) and never turns page content into code.
//
//   <form data-confirm="question">  asks the question first; the form is sent only on OK
//   <button data-print>              opens the print dialog
//   <div id="live" data-src="url">   replaced every few seconds by the fragment at url
"use strict";
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) { return; }
    if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (el) { event.preventDefault(); window.print(); }
  });

  function startLive() {
    var live = document.getElementById("live");
    if (!live || !live.dataset.src) { return; }
    // Live updates without reloading the page (a reload would lose the projector's scroll position).
    setInterval(function () {
      fetch(live.dataset.src, {credentials: "same-origin"}).then(function (r) {
        return r.ok && !r.redirected ? r.text() : null;  // logged out: keep what is shown
      }).then(function (html) {
        if (html !== null && html !== live.innerHTML) { live.innerHTML = html; }
      }).catch(function () {});
    }, 4000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startLive);
  } else {
    startLive();
  }
})();
