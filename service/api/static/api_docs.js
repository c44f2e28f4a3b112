// Starts Swagger UI on the service's own OpenAPI document (kept out of the page
// so that a strict Content-Security-Policy can forbid inline scripts).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true
  });
});
