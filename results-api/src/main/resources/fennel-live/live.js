// Fennel's live page: polls the results API at most once a second. Every value from the API is
// put in the page as text (never as HTML): task names and worker names come from any client.
(function () {
  "use strict";

  const TOKEN_KEY = "fennel.token";
  const POLL_MS = 1000;
  const STATUSES = ["success", "failure", "retry", "expired", "revoked", "other"];
  const COLORS = {
    success: "#00a32a", failure: "#d63638", retry: "#dba617", expired: "#8c8f94", revoked: "#8a2be2", other: "#2271b1",
  };
  const $ = (id) => document.getElementById(id);

  const previous = {}; // queue -> {at, published, taken}: the last /queues answer, for rates
  const rates = {};    // queue -> {in, out}
  let chart = null;
  let waitingForToken = false;
  let shown = null;    // the id whose result the detail panel shows

  class Unauthorized extends Error {}

  async function api(path, options) {
    const headers = Object.assign({}, (options && options.headers) || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      headers["Authorization"] = "Bearer " + token;
    }
    const response = await fetch(path, Object.assign({}, options, { headers: headers, cache: "no-store" }));
    if (response.status === 401) {
      throw new Unauthorized();
    }
    return response;
  }

  // Every write is a POST of JSON, which no page of another site can send here without asking first.
  function post(path) {
    return api(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
  }

  async function json(path) {
    const response = await api(path);
    const body = await response.json();
    if (!response.ok) {
      throw new Error(path + ": " + response.status + " " + (body.message || ""));
    }
    return body;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  // Redraws a table body from freshly built rows, keeping every row and cell the page already shows
  // unchanged. Replacing them all each second would pull a button out from under a pointer between
  // press and release (the click is lost) and undo a selection (an id could not be copied). A row is
  // kept when it has the same key (data-id, data-queue or data-worker) and the same attributes; within
  // it, only the cells whose markup changed are swapped. A kept row keeps its listeners, which act on
  // its key alone.
  function rowKey(tr) {
    return tr.dataset.id || tr.dataset.queue || tr.dataset.worker || null;
  }

  function sameTag(a, b) {
    return a.cloneNode(false).outerHTML === b.cloneNode(false).outerHTML;
  }

  function replaceRows(tbody, rows) {
    const shown = new Map();
    for (const tr of tbody.rows) {
      const key = rowKey(tr);
      if (key !== null) {
        shown.set(key, tr);
      }
    }
    const next = rows.map((tr) => {
      const key = rowKey(tr);
      const old = key === null ? undefined : shown.get(key);
      if (old === undefined || !sameTag(old, tr) || old.cells.length !== tr.cells.length) {
        return tr;
      }
      shown.delete(key); // one row per key, even if a task is listed twice (two workers run it)
      const fresh = Array.from(tr.cells);
      Array.from(old.cells).forEach((td, i) => {
        if (td.outerHTML !== fresh[i].outerHTML) {
          old.replaceChild(fresh[i], td);
        }
      });
      return old;
    });
    const keep = new Set(next);
    Array.from(tbody.rows).filter((tr) => !keep.has(tr)).forEach((tr) => tr.remove());
    next.forEach((tr, i) => {
      if (tbody.rows[i] !== tr) {
        tbody.insertBefore(tr, tbody.rows[i] || null);
      }
    });
  }

  function rate(value) {
    return value === undefined ? "–" : value < 10 ? value.toFixed(1) : Math.round(value).toString();
  }

  function duration(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) {
      return "";
    }
    if (ms < 1000) {
      return Math.round(ms) + " ms";
    }
    if (ms < 60000) {
      return (ms / 1000).toFixed(1) + " s";
    }
    if (ms < 3600000) {
      return Math.round(ms / 60000) + " min";
    }
    return (ms / 3600000).toFixed(1) + " h";
  }

  function since(iso) {
    return iso ? duration(Date.now() - Date.parse(iso)) : "";
  }

  function renderQueues(body) {
    const at = Date.parse(body.at);
    const rows = body.queues.map((q) => {
      const taken = q.published - q.backlog;
      const before = previous[q.queue];
      if (before && at > before.at) {
        const seconds = (at - before.at) / 1000;
        rates[q.queue] = {
          in: Math.max(0, (q.published - before.published) / seconds),
          out: Math.max(0, (taken - before.taken) / seconds),
        };
      }
      if (!before || at > before.at) {
        previous[q.queue] = { at: at, published: q.published, taken: taken };
      }
      const r = rates[q.queue] || {};
      const tr = document.createElement("tr");
      tr.dataset.queue = q.queue;
      cell(tr, q.queue);
      cell(tr, q.backlog, "num backlog");
      cell(tr, rate(r.in), "num in");
      cell(tr, rate(r.out), "num out");
      cell(tr, q.partitions, "num");
      cell(tr, [...new Set(q.workers.map((w) => w.worker))].join(", ") || "none");
      cell(tr, q.groupState.toLowerCase(), "muted");
      return tr;
    });
    replaceRows($("queues-body"), rows);
  }

  function renderWorkers(body) {
    const rows = body.workers.map((w) => {
      const tr = document.createElement("tr");
      tr.dataset.worker = w.worker;
      cell(tr, w.worker);
      cell(tr, w.state, "state-" + w.state);
      cell(tr, w.queues.join(", "));
      cell(tr, w.busy + " / " + w.slots, "num");
      cell(tr, rate(w.tasksPerSecond), "num");
      cell(tr, w.finished, "num");
      cell(tr, since(w.lastSeen) + " ago", "muted");
      return tr;
    });
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      cell(tr, "no worker has reported yet").colSpan = 7;
      rows.push(tr);
    }
    replaceRows($("workers-body"), rows);
    renderRunning(body);
  }

  // Running view: the tasks each worker's latest heartbeat lists (GET /workers), with their
  // progress, and Revoke and Terminate (POST /tasks/{id}/revoke, ?terminate=true) for each.

  function progressCell(row, progress) {
    const td = cell(row, "", "progress");
    if (typeof progress === "number") {
      const bar = document.createElement("progress");
      bar.max = 1;
      bar.value = progress;
      td.appendChild(bar);
      td.appendChild(document.createTextNode(" " + Math.round(progress * 100) + " %"));
      td.dataset.progress = String(progress);
    } else if (progress !== undefined && progress !== null) {
      td.textContent = JSON.stringify(progress);
    }
    return td;
  }

  function actionButton(label, title, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.title = title;
    button.className = label.toLowerCase();
    button.addEventListener("click", onClick);
    return button;
  }

  function runningRow(worker, t) {
    const tr = document.createElement("tr");
    tr.dataset.id = t.id;
    tr.dataset.worker = worker;
    cell(tr, worker);
    cell(tr, t.task);
    cell(tr, t.id, "id");
    cell(tr, duration(t.runningMs), "num");
    progressCell(tr, t.progress);
    const actions = cell(tr, "", "actions");
    actions.appendChild(actionButton("Revoke", "This run goes on; the task never runs again (a retry or a second delivery ends REVOKED)",
      () => revokeRunning(t.id, false)));
    actions.appendChild(actionButton("Terminate", "Interrupt the run now: it ends REVOKED",
      () => revokeRunning(t.id, true)));
    return tr;
  }

  function noteRow(text) {
    const tr = document.createElement("tr");
    cell(tr, text, "muted").colSpan = 6;
    return tr;
  }

  function renderRunning(body) {
    const rows = [];
    let total = 0;
    body.workers.filter((w) => w.state !== "stopped").forEach((w) => {
      if (w.runningTotal === undefined) {
        total += w.busy;
        rows.push(noteRow(w.worker + ": " + w.busy + " running; this worker does not list its tasks (an older version)"));
        return;
      }
      total += w.runningTotal;
      w.running.forEach((t) => rows.push(runningRow(w.worker, t)));
      if (w.running.length < w.runningTotal) {
        rows.push(noteRow(w.worker + ": " + (w.runningTotal - w.running.length) + " more running, not listed (a worker lists 200 at most)"));
      }
    });
    if (rows.length === 0) {
      rows.push(noteRow("no task is running"));
    }
    $("running-count").textContent = total + " running, as of each worker's latest heartbeat";
    replaceRows($("running-body"), rows);
  }

  async function revokeRunning(id, terminate) {
    await revokeTask(id, terminate, "running-message", (terminate ? "Terminate" : "Revoke") + " task " + id + "?");
  }

  // Revokes task id (terminate: its run is interrupted too) once the user confirms `question`, and
  // writes the API's answer into the element messageId: the Running and Scheduled views and the
  // task detail all show it this way. Resolves to whether the task is revoked now (a task that had
  // already finished answers 200 with revoked false and why).
  async function revokeTask(id, terminate, messageId, question) {
    if (!confirm(question)) {
      return false;
    }
    const verb = terminate ? "Terminate" : "Revoke";
    try {
      const response = await post("/tasks/" + encodeURIComponent(id) + "/revoke" + (terminate ? "?terminate=true" : ""));
      const text = await response.text();
      let body = {};
      try {
        body = JSON.parse(text);
      } catch (e) {
        // Not JSON (a proxy's page): the text is shown as it is.
      }
      const revoked = response.ok && body.revoked === true;
      $(messageId).textContent = revoked
        ? verb + "d " + id + ": " + text
        : verb + " of " + id + " answered " + response.status + ": " + (body.message || text);
      return revoked;
    } catch (e) {
      handle(e);
      return false;
    }
  }

  // Controls: one row per queue with its state and a pause or resume button; limits and slots
  // set while running below it. Kept apart from the other views: it reads /queues and /control.
  function renderControls(answers) {
    const queues = answers[0].queues.map((q) => q.queue);
    const controls = answers[1];
    const paused = new Set(controls.pausedQueues);
    const rows = queues.map((queue) => {
      const tr = document.createElement("tr");
      tr.dataset.queue = queue;
      const isPaused = paused.has(queue);
      cell(tr, queue);
      cell(tr, isPaused ? "paused" : "running", isPaused ? "state-paused" : "state-running");
      const td = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "control-queue";
      button.textContent = isPaused ? "Resume" : "Pause";
      button.addEventListener("click", () => controlQueue(queue, isPaused ? "resume" : "pause"));
      td.appendChild(button);
      tr.appendChild(td);
      return tr;
    });
    replaceRows($("controls-body"), rows);
    const limits = Object.entries(controls.limits).map(([task, limit]) => task + " " + limit);
    const slots = Object.entries(controls.slots).map(([worker, n]) => worker + " " + n + " slot(s)");
    $("controls-other").textContent =
      "limits: " + (limits.join(", ") || "the workers' --rate-limit") +
      " · slots: " + (slots.join(", ") || "the workers' -c");
  }

  async function controlQueue(queue, action) {
    try {
      const response = await post("/control/queues/" + encodeURIComponent(queue) + "/" + action);
      const body = await response.json().catch(() => ({}));
      $("controls-message").textContent = response.ok
        ? body.message
        : action + " answered " + response.status + ": " + (body.message || "");
      const answers = await Promise.all([json("/queues"), json("/control")]);
      renderControls(answers);
    } catch (e) {
      handle(e);
    }
  }

  function renderChart(body) {
    const data = [body.seconds].concat(STATUSES.map((s) => body.series[s]));
    if (!chart) {
      const width = Math.max(400, $("chart").clientWidth || 800);
      chart = new uPlot({
        width: width,
        height: 220,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
        series: [{}].concat(STATUSES.map((s) => ({ label: s, stroke: COLORS[s], width: 1.5, points: { show: false } }))),
        axes: [{}, { label: "results / s" }],
      }, data, $("chart"));
      window.addEventListener("resize", () => chart.setSize({ width: Math.max(400, $("chart").clientWidth), height: 220 }));
    } else {
      chart.setData(data);
    }
  }

  function recentQuery() {
    const params = new URLSearchParams();
    const status = $("status-filter").value;
    const task = $("task-filter").value.trim();
    if (status) {
      params.set("status", status);
    }
    if (task) {
      params.set("task", task);
    }
    params.set("limit", "200");
    return "/tasks?" + params.toString();
  }

  const taskNames = new Set();

  function renderRecent(body) {
    const search = $("id-search").value.trim();
    const rows = body.results
      .filter((t) => !search || t.id.includes(search))
      .map((t) => {
        if (t.task && !taskNames.has(t.task) && taskNames.size < 100) {
          taskNames.add(t.task);
          const option = document.createElement("option");
          option.value = t.task;
          $("task-names").appendChild(option);
        }
        const tr = document.createElement("tr");
        tr.dataset.id = t.id;
        tr.dataset.status = t.status;
        cell(tr, t.id, "id");
        cell(tr, t.task);
        cell(tr, t.status, "status status-" + t.status);
        cell(tr, t.worker);
        cell(tr, t.startedAt && t.finishedAt ? duration(Date.parse(t.finishedAt) - Date.parse(t.startedAt)) : "", "num");
        cell(tr, since(t.finishedAt || t.seenAt), "num muted");
        if (t.status === "FAILURE") {
          tr.lastChild.appendChild(retryButton(t.id));
        }
        tr.addEventListener("click", () => showTask(t.id));
        return tr;
      });
    replaceRows($("recent-body"), rows);
  }

  // The task detail: the result as JSON, its progress (a bar for a number, the JSON otherwise) and
  // links to the children it spawned. A task with no final result is looked up again every
  // POLL_MS while it is shown, so its progress moves.
  const FINAL = ["SUCCESS", "FAILURE", "EXPIRED", "REVOKED"];
  const PENDING_TEXT = "No result yet: pending (published, waiting or running), or never published.";
  let detailTimer = null;

  function showTask(id) {
    shown = id;
    clearTimeout(detailTimer);
    $("detail").hidden = false;
    $("detail-id").textContent = id;
    $("detail-message").textContent = "loading…";
    $("detail-json").textContent = "";
    renderProgress(null);
    renderChildren([]);
    $("revoke").hidden = true;
    $("retry").hidden = true;
    return loadTask(id);
  }

  async function loadTask(id) {
    try {
      const response = await api("/tasks/" + encodeURIComponent(id));
      const body = await response.json();
      if (shown !== id) {
        return;
      }
      $("detail-json").textContent = JSON.stringify(body, null, 2);
      const message = $("detail-message");
      // Only the lookup's own words change here; a revoke's answer stays.
      if (message.textContent === "loading…" || message.textContent === PENDING_TEXT) {
        message.textContent = response.status === 404 ? PENDING_TEXT : "";
      }
      renderProgress(body.progress);
      renderChildren(body.children);
      // A task with no final result can still be stopped: pending, running, or waiting to retry.
      $("revoke").hidden = !(body.status === "PENDING" || body.status === "RETRY");
      $("retry").hidden = body.status !== "FAILURE";
      if (!FINAL.includes(body.status)) {
        detailTimer = setTimeout(() => loadTask(id), POLL_MS);
      }
    } catch (e) {
      handle(e);
    }
  }

  function renderProgress(progress) {
    const none = progress === undefined || progress === null;
    const fraction = typeof progress === "number";
    $("detail-progress").hidden = none || !fraction;
    $("detail-progress-json").hidden = none || fraction;
    if (fraction) {
      $("detail-progress-bar").value = progress;
      $("detail-progress-text").textContent = Math.round(progress * 100) + " %";
    } else if (!none) {
      $("detail-progress-json").textContent = "progress " + JSON.stringify(progress, null, 2);
    }
  }

  function renderChildren(children) {
    const ids = Array.isArray(children) ? children.map(String) : [];
    $("detail-children").hidden = ids.length === 0;
    $("detail-children-list").replaceChildren(...ids.map((child) => {
      const link = document.createElement("a");
      link.href = "#";
      link.className = "child";
      link.dataset.id = child;
      link.textContent = child;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        showTask(child);
      });
      const item = document.createElement("li");
      item.appendChild(link);
      return item;
    }));
  }

  async function revoke() {
    const id = shown;
    if (id) {
      await revokeTask(id, false, "detail-message", "Revoke task " + id + "?");
    }
  }

  // The Scheduled view: the tasks that wait (GET /scheduled), each with a Revoke button. A revoked
  // task stays listed until it is due; then a worker settles it REVOKED without running it.
  const SCHEDULED_LIMIT = 100;
  const revokeSent = new Set(); // ids revoked from this view

  function renderScheduled(body) {
    const at = Date.parse(body.at);
    const rows = body.tasks.map((t) => {
      const tr = document.createElement("tr");
      tr.dataset.id = t.id;
      tr.dataset.reason = t.reason;
      cell(tr, new Date(t.dueAt).toLocaleString(), "due-at").title = t.dueAt;
      const left = Date.parse(t.dueAt) - at;
      cell(tr, left > 0 ? duration(left) : "due", "num due-in");
      cell(tr, t.reason + (t.attempt > 1 ? " (attempt " + t.attempt + ")" : ""), "reason");
      cell(tr, t.task);
      cell(tr, t.queue);
      cell(tr, t.id, "id");
      const action = cell(tr, "");
      if (revokeSent.has(t.id)) {
        action.textContent = "revoked: ends REVOKED when due";
        action.className = "muted revoked-sent";
      } else {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "revoke-scheduled";
        button.textContent = "Revoke";
        button.addEventListener("click", () => revokeScheduled(t.id));
        action.appendChild(button);
      }
      return tr;
    });
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      cell(tr, "no task waits").colSpan = 7;
      rows.push(tr);
    }
    replaceRows($("scheduled-body"), rows);
    $("scheduled-more").hidden = !body.more;
    $("scheduled-more").textContent = "The " + body.limit + " due soonest are shown; more wait behind them.";
  }

  async function revokeScheduled(id) {
    const question = "Revoke task " + id + "? It stays listed until it is due, then ends REVOKED without running.";
    if (await revokeTask(id, false, "scheduled-message", question)) {
      revokeSent.add(id);
    }
    json("/scheduled?limit=" + SCHEDULED_LIMIT).then(renderScheduled, handle);
  }

  // Retry (docs/retry.md): a FAILURE runs again under its id; the API refuses anything else and says why.
  function retryButton(id) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "retry";
    button.textContent = "Retry";
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      retryTask(id);
    });
    return button;
  }

  async function retryTask(id) {
    if (!id || !confirm("Run task " + id + " again?")) {
      return;
    }
    try {
      const response = await post("/tasks/" + encodeURIComponent(id) + "/retry");
      const text = await response.text();
      const message = response.ok ? "Retried: " + text : "Retry answered " + response.status + ": " + text;
      if (shown === id) {
        $("detail-message").textContent = message;
        $("retry").hidden = response.ok;
      } else {
        showTask(id).then(() => { $("detail-message").textContent = message; });
      }
    } catch (e) {
      handle(e);
    }
  }

  async function pollScheduled() {
    if (!waitingForToken) {
      try {
        renderScheduled(await json("/scheduled?limit=" + SCHEDULED_LIMIT));
      } catch (e) {
        handle(e);
      }
    }
    setTimeout(pollScheduled, POLL_MS);
  }

  function handle(error) {
    if (error instanceof Unauthorized) {
      waitingForToken = true;
      $("token-form").hidden = false;
      $("token-error").textContent = sessionStorage.getItem(TOKEN_KEY) ? "that token was refused" : "";
      $("connection").textContent = "needs a token";
      return;
    }
    $("connection").textContent = "error: " + error.message;
  }

  async function poll() {
    if (!waitingForToken) {
      // Each part is drawn on its own, so one failing endpoint leaves the others live.
      const parts = [
        [json("/queues"), renderQueues],
        [json("/workers"), renderWorkers],
        [json("/throughput"), renderChart],
        [json(recentQuery()), renderRecent],
        [Promise.all([json("/queues"), json("/control")]), renderControls],
      ];
      const answers = await Promise.allSettled(parts.map((part) => part[0]));
      let failure = null;
      answers.forEach((answer, i) => {
        if (answer.status === "fulfilled") {
          parts[i][1](answer.value);
        } else if (!failure || answer.reason instanceof Unauthorized) {
          failure = answer.reason;
        }
      });
      if (failure) {
        handle(failure);
      } else {
        $("connection").textContent = "live · updated " + new Date().toLocaleTimeString();
      }
    }
    setTimeout(poll, POLL_MS);
  }

  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    $("token-form").hidden = true;
    waitingForToken = false;
  });
  $("lookup").addEventListener("click", () => {
    const id = $("id-search").value.trim();
    if (id) {
      showTask(id);
    }
  });
  // A changed filter shows at once, not at the next poll.
  const refreshRecent = () => json(recentQuery()).then(renderRecent, handle);
  $("status-filter").addEventListener("change", refreshRecent);
  $("task-filter").addEventListener("change", refreshRecent);
  $("id-search").addEventListener("input", refreshRecent);
  $("revoke").addEventListener("click", revoke);
  $("retry").addEventListener("click", () => retryTask(shown));
  $("detail-close").addEventListener("click", () => {
    shown = null;
    clearTimeout(detailTimer);
    $("detail").hidden = true;
  });

  window.fennelLive = { chart: () => chart };
  poll();
  pollScheduled();
})();
