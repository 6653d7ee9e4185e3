// Starts ReDoc on /api/redoc; its run-time styles carry the nonce the page's CSP names.
"use strict";
(function () {
  const root = document.getElementById("redoc");
  window.Redoc.init(root.dataset.openapiUrl, { nonce: root.dataset.nonce }, root);
})();
