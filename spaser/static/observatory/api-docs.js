// Starts Swagger UI on the API docs page; the schema URL comes from a data attribute (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var container = document.getElementById("swagger-ui");
  if (!container || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: false,
    tryItOutEnabled: true,
  });
});
