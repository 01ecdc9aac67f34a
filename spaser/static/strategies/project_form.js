// Purchase form: show the insertion factors only with an insertion clause, and check/uncheck all programme rows.
// No inline script (CSP); the live checklist itself is plain htmx attributes on the form.
document.addEventListener("DOMContentLoaded", () => {
  const insertion = document.getElementById("id_insertion_clause");
  if (insertion) {
    const factors = ["insertion_labour_share", "insertion_rate", "insertion_hourly_cost", "insertion_hours"].map(
      (name) => document.getElementById(`id_${name}`)
    );
    const toggle = () => {
      factors.forEach((input) => {
        if (input) {
          input.closest(".mb-3").hidden = !insertion.checked;
        }
      });
    };
    insertion.addEventListener("change", toggle);
    toggle();
  }
  const all = document.getElementById("select-all-entries");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input[name=entries]").forEach((box) => {
        box.checked = all.checked;
      });
    });
  }
});
