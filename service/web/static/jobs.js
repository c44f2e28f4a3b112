// Background jobs on the round page: start one without leaving the page, then show its
// progress every second until it ends. The form and the panel work without this script.
(function () {
  "use strict";

  var TONES = { queued: "neutral", running: "progress", finished: "success", failed: "danger" };
  var POLL_MS = 1000;

  function sizeText(bytes) {
    if (!bytes) { return ""; }
    var mb = bytes / (1024 * 1024);
    return mb >= 1 ? " (" + mb.toFixed(1).replace(".", ",") + " MB)" : " (" + Math.max(1, Math.round(bytes / 1024)) + " KB)";
  }

  function show(panel, job) {
    var status = panel.querySelector("[data-job-status]");
    var state = panel.querySelector("[data-job-state]");
    var bar = panel.querySelector("[data-job-bar]");
    var percent = panel.querySelector("[data-job-percent]");
    var message = panel.querySelector("[data-job-message]");
    var download = panel.querySelector("[data-job-download]");
    var button = panel.querySelector("[data-job-start] button");
    status.hidden = false;
    state.textContent = job.state_label;
    state.className = "badge badge--" + (TONES[job.state] || "neutral");
    bar.value = job.percent;
    percent.textContent = job.percent + "%";
    if (job.state === "failed" || job.result_missing) {
      message.textContent = job.error;
    } else if (job.state === "finished") {
      message.textContent = "Xong (" + job.done + "/" + job.total + " phần việc). Tệp đã sẵn sàng để tải.";
    } else {
      message.textContent = (job.message || "Đang chờ xử lý…") + (job.total ? " (" + job.done + "/" + job.total + ")" : "");
    }
    var running = job.state === "queued" || job.state === "running";
    button.disabled = running;
    if (job.download_url) {
      download.hidden = false;
      download.querySelector("a").setAttribute("href", job.download_url);
      download.querySelector("[data-job-size]").textContent = sizeText(job.result_size);
    } else {
      download.hidden = true;
    }
    return running;
  }

  function follow(panel, url) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        if (show(panel, job)) { window.setTimeout(function () { follow(panel, url); }, POLL_MS); }
      })
      .catch(function () {
        // A lost connection: say so and try again a little later, the job goes on without the page.
        panel.querySelector("[data-job-message]").textContent =
          "Mất kết nối tạm thời; đang thử lại… Công việc vẫn tiếp tục chạy trên máy chủ.";
        window.setTimeout(function () { follow(panel, url); }, POLL_MS * 3);
      });
  }

  document.querySelectorAll("[data-job-panel]").forEach(function (panel) {
    var form = panel.querySelector("[data-job-start]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
        .then(function (result) {
          var data = result[1];
          if (!result[0] || !data.job) {
            panel.querySelector("[data-job-status]").hidden = false;
            panel.querySelector("[data-job-message]").textContent = data.message || "Không bắt đầu được; hãy thử lại.";
            button.disabled = false;
            return;
          }
          show(panel, data.job);
          follow(panel, data.job.status_url);
        })
        .catch(function () {
          panel.querySelector("[data-job-status]").hidden = false;
          panel.querySelector("[data-job-message]").textContent = "Không kết nối được với máy chủ; hãy thử lại.";
          button.disabled = false;
        });
    });
    var running = panel.getAttribute("data-job-status-url");
    if (running) { follow(panel, running); }
  });
}());
