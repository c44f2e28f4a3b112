// Small enhancements for the pages; every form also works without this script.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Forms whose step cannot be taken back ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // Edit a nominee in place: open the form row under it instead of loading the page again.
  function openEditRow(link) {
    var row = document.getElementById(link.getAttribute("data-open-edit"));
    if (!row) { return false; }
    var opening = row.hidden;
    row.hidden = !opening;
    link.setAttribute("aria-expanded", opening ? "true" : "false");
    if (opening) {
      var first = row.querySelector("input:not([type=hidden]):not([type=radio]), select, textarea");
      if (first) { first.focus(); }
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var open = event.target.closest("[data-open-edit]");
    if (open && openEditRow(open)) {
      event.preventDefault();
      return;
    }
    var close = event.target.closest("[data-close-edit]");
    if (close) {
      var row = close.closest(".edit-row");
      if (row) {
        event.preventDefault();
        row.hidden = true;
        var opener = document.querySelector('[data-open-edit="' + row.id + '"]');
        if (opener) { opener.setAttribute("aria-expanded", "false"); opener.focus(); }
      }
    }
  });

  // A nominee form shows only the fields and award forms that fit the chosen kind.
  function applyKind(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    var kind = checked ? checked.value : "";
    form.querySelectorAll("[data-kinds]").forEach(function (element) {
      var fits = !kind || element.getAttribute("data-kinds").split(" ").indexOf(kind) !== -1;
      if (element.tagName === "OPTION") {
        element.hidden = !fits;
        element.disabled = !fits;
        if (!fits && element.selected) { element.parentNode.value = ""; }
      } else {
        element.hidden = !fits;
        element.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !fits; });
      }
    });
  }

  document.querySelectorAll("[data-nominee-form]").forEach(function (form) {
    applyKind(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") { applyKind(form); }
    });
  });

  // Generating the documents: one request per document, with a progress bar; the page stays usable.
  function generate(form) {
    var kinds = form.getAttribute("data-kinds").split(" ");
    var button = form.querySelector('button[type="submit"]');
    var box = form.querySelector(".progress-box");
    var bar = form.querySelector("progress");
    var text = form.querySelector(".progress-text");
    var panel = document.getElementById("documents-panel");
    var done = 0;
    button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    panel.setAttribute("aria-busy", "true");

    function title(kind) {
      var input = form.querySelector('[data-kind-title="' + kind + '"]');
      return input ? input.value : kind;
    }

    function fail(message) {
      panel.removeAttribute("aria-busy");
      button.disabled = false;
      box.hidden = true;
      text.textContent = message;
      text.classList.add("text-danger");
    }

    function next() {
      if (done === kinds.length) { return; }
      var kind = kinds[done];
      text.classList.remove("text-danger");
      text.textContent = "Đang tạo " + title(kind) + " (" + (done + 1) + "/" + kinds.length + ")…";
      var body = new FormData();
      body.append("csrf_token", csrfToken());
      body.append("kind", kind);
      ["signer_official_id", "signer_authority"].forEach(function (name) {
        var field = form.querySelector('[name="' + name + '"]');
        if (field) { body.append(name, field.value); }
      });
      fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                          headers: {"Accept": "application/json", "X-CSRFToken": csrfToken()}})
        .then(function (response) {
          return response.json().catch(function () {
            return {ok: false, message: "Máy chủ trả lời không đọc được (mã " + response.status + "). Hãy tải lại trang."};
          });
        })
        .then(function (data) {
          if (!data.ok) { fail(data.message || "Chưa tạo được văn bản."); return; }
          done += 1;
          bar.value = done;
          if (done < kinds.length) { next(); return; }
          var actions = document.getElementById("actions-panel");
          if (actions && data.actions_html) { actions.outerHTML = data.actions_html; }
          panel.outerHTML = data.documents_html;
          var status = document.querySelector("#documents-panel .progress-text");
          if (status) { status.textContent = "Đã tạo xong " + kinds.length + " văn bản."; }
          bindDocuments();
        })
        .catch(function () { fail("Mất kết nối tới máy chủ. Hãy kiểm tra mạng rồi thử lại."); });
    }
    next();
  }

  // Previews load when opened, so the page itself stays light.
  function bindDocuments() {
    var form = document.querySelector("[data-generate]");
    if (form && !form.hasAttribute("data-bound")) {
      form.setAttribute("data-bound", "1");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        generate(form);
      });
    }
    document.querySelectorAll("details[data-preview-url]").forEach(function (details) {
      if (details.hasAttribute("data-bound")) { return; }
      details.setAttribute("data-bound", "1");
      details.addEventListener("toggle", function () {
        if (!details.open || details.hasAttribute("data-loaded")) { return; }
        var target = details.querySelector(".doc-preview");
        fetch(details.getAttribute("data-preview-url"), {credentials: "same-origin", headers: {"X-Fragment": "1"}})
          .then(function (response) {
            if (!response.ok) { throw new Error(String(response.status)); }
            return response.text();
          })
          .then(function (html) {
            // The server sanitised this HTML (only text-formatting tags, no attributes but colspan/rowspan).
            target.innerHTML = html;
            details.setAttribute("data-loaded", "1");
          })
          .catch(function () { target.textContent = "Không tải được bản xem trước. Hãy thử “Mở bản xem trước”."; });
      });
    });
  }

  bindDocuments();
})();
