/*
 * Parcours — progressive enhancement only: every page works without this file.
 * Hooks are data-parcours-* attributes (docs/ui.md).
 *
 * data-parcours-confirm="Question ?"   on a form or a button/link: ask before going on.
 * data-parcours-autosubmit             on a form: submit when a <select> or checkbox changes.
 * data-parcours-focus                  on a field: focus it when the page loads.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-parcours-confirm")) ||
      form.getAttribute("data-parcours-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-parcours-confirm]");
    if (link && !window.confirm(link.getAttribute("data-parcours-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-parcours-autosubmit")) {
      return;
    }
    if (field.tagName === "SELECT" || field.type === "checkbox" || field.type === "radio") {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var field = document.querySelector("[data-parcours-focus]");
    if (field) {
      field.focus();
    }
  });
})();
