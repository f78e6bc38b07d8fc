// The moderator's page: plain DOM code against the service's JSON API, no framework and no build step.
// Everything the page shows is fetched with the bearer token kept in sessionStorage.
"use strict";

(() => {
  const TOKEN_KEY = "moderation.token";
  const PAGE_SIZE = 50;
  // A comment longer than this shows its first lines, with a button for the rest: a 20,000-character
  // comment (riskiest, so first) pushed its scores and buttons screens below.
  const LONG_TEXT_CHARS = 1200;
  // A verdict that names no attribute writes no feedback row: say so, or the signal is lost unseen.
  const NOT_LEARNED = " No attribute named: not used for training.";

  const $ = (sel) => document.querySelector(sel);
  // Everything the page keeps of a signed-in session. Sign-out (a click, or a token refused) puts it
  // back to this, as it puts the page's markup back to what the server sent (resetPage).
  const initialState = () => ({
    items: [],
    current: -1,
    cursor: null,
    attributes: [],
    thresholds: {},
    languageThresholds: {}, // language -> thresholds, where a site set its own (MODERATION_LANGUAGE_THRESHOLDS)
    contextAttributes: [], // judged against the article and thread: they decide nothing without either
    activeVersion: null,
    plotItems: [],
    sliders: {},
    deciding: new Set(), // ids whose verdict is in flight: a second key press must not send another
    lastDecided: null, // the id of the last verdict given on this page: what u (Undo) takes back
    ticked: new Map(), // id -> the "Reject for" boxes the moderator ticked, kept when the queue is redrawn
    loads: 0, // queue loads started: only the latest one's answer is shown
    backlogReads: 0, // GET /v1/queue:stats reads started: only the latest one's answer is shown
    filters: {}, // the filters of the list shown
    caller: null, // GET /v1/whoami: {moderator, api_token}, once signed in
    deskReads: 0, // GET /v1/queue:activity reads started
    recordReads: 0, // GET /v1/queue:authors reads started: only the latest one's answer is shown
    authorRecords: new Map(), // author -> {items, pending, approved, rejected}
    writeKeys: new Map(), // a verdict's request -> its Idempotency-Key, until the service answers it
    written: new Map(), // id -> the item as this page's last verdict (or its 409) left it
  });
  // One object for the page's life (moderator-plots.js holds it): reset in place, never replaced.
  const state = initialState();

  // --- HTTP ----------------------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  // Each sign-out ends a session. An answer (or a retry's wait) that comes back after the session that
  // asked for it ended never settles: nothing of the previous user is drawn into the next one's page,
  // and nothing is sent on with the next user's token.
  let session = 0;
  const never = () => new Promise(() => {});
  function live(promise) {
    const mine = session;
    return promise.then(
      (value) => (mine === session ? value : never()),
      (err) => (mine === session ? Promise.reject(err) : never()),
    );
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    const [response, text] = await live(
      fetch(path, Object.assign({}, options, { headers })).then(async (r) => [r, await r.text()]),
    );
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      const message = (body && body.error && body.error.message) || response.status + " " + response.statusText;
      const reason = body && body.error && body.error.reason;
      // A token no one holds signs out; "insufficient_scope" (a moderator's token on the API token's
      // work, such as activating a model) is said where it happened, and the moderator stays.
      const refused = response.status === 401 || (response.status === 403 && reason === "forbidden");
      if (refused && path !== "/v1/queue?limit=1") {
        signOut("Your token was refused: " + message);
        return never(); // the session that asked is over
      }
      throw new HttpError(response.status, message, body);
    }
    return body;
  }

  // A verdict's Idempotency-Key lives until the service answers it. An answer lost on the way back (a
  // dropped connection after the service committed) is retried with the same key, and the service
  // replays its first answer instead of refusing a second verdict as "already decided"; a click again
  // after such a failure is the same retry (docs/queue.md, Retrying a verdict).
  const WRITE_RETRY_DELAYS_MS = [300, 1500]; // then the moderator is told, and may click again
  function newKey() {
    // crypto.randomUUID needs a secure context; the page is often served over plain HTTP in a newsroom.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function write(path, body) {
    const request = path + " " + JSON.stringify(body);
    const writeKeys = state.writeKeys;
    if (!writeKeys.has(request)) writeKeys.set(request, newKey());
    const options = {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": writeKeys.get(request) },
      body: JSON.stringify(body),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await api(path, options);
        writeKeys.delete(request);
        return answer;
      } catch (err) {
        if (err instanceof HttpError) {
          if (err.status < 500) writeKeys.delete(request); // refused: nothing stored under the key
          throw err;
        }
        if (attempt >= WRITE_RETRY_DELAYS_MS.length) throw err; // no answer at all: keep the key
        await live(new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_DELAYS_MS[attempt])));
      }
    }
  }

  function announce(message, isError = false) {
    const box = $("#status");
    box.textContent = message;
    box.classList.toggle("error", isError);
  }

  // --- sign in -------------------------------------------------------------------------------------

  function showSignIn(message) {
    $("#app").hidden = true;
    $("#sign-out").hidden = true;
    $("#signed-in-as").hidden = true;
    $("#desk-section").hidden = true;
    state.caller = null;
    $("#sign-in").hidden = false;
    $("#sign-in-error").textContent = message || "";
    $("#token").focus();
  }

  // The page's markup as the server sent it, taken before anything was drawn or typed into it.
  let pristine = null;

  // Back to a page freshly loaded without a token: the session ended (answers still on their way are
  // dropped, see live), the state as initialState gives it, and the body's markup as served (queue,
  // author records, plots, threshold view, desk, backlog, model versions, status, the fields typed in),
  // so nothing of the previous user is left in the DOM or the script for the next one to read.
  function resetPage() {
    session += 1;
    for (const key of Object.keys(state)) delete state[key];
    Object.assign(state, initialState());
    document.body.replaceChildren(...pristine.cloneNode(true).childNodes);
    wire();
  }

  // Every way out (the Sign out button, a token refused): the page as a fresh load without a token.
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    resetPage();
    showSignIn(message);
    loadModel().catch(() => {}); // /v1/model needs no token: show which model serves
  }

  async function trySignIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    try {
      await api("/v1/queue?limit=1");
    } catch (err) {
      // The database down (5xx, after the token was checked) says nothing against the token: keep it
      // and open the page, which says what failed (the model versions need no database). No answer at
      // all (fetch threw: a token a header cannot hold, a network error) verified nothing.
      if (!(err.status >= 500)) {
        sessionStorage.removeItem(TOKEN_KEY);
        const reason = err.body && err.body.error && err.body.error.reason;
        const refused = err.status === 401 || reason === "forbidden";
        // "disabled": no token is configured on the server, or nothing may be stored; say so as is.
        showSignIn(refused ? "That token is not valid." : "Cannot open the queue: " + err.message);
        return false;
      }
    }
    $("#sign-in").hidden = true;
    $("#app").hidden = false;
    $("#sign-out").hidden = false;
    await loadCaller();
    await loadQueue(true); // (and the model versions)
    loadPlots();
    return true;
  }

  // Who the token names: shown beside "Sign out" (a desk's shared screen), and under the model versions,
  // whose activation takes the API token, what a moderator's click will be told.
  async function loadCaller() {
    try {
      state.caller = await api("/v1/whoami");
    } catch (_) {
      state.caller = null; // (a server without this endpoint: the page opens as before, naming no one)
    }
    const caller = state.caller;
    const who = $("#signed-in-as");
    who.textContent = !caller ? "" : caller.api_token ? "Signed in with the API token" : "Signed in as " + caller.moderator;
    who.hidden = !caller;
    $("#models-scope").hidden = !caller || caller.api_token;
    $("#desk-section").hidden = !caller || !caller.api_token;
  }

  // The desk's last 7 days (GET /v1/queue:activity): the API token's view alone.
  async function loadDesk() {
    if (!state.caller || !state.caller.api_token) return;
    const body = $("#desk-table tbody");
    const read = ++state.deskReads; // only the latest read's answer is shown
    let activity;
    try {
      activity = await api("/v1/queue:activity");
    } catch (err) {
      if (read === state.deskReads) body.replaceChildren(deskRow(["Cannot read the desk's activity: " + err.message]));
      return;
    }
    if (read !== state.deskReads) return;
    const rows = activity.moderators.map((m) =>
      deskRow([m.moderator || "API token", m.verdicts, m.approved, m.rejected, m.undone, m.changed_by_others, when(m.last_at)]),
    );
    body.replaceChildren(...(rows.length ? rows : [deskRow(["No verdict in the last 7 days."])]));
  }

  function deskRow(cells) {
    const row = document.createElement("tr");
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      if (cells.length === 1) cell.colSpan = 7;
      row.append(cell);
    }
    return row;
  }

  // --- model and versions --------------------------------------------------------------------------

  async function loadModel() {
    const model = await api("/v1/model");
    state.attributes = model.attributes || [];
    state.thresholds = model.thresholds || {};
    state.languageThresholds = model.language_thresholds || {};
    state.contextAttributes = model.context_attributes || [];
    state.activeVersion = model.version;
    $("#active-version").textContent = model.version;
    const select = $("#f-attribute");
    const chosen = select.value;
    select.replaceChildren(option("", "any"));
    for (const name of state.attributes) select.append(option(name, name));
    select.value = chosen;
  }

  function option(value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  async function loadModels() {
    let listing;
    try {
      listing = await api("/v1/models");
    } catch (err) {
      announce("Cannot list model versions: " + err.message, true);
      return;
    }
    // Another replica sharing the versions directory (or a sibling worker) activated a version this
    // one does not serve yet: say so, or replicas serve different versions unnoticed.
    const lagging = listing.selected && listing.active && listing.selected !== listing.active;
    const body = $("#models-table tbody");
    body.replaceChildren();
    for (const v of listing.versions) {
      const row = document.createElement("tr");
      const selected = lagging && v.version === listing.selected ? "selected in ACTIVE, not served here yet" : "";
      const state_ = [v.shipped ? "shipped" : "trained", v.active ? "active" : "", selected].filter(Boolean).join(", ");
      for (const text of [v.version, v.created_at || "", v.attributes.join(", "), state_]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const cell = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = v.active ? "Active" : "Activate";
      button.disabled = v.active;
      button.setAttribute("aria-label", (v.active ? "Active: " : "Activate model version ") + v.version);
      button.addEventListener("click", () => activate(v.version, button));
      cell.append(button);
      row.append(cell);
      body.append(row);
    }
    const why = " (a replica or worker not switched yet): activate " + listing.selected + " here, or POST /v1/admin/reload.";
    if (lagging) announce("Model " + listing.selected + " is selected (ACTIVE names it), but this server still serves " + listing.active + why, true);
  }

  async function activate(version, button) {
    button.disabled = true;
    try {
      const out = await api("/v1/models/" + encodeURIComponent(version) + ":activate", { method: "POST" });
      announce("Now serving model " + out.version + " (was " + out.previous_version + ").");
    } catch (err) {
      announce("Activation refused: " + err.message, true);
    }
    await loadModel();
    await loadModels();
    renderQueue();
  }

  // --- the queue -----------------------------------------------------------------------------------

  function filterValues() {
    const values = {};
    const fields = {
      status: "#f-status",
      decision: "#f-decision",
      attribute: "#f-attribute",
      article: "#f-article",
      decided_by: "#f-decided-by",
      author: "#f-author",
    };
    for (const [name, sel] of Object.entries(fields)) {
      const value = $(sel).value.trim();
      if (value) values[name] = value;
    }
    return values;
  }

  function showAuthor(author) {
    $("#f-author").value = author;
    $("#f-article").value = "";
    $("#f-status").value = "";
    loadQueue(true);
  }

  function queueQuery(filters, cursor) {
    const params = new URLSearchParams(Object.assign({ limit: String(PAGE_SIZE) }, filters));
    if (cursor) params.set("cursor", cursor);
    return "/v1/queue?" + params.toString();
  }

  // How long something has waited, in words: "under a minute", "12 min", "3 h 5 min", "4 days".
  function waited(seconds) {
    const minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
    return Math.floor(hours / 24) + " days";
  }

  // The whole queue's backlog (GET /v1/queue:stats, whatever the filters): read again with every reload
  // and after every verdict, an answer overtaken by a later read dropped.
  async function loadBacklog() {
    const read = ++state.backlogReads;
    let stats;
    try {
      stats = await api("/v1/queue:stats");
    } catch (err) {
      if (read === state.backlogReads) $("#backlog").textContent = "Cannot count the queue: " + err.message;
      return;
    }
    if (read !== state.backlogReads) return;
    const waiting = stats.pending_by_decision || {};
    const parts = ["reject", "review", "approve"].filter((d) => waiting[d]).map((d) => d + " " + waiting[d]);
    $("#backlog").textContent = stats.pending
      ? stats.pending + " waiting for a verdict (" + parts.join(", ") + "), the oldest for " +
        waited(stats.oldest_pending_age_s) + "; " + stats.decided + " decided."
      : "Nothing waits for a verdict; " + stats.decided + " decided.";
  }

  async function loadQueue(reset) {
    // "Load more" clicked twice asks twice for the page after the same cursor; an Apply while a page
    // loads changes the filters: an answer that a later load superseded is dropped.
    const load = ++state.loads;
    // Another moderator may have switched the model version: which one serves decides the outlines.
    if (reset) {
      await loadModel().catch((err) => announce("Cannot read the model served: " + err.message, true));
      loadModels(); // and whether it is the version selected for every replica
      loadBacklog();
      loadDesk();
    }
    // "Load more" continues the list shown: the filters applied, not fields changed since.
    const filters = reset ? filterValues() : state.filters;
    let page;
    try {
      page = await api(queueQuery(filters, reset ? null : state.cursor));
    } catch (err) {
      // The comments shown stay as they are, and can still be decided.
      if (load === state.loads) announce("Cannot load the queue: " + err.message, true);
      return;
    }
    if (load !== state.loads) return;
    if (reset) {
      state.items = [];
      state.current = -1;
      state.filters = filters;
    }
    const first = state.items.length;
    state.items = state.items.concat(page.items.map(fresher));
    state.cursor = page.next_cursor;
    if (reset) renderQueue();
    else appendItems(first); // the comments shown already stay as they are
    if (reset && state.items.length) select(0, false);
    loadAuthorRecords();
  }

  // Each shown author's record in the queue (GET /v1/queue:authors), beside their name: a reader whose
  // comments keep being rejected reads differently from one seen for the first time. Asked in parts
  // that keep each URL short (names are up to 256 characters; a request head holds 16 KB).
  async function loadAuthorRecords() {
    const read = ++state.recordReads;
    const names = [...new Set(state.items.map((i) => i.author).filter(Boolean))];
    const parts = [];
    let part = new URLSearchParams();
    for (const name of names) {
      const next = new URLSearchParams(part);
      next.append("author", name);
      if (part.toString() && (next.toString().length > 4000 || part.getAll("author").length >= 50)) {
        parts.push(part);
        part = new URLSearchParams([["author", name]]);
      } else {
        part = next;
      }
    }
    if (part.toString()) parts.push(part);
    const records = new Map();
    try {
      for (const query of parts) {
        for (const r of (await api("/v1/queue:authors?" + query.toString())).authors) records.set(r.author, r);
      }
    } catch (_) {
      return; // the names stay shown without their record
    }
    if (read !== state.recordReads) return;
    state.authorRecords = records;
    showAuthorRecords();
  }

  function recordText(record) {
    if (!record) return "";
    const parts = [record.items + (record.items === 1 ? " comment" : " comments") + " queued"];
    if (record.rejected) parts.push(record.rejected + " rejected");
    if (record.approved) parts.push(record.approved + " approved");
    return " · " + parts.join(", ");
  }

  function showAuthorRecords() {
    for (const line of document.querySelectorAll("#queue p.author")) {
      line.querySelector(".record").textContent = recordText(state.authorRecords.get(line.dataset.author));
    }
  }

  // The queue's order within a decision (GET /v1/queue): the highest score among the attributes that
  // flagged the comment, all of them when none did.
  // Scores are shown rounded DOWN, as the decision's reasons are (service/decide.py shown_score): 0.8996
  // under a reject threshold of 0.90 must not read "0.90" beside a decision that did not reject.
  function shown(value, digits) {
    const scale = 10 ** digits;
    return (Math.floor(value * scale + 1e-9) / scale).toFixed(digits);
  }

  function risk(item) {
    const flagged = new Set(flaggedAttributes(item));
    const values = Object.entries(item.scores || {})
      .filter(([name, v]) => typeof v === "number" && (!flagged.size || flagged.has(name)))
      .map(([, v]) => v);
    return values.length ? Math.max(...values) : 0;
  }

  // Draws every comment again: a reload, a model switch, the highlighting switch. A verdict or the
  // next page draws only what changed (with a thousand comments loaded, a full redraw takes seconds).
  function renderQueue() {
    const list = $("#queue");
    list.replaceChildren(...state.items.map((item, i) => renderItem(item, i)));
    renderCounts();
  }

  function appendItems(first) {
    $("#queue").append(...state.items.slice(first).map((item, i) => renderItem(item, first + i)));
    renderCounts();
  }

  // One comment drawn again in place (found by id: the list may have been reloaded meanwhile).
  function redrawItem(id) {
    const at = state.items.findIndex((x) => x.id === id);
    const el = at >= 0 ? itemElement(at) : null;
    if (el) {
      el.replaceWith(renderItem(state.items[at], at));
      if (at === state.current) markCurrent();
    }
    return at;
  }

  function setItem(item) {
    const at = state.items.findIndex((x) => x.id === item.id);
    if (at >= 0) state.items[at] = item;
    state.written.set(item.id, item);
  }

  // A list asked for before a verdict can be answered after it: the item at a later revision, as the
  // verdict left it, stays shown (the stale copy showed a rejected comment as pending again, and a
  // second click on it was refused as "already decided by someone else").
  function fresher(item) {
    const mine = state.written.get(item.id);
    return mine && (mine.revision || 0) > (item.revision || 0) ? mine : item;
  }

  function renderCounts() {
    $("#queue-empty").hidden = state.items.length > 0;
    $("#more").hidden = !state.cursor;
    $("#queue-count").textContent = "(" + state.items.length + (state.cursor ? "+" : "") + " shown)";
    if (state.current >= 0 && state.current < state.items.length) markCurrent();
    renderUndo();
  }

  function renderItem(item, index) {
    const li = document.createElement("li");
    li.className = "item risk-" + ((item.decision && item.decision.verdict) || item.decision || "none");
    li.tabIndex = -1;
    li.dataset.id = item.id;
    li.dataset.index = String(index);
    const headingId = "item-title-" + index;
    // Named by its number and its text (what a / r decide), described by its decision and article: named
    // by the article's title, every comment of a thread sounded the same as j / k moved the focus.
    li.setAttribute("aria-labelledby", "item-n-" + index + " item-text-" + index);
    li.setAttribute("aria-describedby", "item-meta-" + index + " " + headingId);
    if (item.status === "decided" || item.verdict) li.classList.add("decided");
    const number = span("visually-hidden", "Comment " + (index + 1) + ":");
    number.id = "item-n-" + index;
    li.append(number);

    const header = document.createElement("header");
    const title = document.createElement("h3");
    title.id = headingId;
    title.className = "title";
    title.dir = "auto"; // an Arabic or Hebrew title reads right to left
    // Titles and sources come from the scoring client or a scraped page: their bidi controls are shown
    // too, so a heading reads as it was sent.
    appendShown(title, item.article_title || item.article_id || "(no article title)");
    header.append(title);
    if (item.source) {
      const source = span("source muted", "");
      appendShown(source, item.source);
      header.append(source);
    }
    const version = span("badge" + (item.model_version !== state.activeVersion ? " old" : ""), "model " + item.model_version);
    version.title = item.model_version === state.activeVersion ? "scored by the model now served" : "scored by another model version than the one now served";
    header.append(version);
    li.append(header);

    // Who wrote it, as the page or the client named them: one click lists all their queued comments,
    // decided or not (a reader who keeps at it, or a reader's request to see or erase their comments).
    if (item.author) {
      const by = document.createElement("p");
      by.className = "author";
      const name = document.createElement("button");
      name.type = "button";
      name.className = "link";
      name.dir = "auto";
      appendShown(name, item.author);
      name.setAttribute("aria-label", "All queued comments by " + item.author);
      name.addEventListener("click", () => showAuthor(item.author));
      by.dataset.author = item.author;
      by.append("by ", name, span("record muted", recordText(state.authorRecords.get(item.author))));
      li.append(by);
    }

    const decision = decisionOf(item);
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.id = "item-meta-" + index;
    meta.textContent = [
      "risk " + shown(risk(item), 2),
      "decision " + (decision.verdict || "?"),
      item.language ? "language " + item.language : null,
      item.created_at ? "queued " + when(item.created_at) : null,
    ].filter(Boolean).join(" · ");
    li.append(meta);

    for (const q of item.quotes || []) li.append(renderQuote(q));
    const text = document.createElement("blockquote");
    text.className = "text";
    text.id = "item-text-" + index;
    text.dir = "auto"; // the comment's own direction, from its first strong letter (Arabic, Hebrew: rtl)
    highlight(text, item.text || "", evidence(item));
    li.append(text);
    if ((item.text || "").length > LONG_TEXT_CHARS) li.append(moreButton(text, (item.text || "").length));

    li.append(renderScores(item));
    if (decision.reasons && decision.reasons.length) {
      const reasons = document.createElement("ul");
      reasons.className = "reasons";
      reasons.setAttribute("aria-label", "Why");
      for (const r of decision.reasons) reasons.append(element("li", r));
      li.append(reasons);
    }
    li.append(renderActions(item, index));
    const verdict = li.querySelector(".verdict"); // a decided comment is described by its verdict first
    if (verdict) li.setAttribute("aria-describedby", (verdict.id = "item-verdict-" + index) + " " + li.getAttribute("aria-describedby"));
    return li;
  }

  // The rest of a long comment, on demand; the whole text stays in the page (find-in-page, screen readers).
  function moreButton(text, length) {
    text.classList.add("clamped");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "more";
    button.setAttribute("aria-controls", text.id);
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Show all " + length.toLocaleString("en") + " characters";
    button.addEventListener("click", () => {
      const open = text.classList.toggle("clamped") === false;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "Show less" : "Show all " + length.toLocaleString("en") + " characters";
    });
    return button;
  }

  // What the comment quoted (a reply's quote of another comment or the article), above its own words:
  // set apart and captioned, never highlighted or scored as the reader's.
  function renderQuote(quote) {
    const figure = document.createElement("figure");
    figure.className = "quoted";
    const caption = document.createElement("figcaption");
    caption.textContent = quote.author ? "Quoting " : "Quoting (no name given)";
    if (quote.author) appendShown(caption, quote.author);
    caption.append(": not this commenter's words");
    const words = document.createElement("blockquote");
    words.dir = "auto";
    appendShown(words, quote.text || "");
    figure.append(caption, words);
    return figure;
  }

  // The spans shown: those of the attributes that reached review (what the decision rests on), or of
  // every attribute when the moderator asks for them all.
  function evidence(item) {
    const spans = item.spans || {};
    if ($("#all-spans").checked) return spans;
    const flagged = new Set(flaggedAttributes(item));
    return Object.fromEntries(Object.entries(spans).filter(([name]) => flagged.has(name)));
  }

  function when(iso) {
    return iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC") : "";
  }

  function decisionOf(item) {
    const d = item.decision;
    if (d && typeof d === "object") return { verdict: d.verdict, reasons: d.reasons || item.reasons || [] };
    return { verdict: d, reasons: item.reasons || [] };
  }

  function flaggedAttributes(item) {
    if (Array.isArray(item.flagged_attributes)) return item.flagged_attributes;
    return Object.entries(item.scores || {})
      .filter(([name, v]) => typeof v === "number" && reviewAt(name) !== null && v >= reviewAt(name))
      .map(([name]) => name);
  }

  function renderScores(item) {
    const dl = document.createElement("dl");
    dl.className = "scores";
    for (const [name, value] of Object.entries(item.scores || {})) {
      dl.append(element("dt", name));
      const bar = document.createElement("dd");
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = 1;
      const t = state.thresholds[name];
      if (t) {
        // green below review, amber from review, red from reject
        // a step that is off (null) sits at 1: nothing reaches it
        meter.low = t.review ?? 1;
        meter.high = t.reject ?? 1;
        meter.optimum = 0;
      }
      meter.value = typeof value === "number" ? value : 0;
      meter.setAttribute("aria-label", name + " score");
      bar.append(meter);
      dl.append(bar);
      dl.append(element("dd", typeof value === "number" ? shown(value, 3) : "not scored"));
    }
    return dl;
  }

  function renderActions(item, index) {
    const box = document.createElement("div");
    box.className = "actions";
    const decided = item.status === "decided" || !!item.verdict;
    if (decided) {
      const v = document.createElement("p");
      v.className = "verdict " + item.verdict;
      const attrs = item.verdict_attributes;
      const named = Array.isArray(attrs) && attrs.length ? attrs.join(", ") : "";
      v.textContent =
        (item.verdict === "reject" ? "Rejected" + (named ? " for " + named : "") : "Approved" + (named ? " (not " + named + ")" : "")) +
        (item.decided_by ? " by " + item.decided_by : "") +
        (item.decided_at ? " at " + when(item.decided_at) : "") +
        (named ? "" : NOT_LEARNED);
      box.append(v);
      const n = index + 1;
      const other = item.verdict === "reject" ? "approve" : "reject";
      const change = button("Change to " + other, other, "Change the verdict on comment " + n + " to " + other);
      change.addEventListener("click", () => changeVerdict(index, other));
      const undo = button("Undo", "undo", "Undo the verdict on comment " + n + " (pending again)");
      undo.addEventListener("click", () => changeVerdict(index, null));
      box.append(change, undo, renderHistory(item, n));
      return box;
    }
    const n = index + 1;
    if (item.revision > 0) box.append(renderHistory(item, n)); // undone: pending again, with a past
    const approve = button("Approve", "approve", "Approve comment " + n + " (shortcut a)");
    approve.addEventListener("click", () => decide(index, "approve"));
    const reject = button("Reject", "reject", "Reject comment " + n + " (shortcut r)");
    reject.addEventListener("click", () => decide(index, "reject"));
    box.append(approve, reject);
    const attrs = document.createElement("fieldset");
    attrs.append(element("legend", "Reject for"));
    const ticked = state.ticked.get(item.id) || new Set(flaggedAttributes(item));
    const remember = () => {
      state.ticked.set(item.id, new Set(Array.from(attrs.querySelectorAll("input[name=attr]:checked"), (b) => b.value)));
    };
    for (const name of Object.keys(item.scores || {})) {
      const label = document.createElement("label");
      const box_ = document.createElement("input");
      box_.type = "checkbox";
      box_.name = "attr";
      box_.value = name;
      box_.checked = ticked.has(name);
      box_.addEventListener("change", remember);
      label.append(box_, " " + name);
      attrs.append(label);
    }
    box.append(attrs);
    return box;
  }

  // Who gave, changed or took back each verdict: read when opened (the item holds only the standing one).
  function renderHistory(item, n) {
    const details = document.createElement("details");
    details.className = "history";
    const summary = element("summary", "History");
    summary.setAttribute("aria-label", "History of the verdicts on comment " + n);
    const list = document.createElement("ol");
    details.append(summary, list);
    details.addEventListener("toggle", async () => {
      if (!details.open) return;
      list.replaceChildren(element("li", "Reading…"));
      try {
        const out = await api("/v1/queue/" + encodeURIComponent(item.id) + "/history");
        const lines = out.events.map((e) => element("li", describeEvent(e)));
        list.replaceChildren(...(lines.length ? lines : [element("li", "No verdict recorded (given before histories were kept).")]));
      } catch (err) {
        list.replaceChildren(element("li", "Cannot read the history: " + err.message));
      }
    });
    return details;
  }

  function describeEvent(e) {
    const named = Array.isArray(e.attributes) && e.attributes.length ? " for " + e.attributes.join(", ") : "";
    const verdict = e.verdict === "reject" ? "rejected" + named : "approved";
    const what = e.action === "undo" ? "Undone" : e.action === "correct" ? "Changed to " + verdict : verdict[0].toUpperCase() + verdict.slice(1);
    return what + (e.decided_by ? " by " + e.decided_by : " with the API token") + " at " + when(e.at);
  }

  function button(text, cls, label) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.setAttribute("aria-label", label);
    return b;
  }

  function element(tag, text) {
    const e = document.createElement(tag);
    e.textContent = text;
    return e;
  }

  function span(cls, text) {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }

  // Bidi controls are invisible and reorder what follows them: after an RLO a moderator reads "toidi"
  // where the model scored "idiot". Each is shown as a marked placeholder instead (never applied), so
  // the comment reads in its logical order, as it was scored, and the moderator sees the trick.
  const BIDI_CONTROLS = {
    "\u202A": ["LRE", "LEFT-TO-RIGHT EMBEDDING"],
    "\u202B": ["RLE", "RIGHT-TO-LEFT EMBEDDING"],
    "\u202C": ["PDF", "POP DIRECTIONAL FORMATTING"],
    "\u202D": ["LRO", "LEFT-TO-RIGHT OVERRIDE"],
    "\u202E": ["RLO", "RIGHT-TO-LEFT OVERRIDE"],
    "\u2066": ["LRI", "LEFT-TO-RIGHT ISOLATE"],
    "\u2067": ["RLI", "RIGHT-TO-LEFT ISOLATE"],
    "\u2068": ["FSI", "FIRST STRONG ISOLATE"],
    "\u2069": ["PDI", "POP DIRECTIONAL ISOLATE"],
    "\u200E": ["LRM", "LEFT-TO-RIGHT MARK"],
    "\u200F": ["RLM", "RIGHT-TO-LEFT MARK"],
    "\u061C": ["ALM", "ARABIC LETTER MARK"],
  };
  const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

  function appendShown(parent, text) {
    let pos = 0;
    for (const m of text.matchAll(BIDI_CONTROL)) {
      if (m.index > pos) parent.append(text.slice(pos, m.index));
      const [short, name] = BIDI_CONTROLS[m[0]];
      const code = "U+" + m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      const shown = span("bidi-control", "⟨" + short + "⟩");
      shown.title = code + " " + name + ": an invisible direction control in the comment, shown here, not applied";
      parent.append(shown);
      pos = m.index + m[0].length;
    }
    if (pos < text.length) parent.append(text.slice(pos));
  }

  // Spans are code-point offsets (Python str indices); JS strings index UTF-16 units, so slice the
  // text as an array of code points. Overlapping spans (several attributes) are merged into one <mark>
  // whose title lists every attribute and weight.
  function highlight(container, text, spans) {
    const chars = Array.from(text);
    const intervals = [];
    for (const [attr, list] of Object.entries(spans)) {
      for (const s of list || []) {
        const start = Math.max(0, s.start);
        const end = Math.min(chars.length, s.end);
        if (end > start) intervals.push({ start, end, attr, weight: Number(s.weight) });
      }
    }
    intervals.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged = [];
    for (const iv of intervals) {
      const last = merged[merged.length - 1];
      if (last && iv.start < last.end) {
        last.end = Math.max(last.end, iv.end);
        last.parts.push(iv);
      } else {
        merged.push({ start: iv.start, end: iv.end, parts: [iv] });
      }
    }
    let pos = 0;
    for (const m of merged) {
      if (m.start > pos) appendShown(container, chars.slice(pos, m.start).join(""));
      const mark = document.createElement("mark");
      appendShown(mark, chars.slice(m.start, m.end).join(""));
      mark.dataset.start = String(m.start);
      mark.dataset.end = String(m.end);
      const top = m.parts.reduce((a, b) => (b.weight > a.weight ? b : a));
      mark.className = "attr-" + top.attr.replace(/[^a-z0-9_-]/gi, "");
      mark.title = m.parts.map((p) => p.attr + " (weight " + p.weight.toFixed(3) + ")").join("; ");
      container.append(mark);
      pos = m.end;
    }
    if (pos < chars.length) appendShown(container, chars.slice(pos).join(""));
  }

  function itemElement(index) {
    return $("#queue").children[index];
  }

  function markCurrent() {
    for (const el of $("#queue").children) el.classList.remove("current");
    const el = itemElement(state.current);
    if (el) el.classList.add("current");
  }

  function select(index, focus = true) {
    if (!state.items.length) return;
    state.current = Math.max(0, Math.min(state.items.length - 1, index));
    markCurrent();
    const el = itemElement(state.current);
    if (focus && el) {
      el.focus();
      el.scrollIntoView({ block: "nearest" });
    }
  }

  function nextPending(from) {
    for (let i = from + 1; i < state.items.length; i++) if (!state.items[i].verdict) return i;
    return -1;
  }

  async function decide(index, verdict) {
    const item = state.items[index];
    if (!item || item.verdict || state.deciding.has(item.id)) return;
    state.deciding.add(item.id);
    const el = itemElement(index);
    const body = { verdict };
    if (verdict === "reject" && el) {
      body.attributes = Array.from(el.querySelectorAll("input[name=attr]:checked")).map((b) => b.value);
    }
    for (const b of el ? el.querySelectorAll("button") : []) b.disabled = true;
    try {
      const updated = await write("/v1/queue/" + encodeURIComponent(item.id) + ":decide", body);
      setItem(updated);
      state.lastDecided = item.id;
      loadBacklog();
      loadAuthorRecords();
      const learned = Array.isArray(updated.verdict_attributes) && updated.verdict_attributes.length;
      announce((verdict === "approve" ? "Approved" : "Rejected") + " comment " + (index + 1) + "." + (learned ? "" : NOT_LEARNED));
    } catch (err) {
      if (err.status === 409) {
        // Another moderator decided first; their verdict stands. Show it.
        try {
          setItem(await api("/v1/queue/" + encodeURIComponent(item.id)));
        } catch (_) {
          /* keep the old copy */
        }
        announce("Already decided by someone else: " + err.message, true);
      } else {
        announce("Verdict not saved: " + err.message, true);
      }
    }
    state.deciding.delete(item.id);
    renderUndo();
    const at = redrawItem(item.id);
    if (at < 0) return; // the list was reloaded meanwhile
    const next = nextPending(at);
    select(next >= 0 ? next : at);
  }

  // A verdict is changed (`verdict`) or taken back (null: the comment is pending again) with the
  // revision the page shows: if someone changed it meanwhile, the 409 carries theirs, which is shown.
  async function changeVerdict(index, verdict) {
    const item = state.items[index];
    if (!item || !item.verdict || state.deciding.has(item.id)) return;
    state.deciding.add(item.id);
    const el = itemElement(index);
    for (const b of el ? el.querySelectorAll("button") : []) b.disabled = true;
    const revision = item.revision || 0;
    const named = Array.isArray(item.verdict_attributes) && item.verdict_attributes.length;
    // A change keeps what the verdict was about; one about nothing is about what reached review.
    const body = verdict ? Object.assign({ verdict, revision }, named ? { attributes: item.verdict_attributes } : {}) : { revision };
    const n = index + 1;
    try {
      const updated = await write("/v1/queue/" + encodeURIComponent(item.id) + (verdict ? ":decide" : ":undo"), body);
      setItem(updated);
      loadBacklog();
      loadAuthorRecords();
      if (!verdict && state.lastDecided === item.id) state.lastDecided = null;
      announce(verdict ? "Changed comment " + n + " to " + (verdict === "approve" ? "approved." : "rejected.") : "Undid the verdict on comment " + n + ": it is pending again.");
    } catch (err) {
      const current = err.status === 409 && err.body && err.body.error && err.body.error.details && err.body.error.details[0].current;
      if (current) setItem(current); // someone else changed it first: theirs stands
      announce((current ? "Changed by someone else meanwhile: " : "Verdict not changed: ") + err.message, true);
    }
    state.deciding.delete(item.id);
    renderUndo();
    const at = redrawItem(item.id);
    if (at >= 0) select(at);
  }

  function lastDecidedIndex() {
    const at = state.items.findIndex((x) => x.id === state.lastDecided);
    return at >= 0 && state.items[at].verdict ? at : -1;
  }

  function renderUndo() {
    $("#undo-last").hidden = lastDecidedIndex() < 0;
  }

  function undoLast() {
    const at = lastDecidedIndex();
    if (at < 0) announce("No verdict of yours on this list to undo.", true);
    else changeVerdict(at, null);
  }

  // The letter a key stands for: the one it types (AZERTY's a is a), lower-cased (Caps Lock); for a
  // key that types no Latin letter (an Arabic, Hebrew or Cyrillic layout) the letter of its position.
  function shortcutKey(event) {
    const typed = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (/^[a-z]$/.test(typed) || typed.length !== 1) return typed;
    const position = /^Key([A-Z])$/.exec(event.code || "");
    return position ? position[1].toLowerCase() : typed;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing =
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "range"].includes(target.type));
    if (typing || $("#app").hidden) return;
    const keys = {
      j: () => select(state.current + 1),
      k: () => select(state.current - 1),
      g: () => select(0),
      a: () => decide(state.current, "approve"),
      r: () => decide(state.current, "reject"),
      u: undoLast,
    };
    const action = keys[shortcutKey(event)];
    if (!action) return;
    event.preventDefault();
    action();
  }

  // --- score and queue -----------------------------------------------------------------------------

  function detectFormat(text, fileName) {
    const name = (fileName || "").toLowerCase();
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
    if (name.endsWith(".html") || name.endsWith(".htm")) return "html";
    const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
    if (lines.length && lines.every((l) => l.startsWith("{") && l.endsWith("}"))) return "jsonl";
    if (/^\s*(<!doctype html|<html|<head|<body)/i.test(text)) return "html";
    return "text";
  }

  async function submitPage(text, fmt, source) {
    const params = new URLSearchParams({ queue: "true" });
    if (source) params.set("source", source);
    const out = await api("/v1/articles:score?" + params.toString(), {
      method: "POST",
      headers: { "Content-Type": fmt === "html" ? "text/html; charset=utf-8" : "text/plain; charset=utf-8" },
      body: text,
    });
    const flagged = out.comments.filter((c) => c.decision.verdict !== "approve").length;
    if (!out.comments.length) {
      return "No reader comments found in \u201c" + (out.article.title || "untitled") + "\u201d: nothing queued.";
    }
    return (
      "Scored " + out.comments.length + " comments of \u201c" + (out.article.title || "untitled") + "\u201d (" +
      flagged + " flagged) and queued them."
    );
  }

  function parseJsonl(text) {
    const threads = new Map();
    const errors = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let obj;
      try {
        obj = JSON.parse(line);
      } catch (err) {
        errors.push("line " + (i + 1) + ": not JSON");
        return;
      }
      if (!obj || typeof obj.text !== "string" || !obj.text.trim()) {
        errors.push("line " + (i + 1) + ': no "text"');
        return;
      }
      if (obj.article_id !== undefined && obj.article_id !== null && typeof obj.article_id !== "string") {
        errors.push("line " + (i + 1) + ': "article_id" must be a string'); // as `moderate score` says
        return;
      }
      if (obj.language !== undefined && obj.language !== null && typeof obj.language !== "string") {
        errors.push("line " + (i + 1) + ': "language" must be a string'); // as `moderate score` says
        return;
      }
      // A line's "language" is the API's `language` for it, as `moderate score` reads it ("und": detect).
      const tag = typeof obj.language === "string" ? obj.language.trim().toLowerCase() : "";
      const language = tag && tag !== "und" ? tag : null;
      // Lines sharing an article_id (and language) are one thread; a line without one is scored alone (as
      // `moderate score` does): in one request with others it would be scored against them as off-topic context.
      const articleId = typeof obj.article_id === "string" && obj.article_id ? obj.article_id : null;
      const key = articleId === null ? Symbol("line " + (i + 1)) : JSON.stringify([articleId, language]);
      if (!threads.has(key)) {
        threads.set(key, { article_id: articleId, article: obj.article || null, language, comments: [], lines: [] });
      }
      const comment = { text: obj.text };
      if (typeof obj.id === "string" || typeof obj.id === "number") comment.id = String(obj.id);
      threads.get(key).comments.push(comment);
      threads.get(key).lines.push(i + 1);
    });
    return { threads: Array.from(threads.values()), errors };
  }

  async function submitJsonl(text, source) {
    const { threads, errors } = parseJsonl(text);
    let scored = 0;
    let flagged = 0;
    for (const thread of threads) {
      // A thread is scored in requests of at most 100 comments (the service's explain limit).
      for (let i = 0; i < thread.comments.length; i += 100) {
        const body = { comments: thread.comments.slice(i, i + 100), queue: true };
        if (thread.language) body.language = thread.language;
        const given = thread.article && typeof thread.article === "object" ? thread.article : {};
        const article = { id: thread.article_id, title: given.title, body: given.body, source: source || null };
        body.article = Object.fromEntries(Object.entries(article).filter(([, v]) => typeof v === "string" && v));
        let out;
        try {
          out = await api("/v1/comments:score", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
          });
        } catch (err) {
          // Earlier requests are queued already: say so (a retry of the whole paste would queue them
          // twice), and name the input line, not the comment's place in this request.
          const lines = thread.lines.slice(i, i + 100);
          const why = err.message.replace(/\bcomment (\d+)\b/, (m, k) => "line " + (lines[Number(k)] || "?"));
          const stop = "Stopped at lines " + lines[0] + "\u2013" + lines[lines.length - 1] + ": " + why;
          throw new Error(scored ? "Queued " + scored + " comment(s) before an error; resend only the rest. " + stop : stop);
        }
        scored += out.results.length;
        flagged += out.results.filter((r) => r.decision.verdict !== "approve").length;
      }
    }
    return (
      "Scored " + scored + " comments in " + threads.length + " thread(s) (" + flagged + " flagged) and queued them." +
      (errors.length ? " Skipped " + errors.length + " line(s): " + errors.slice(0, 3).join("; ") : "")
    );
  }

  async function onAdd(event) {
    event.preventDefault();
    const result = $("#add-result");
    const file = $("#add-file").files[0];
    let text = $("#add-text").value;
    let name = "";
    if (file) {
      text = await live(file.text());
      name = file.name;
    }
    if (!text.trim()) {
      result.textContent = "Paste a page or choose a file first.";
      return;
    }
    const chosen = $("#add-format").value;
    const fmt = chosen === "auto" ? detectFormat(text, name) : chosen;
    const source = $("#add-source").value.trim() || name;
    result.textContent = "Scoring…";
    try {
      result.textContent = fmt === "jsonl" ? await submitJsonl(text, source) : await submitPage(text, fmt, source);
      $("#add-text").value = "";
      $("#add-file").value = "";
      await loadQueue(true);
      loadPlots();
    } catch (err) {
      result.textContent = err.message.startsWith("Queued ") ? err.message : "Not queued: " + err.message;
      loadQueue(true);
    }
  }

  // --- plots (moderator-plots.js) ----------------------------------------------------------------

  const { loadPlots } = window.ModeratorPlots({ state, api, $, element });

  // --- wiring --------------------------------------------------------------------------------------

  // The listeners on the page's elements: set again on the fresh markup after every sign-out.
  function wire() {
    $("#sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("#token").value.trim();
      $("#token").value = "";
      if (token) trySignIn(token).then((ok) => ok && select(0));
    });
    $("#sign-out").addEventListener("click", () => signOut("Signed out."));
    $("#filters").addEventListener("submit", (event) => {
      event.preventDefault();
      loadQueue(true).then(() => select(0));
    });
    $("#more").addEventListener("click", () => loadQueue(false));
    $("#undo-last").addEventListener("click", undoLast);
    $("#all-spans").addEventListener("change", renderQueue);
    $("#add-form").addEventListener("submit", onAdd);
    $("#plots-refresh").addEventListener("click", loadPlots);
    $("#desk-refresh").addEventListener("click", loadDesk);
    // The comment holding the focus (a click, or Tab into its controls) is the one a / r act on.
    const follow = (event) => {
      const li = event.target.closest(".item");
      if (li) {
        state.current = Number(li.dataset.index);
        markCurrent();
      }
    };
    $("#queue").addEventListener("click", follow);
    $("#queue").addEventListener("focusin", follow);
  }

  document.addEventListener("DOMContentLoaded", () => {
    pristine = document.body.cloneNode(true);
    wire();
    document.addEventListener("keydown", onKey);
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) trySignIn(token);
    else {
      showSignIn();
      loadModel().catch(() => {}); // /v1/model needs no token: show which model serves
    }
  });
})();
