/*
 * The person's space — progressive enhancement only: every page works without this file.
 *
 * data-portal-read-aloud   on a button: reads the page's main content aloud with the browser's own
 *                          speech synthesis (nothing leaves the device); hidden where unsupported.
 *                          data-portal-say="…" on an element replaces its text when read aloud
 *                          (a pictogram's meaning); data-portal-silent leaves it out.
 */
(function () {
  "use strict";

  function readableText(root) {
    var copy = root.cloneNode(true);
    copy.querySelectorAll("[data-portal-silent], script, style, [hidden]").forEach(function (node) {
      node.remove();
    });
    copy.querySelectorAll("[data-portal-say]").forEach(function (node) {
      node.textContent = node.getAttribute("data-portal-say");
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-portal-read-aloud]");
    if (!button || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
      return;
    }
    var label = button.querySelector("[data-portal-read-aloud-label]");
    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var synth = window.speechSynthesis;
      if (synth.speaking) {
        synth.cancel();
        return;
      }
      var main = document.getElementById("contenu");
      var utterance = new SpeechSynthesisUtterance(readableText(main));
      utterance.lang = "fr-FR";
      utterance.rate = document.body.classList.contains("portal--easy") ? 0.85 : 1;
      utterance.onend = utterance.onerror = function () {
        button.setAttribute("aria-pressed", "false");
        if (label) { label.textContent = "Lire à voix haute"; }
      };
      button.setAttribute("aria-pressed", "true");
      if (label) { label.textContent = "Arrêter la lecture"; }
      synth.speak(utterance);
    });
  });
})();
