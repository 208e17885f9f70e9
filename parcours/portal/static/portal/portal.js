/*
 * The person's space — progressive enhancement only: every page works without this file.
 *
 * data-portal-read-aloud   on a button: reads the page's main content aloud in French with the
 *                          browser's own speech synthesis (nothing leaves the device); hidden where the
 *                          browser cannot speak. Pressed again, it stops. When the person selected some
 *                          text of the page, only that text is read.
 *                          Each line of the page (a heading, a paragraph, an item) is read as one
 *                          utterance, with a pause after it: the easy-read mode writes one idea a line.
 *                          data-portal-say="…" on an element is read instead of its content (the
 *                          meaning of a pictogram); data-portal-silent leaves an element out. What is
 *                          hidden, or hidden from screen readers (aria-hidden), is not read either.
 */
(function () {
  "use strict";

  var SKIPPED = "script, style, template, noscript, select, textarea, [hidden], [aria-hidden='true']";
  // Some engines stop reading a long utterance after about fifteen seconds: cut long lines.
  var MAX_LENGTH = 220;

  function clean(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  /* The lines of `root` as a reader sees them: text split at every block (heading, paragraph, item,
     cell, line break), in the order of the page. */
  function readableLines(root) {
    var lines = [];
    var current = "";
    function flush() {
      var text = clean(current);
      if (text) { lines.push(text); }
      current = "";
    }
    function walk(node) {
      if (node.nodeType === Node.TEXT_NODE) {
        current += node.textContent;
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE || node.hasAttribute("data-portal-silent")) {
        return;
      }
      if (node.hasAttribute("data-portal-say")) {
        current += " " + node.getAttribute("data-portal-say") + " ";
        return;
      }
      if (node.matches(SKIPPED)) {
        return;
      }
      if (node.tagName === "BR") {
        flush();
        return;
      }
      var style = window.getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden") {
        return;
      }
      var block = style.display.indexOf("inline") !== 0;
      if (block) { flush(); }
      node.childNodes.forEach(walk);
      if (block) { flush(); }
    }
    walk(root);
    flush();
    return lines;
  }

  function chunks(line) {
    if (line.length <= MAX_LENGTH) { return [line]; }
    var parts = line.match(/[^.!?;:]+[.!?;:]*\s*/g) || [line];
    var out = [];
    var current = "";
    parts.forEach(function (part) {
      if (current && (current + part).length > MAX_LENGTH) {
        out.push(clean(current));
        current = "";
      }
      current += part;
    });
    if (clean(current)) { out.push(clean(current)); }
    return out;
  }

  function selectedLines(main) {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return null; }
    if (!main.contains(selection.getRangeAt(0).commonAncestorContainer)) { return null; }
    var lines = selection.toString().split(/\n+/).map(clean).filter(Boolean);
    return lines.length ? lines : null;
  }

  function frenchVoice(synth) {
    var voices = synth.getVoices ? synth.getVoices() : [];
    return voices.filter(function (voice) { return /^fr(-|_|$)/i.test(voice.lang); })[0] || null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-portal-read-aloud]");
    if (!button || !("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") {
      return;
    }
    var synth = window.speechSynthesis;
    var label = button.querySelector("[data-portal-read-aloud-label]");
    var idleLabel = label ? label.textContent : "";
    var reading = false;

    function setReading(value) {
      reading = value;
      if (label) { label.textContent = value ? "Arrêter la lecture" : idleLabel; }
    }

    function stop() {
      setReading(false);
      synth.cancel();
    }

    button.hidden = false;
    button.addEventListener("click", function () {
      if (reading) {
        stop();
        return;
      }
      var main = document.getElementById("contenu");
      if (!main) { return; }
      var lines = selectedLines(main) || readableLines(main);
      var pieces = [];
      lines.forEach(function (line) { pieces = pieces.concat(chunks(line)); });
      if (!pieces.length) { return; }
      synth.cancel();
      var voice = frenchVoice(synth);
      var slow = document.body.classList.contains("portal--easy");
      setReading(true);
      pieces.forEach(function (text, index) {
        var utterance = new SpeechSynthesisUtterance(text);
        utterance.lang = "fr-FR";
        if (voice) { utterance.voice = voice; }
        utterance.rate = slow ? 0.85 : 1;
        if (index === pieces.length - 1) {
          utterance.onend = function () { setReading(false); };
        }
        utterance.onerror = function (event) {
          // "interrupted" and "canceled" follow our own stop(); anything else ends the reading too.
          if (event.error !== "interrupted" && event.error !== "canceled") { stop(); }
        };
        synth.speak(utterance);
      });
    });
    // Leaving the page stops the voice: it would go on reading a page no longer shown.
    window.addEventListener("pagehide", function () { if (reading) { stop(); } });
  });
})();
