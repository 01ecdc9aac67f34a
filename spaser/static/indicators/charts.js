// Renders the Vega-Lite charts of the dashboard. No eval: vega-embed is given `ast: true`, so Vega parses
// expressions to an AST evaluated by vega-interpreter (loaded before), which the CSP without unsafe-eval allows.
(function () {
  "use strict";

  function render(element) {
    var url = element.getAttribute("data-chart-url");
    if (!url || typeof window.vegaEmbed !== "function") {
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (spec) {
        return window.vegaEmbed(element, spec, {
          ast: true,
          actions: false,
          renderer: "svg",
          defaultStyle: false,
          // vega-tooltip without its injected <style> (the CSP forbids inline styles): indicators.css styles it.
          tooltip: { disableDefaultStyle: true, theme: "custom" }
        });
      })
      .then(function () {
        element.setAttribute("data-chart-ready", "true");
      })
      .catch(function (error) {
        element.setAttribute("data-chart-error", String(error));
        element.textContent = "Le graphique n'a pas pu être affiché ; les valeurs sont dans le tableau.";
      });
  }

  function init() {
    document.querySelectorAll("[data-chart-url]").forEach(render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
