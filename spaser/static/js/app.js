// Platform behaviours, loaded on every page (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  // An invalid form puts the focus on its error summary, so screen-reader users hear it first.
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  // Forms with data-confirm ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
  // Select elements with data-autosubmit submit their form when changed (filters).
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
