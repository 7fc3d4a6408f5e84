// The job page's live progress: polls the job API until the job is done or failed (no inline script:
// the staff pages' CSP allows scripts from 'self' only).
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || root.getAttribute("data-finished") === "true") { return; }
  var url = root.getAttribute("data-job-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var state = document.getElementById("job-state");
  var files = document.getElementById("job-files");
  var published = document.getElementById("job-published");

  function sentence(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : ""; }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function show(job) {
    var value = Math.round(job.progress * 100);
    bar.value = value;
    bar.textContent = value + "%";
    percent.textContent = value + "%";
    var finished = job.state === "done" || job.state === "failed";
    var text = job.state.charAt(0).toUpperCase() + job.state.slice(1);
    if (job.stage && !finished) { text += ": " + job.stage; }
    if (job.reason) { text += ". " + sentence(job.reason); }
    if (state.textContent !== text) { state.textContent = text; }
    if (files) {
      files.textContent = "";
      job.files.forEach(function (f) {
        var row = document.createElement("tr");
        cell(row, f.filename);
        var link = document.createElement("a");
        link.href = "/staff/documents/" + encodeURIComponent(f.document_id);
        link.textContent = f.document_id;
        cell(row, "").appendChild(link);
        cell(row, f.outcome);
        cell(row, sentence(f.reason));
        files.appendChild(row);
      });
    }
    if (published.textContent !== (job.note || "")) { published.textContent = job.note || ""; }
    return finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && show(job)) { root.setAttribute("data-finished", "true"); return; }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
