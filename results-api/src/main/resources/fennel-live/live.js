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

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
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

  async function showTask(id) {
    shown = id;
    $("detail").hidden = false;
    $("detail-id").textContent = id;
    $("detail-message").textContent = "loading…";
    $("detail-json").textContent = "";
    $("revoke").hidden = true;
    $("retry").hidden = true;
    try {
      const response = await api("/tasks/" + encodeURIComponent(id));
      const body = await response.json();
      if (shown !== id) {
        return;
      }
      $("detail-json").textContent = JSON.stringify(body, null, 2);
      $("detail-message").textContent =
        response.status === 404 ? "No result yet: pending (published, waiting or running), or never published." : "";
      // A task with no final result can still be stopped: pending, running, or waiting to retry.
      $("revoke").hidden = !(body.status === "PENDING" || body.status === "RETRY");
      $("retry").hidden = body.status !== "FAILURE";
    } catch (e) {
      handle(e);
    }
  }

  async function revoke() {
    const id = shown;
    if (!id || !confirm("Revoke task " + id + "?")) {
      return;
    }
    try {
      // A write is JSON, which no page of another site can send here without asking first.
      const response = await api("/tasks/" + encodeURIComponent(id) + "/revoke", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      const text = await response.text();
      $("detail-message").textContent = response.ok
        ? "Revoked: " + text
        : "Revoke answered " + response.status + ": " + text;
    } catch (e) {
      handle(e);
    }
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
      const response = await api("/tasks/" + encodeURIComponent(id) + "/retry", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
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
    $("detail").hidden = true;
  });

  window.fennelLive = { chart: () => chart };
  poll();
})();
