// The council meeting form: rows for absent members, and the vote result per nominee as the secretary types.
// Pass/fail follows workflows/rules.py exactly: share = votes / base (base = all members, or those present),
// compared with the threshold strictly ("trên") or not ("từ ... trở lên"), in whole numbers so 80% is exact.
(function () {
  "use strict";

  function toInt(input) {
    if (!input || input.value.trim() === "") { return null; }
    var value = Number(input.value);
    return Number.isInteger(value) ? value : NaN;
  }

  function formatPercent(votes, total) {
    // Like rules.format_percent: whole numbers plain, otherwise two decimals with a decimal comma.
    if ((votes * 100) % total === 0) { return (votes * 100 / total) + "%"; }
    var rounded = Math.round(votes * 10000 / total) / 100;
    return String(rounded.toFixed(2)).replace(/0+$/, "").replace(/\.$/, "").replace(".", ",") + "%";
  }

  function passes(row, votes, total, present) {
    var num = Number(row.getAttribute("data-threshold-num"));
    var den = Number(row.getAttribute("data-threshold-den"));
    var strict = row.getAttribute("data-strict") === "true";
    var base = row.getAttribute("data-denominator") === "present" ? present : total;
    if (base === 0) { return false; }
    return strict ? votes * den > num * base : votes * den >= num * base;
  }

  function update() {
    var total = toInt(document.getElementById("hop-total_members"));
    var present = toInt(document.getElementById("hop-present_members"));
    var quorum = document.getElementById("quorum-status");
    var attendanceOk = total !== null && present !== null && !isNaN(total) && !isNaN(present) &&
      total > 0 && present >= 0 && present <= total;
    if (!attendanceOk) {
      quorum.textContent = (total !== null && present !== null && present > total)
        ? "Số có mặt lớn hơn tổng số thành viên."
        : "Nhập tổng số và số có mặt để kiểm tra đủ 2/3 thành viên.";
      quorum.className = "field field--wide quorum" + (present > total ? " quorum--bad" : "");
    } else {
      var needed = Math.ceil(total * 2 / 3);
      var ok = present * 3 >= total * 2;
      quorum.textContent = ok
        ? "Có mặt " + present + "/" + total + ": đủ 2/3 thành viên, cuộc họp hợp lệ."
        : "Có mặt " + present + "/" + total + ": chưa đủ 2/3 thành viên (cần ít nhất " + needed + ").";
      quorum.className = "field field--wide quorum " + (ok ? "quorum--ok" : "quorum--bad");
    }
    document.querySelectorAll("[data-vote-row]").forEach(function (row) {
      var input = row.querySelector("input[data-vote-input]");
      var percent = row.querySelector("[data-vote-percent]");
      var result = row.querySelector("[data-vote-result]");
      var votes = toInt(input);
      result.className = "vote-result";
      if (!attendanceOk || votes === null) {
        percent.textContent = "—";
        result.textContent = "—";
        return;
      }
      if (isNaN(votes) || votes < 0 || votes > present) {
        percent.textContent = "—";
        result.textContent = votes > present ? "Không hợp lệ: nhiều hơn số có mặt" : "Không hợp lệ";
        result.classList.add("vote-result--danger");
        return;
      }
      percent.textContent = formatPercent(votes, total);
      var ok = passes(row, votes, total, present);
      result.textContent = ok ? "Đạt" : "Không đạt";
      result.classList.add(ok ? "vote-result--success" : "vote-result--danger");
    });
  }

  var form = document.getElementById("meeting-form");
  if (!form) { return; }
  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-vote-input")) { update(); }
  });
  update();

  var addButton = document.getElementById("add-absentee");
  var template = document.getElementById("absentee-template");
  var body = document.querySelector("#absentees tbody");
  addButton.addEventListener("click", function () {
    var index = Number(addButton.getAttribute("data-next-index"));
    addButton.setAttribute("data-next-index", String(index + 1));
    var html = template.innerHTML.replace(/__i__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    var row = body.lastElementChild;
    row.querySelector("input").focus();
  });
  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-absentee]");
    if (!button) { return; }
    var row = button.closest("tr");
    row.parentNode.removeChild(row);
    addButton.focus();
  });
})();
