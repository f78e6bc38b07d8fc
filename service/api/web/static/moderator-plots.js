// The moderator's page: the plots (a score histogram per attribute, the threshold view, precision and
// recall against the stored verdicts). Loaded before moderator.js, which creates them with its state
// and helpers: window.ModeratorPlots({ state, api, $, element }) -> { loadPlots }.
"use strict";

window.ModeratorPlots = ({ state, api, $, element }) => {
  // GET /v1/queue:scores: each item's scores and verdict without its text (a few hundred bytes), up to
  // 1,000 a page; the plots read the first 5,000 items in the queue's order.
  const PLOT_PAGE = 1000;
  const PLOT_MAX_ITEMS = 5000;
  const BINS = 20;
  const SVG_NS = "http://www.w3.org/2000/svg";

  async function loadPlots() {
    const items = [];
    let cursor = null;
    try {
      do {
        const params = new URLSearchParams({ limit: String(Math.min(PLOT_PAGE, PLOT_MAX_ITEMS - items.length)) });
        if (cursor) params.set("cursor", cursor);
        const page = await api("/v1/queue:scores?" + params.toString());
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && items.length < PLOT_MAX_ITEMS);
    } catch (err) {
      $("#plots-basis").textContent = "Cannot load the plots: " + err.message;
      return;
    }
    state.plotItems = items;
    for (const name of state.attributes) {
      if (!state.sliders[name]) {
        const t = state.thresholds[name] || { review: 0.5, reject: 0.9 };
        // a step that is off (null) starts at 1, where nothing reaches it
        state.sliders[name] = { review: t.review ?? 1, reject: t.reject ?? 1 };
      }
    }
    const decided = items.filter((i) => i.verdict).length;
    $("#plots-basis").textContent =
      "From " + items.length + " stored comments" + (cursor ? " (the first " + items.length + ")" : "") + ", " +
      decided + " with a verdict.";
    renderPlots();
  }

  // The review threshold of an attribute, or null when the attribute never sends a comment to review
  // (unsubstantial by default): its first active step, review or else reject.
  function reviewAt(name) {
    const t = state.thresholds[name];
    if (!t) return null;
    return t.review ?? t.reject ?? null;
  }

  // A comment judged in a language the site set its own threshold for keeps it (the sliders move
  // the global thresholds); a step that is off (null) sits at 1, where nothing reaches it.
  function limitFor(item, name) {
    const slid = state.sliders[name];
    const own = (state.languageThresholds[item.judged_language] || {})[name];
    const global = state.thresholds[name];
    if (!own || !global) return slid;
    return {
      review: own.review !== global.review ? own.review ?? 1 : slid.review,
      reject: own.reject !== global.reject ? own.reject ?? 1 : slid.reject,
    };
  }

  // The service's rule (service/decide.py) for one stored comment and attribute at the sliders:
  // "reject", "review" or null. An attribute judged against the article and thread (off_topic)
  // decides nothing for a comment that came with neither; one whose model was not trained for the
  // comment's language never rejects: it sends to review.
  function stepOf(item, name) {
    const v = (item.scores || {})[name];
    if (typeof v !== "number" || !state.sliders[name]) return null;
    if (item.context === "none" && state.contextAttributes.includes(name)) return null;
    const t = limitFor(item, name);
    if (v >= t.reject) return (item.unsupported_attributes || []).includes(name) ? "review" : "reject";
    return v >= t.review ? "review" : null;
  }

  function scoresOf(name) {
    return state.plotItems.map((i) => (i.scores || {})[name]).filter((v) => typeof v === "number");
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const W = 320;
  const H = 150;
  const PAD = { l: 34, r: 8, t: 8, b: 22 };
  const xOf = (v) => PAD.l + v * (W - PAD.l - PAD.r);
  const yOf = (v, max) => H - PAD.b - (max ? v / max : 0) * (H - PAD.t - PAD.b);

  function axes(root, yMax, yLabel) {
    root.append(svg("line", { class: "axis", x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
    root.append(svg("line", { class: "axis", x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
    for (const v of [0, 0.5, 1]) root.append(svg("text", { x: xOf(v), y: H - 6, "text-anchor": "middle" }, String(v)));
    root.append(svg("text", { x: PAD.l - 4, y: PAD.t + 8, "text-anchor": "end" }, yLabel(yMax)));
    root.append(svg("text", { x: PAD.l - 4, y: H - PAD.b, "text-anchor": "end" }, "0"));
  }

  function thresholdLines(root, name) {
    const s = state.sliders[name];
    for (const kind of ["review", "reject"]) {
      const line = svg("line", { class: "t-" + kind, x1: xOf(s[kind]), x2: xOf(s[kind]), y1: PAD.t, y2: H - PAD.b });
      line.append(svg("title", {}, kind + " threshold " + s[kind].toFixed(2)));
      root.append(line);
    }
  }

  function histogram(name) {
    const values = scoresOf(name);
    const counts = new Array(BINS).fill(0);
    for (const v of values) counts[Math.min(BINS - 1, Math.floor(v * BINS))] += 1;
    const max = Math.max(1, ...counts);
    const root = svg("svg", {
      viewBox: "0 0 " + W + " " + H,
      role: "img",
      class: "histogram",
      "aria-label": "Histogram of " + name + " scores over " + values.length + " comments, " + BINS + " bins from 0 to 1",
    });
    axes(root, max, (m) => String(m));
    const bw = (W - PAD.l - PAD.r) / BINS;
    counts.forEach((c, i) => {
      const y = yOf(c, max);
      const bar = svg("rect", { class: "bar", x: xOf(i / BINS) + 1, y, width: bw - 2, height: H - PAD.b - y });
      bar.append(svg("title", {}, (i / BINS).toFixed(2) + "–" + ((i + 1) / BINS).toFixed(2) + ": " + c + " comments"));
      root.append(bar);
    });
    thresholdLines(root, name);
    return root;
  }

  // A verdict speaks for the attributes it names: reject = the comment has the attribute, approve =
  // it has not. An approval naming none clears every attribute; a rejection naming none (a reason no
  // attribute describes) speaks for none, as the store writes no feedback row for it.
  function verdictFor(item, name) {
    if (!item.verdict) return null;
    const attrs = item.verdict_attributes;
    const named = Array.isArray(attrs) && attrs.length;
    if (named ? !attrs.includes(name) : item.verdict === "reject") return null;
    return item.verdict === "reject";
  }

  function precisionRecall(name, threshold) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let n = 0;
    for (const item of state.plotItems) {
      const v = (item.scores || {})[name];
      const pos = verdictFor(item, name);
      if (pos === null || typeof v !== "number") continue;
      n += 1;
      const flagged = v >= threshold;
      if (flagged && pos) tp += 1;
      else if (flagged) fp += 1;
      else if (pos) fn += 1;
    }
    return { precision: tp + fp ? tp / (tp + fp) : null, recall: tp + fn ? tp / (tp + fn) : null, n };
  }

  function prCurve(name) {
    const root = svg("svg", {
      viewBox: "0 0 " + W + " " + H,
      role: "img",
      class: "pr",
      "aria-label": "Precision (solid) and recall (dashed) of " + name + " against the stored verdicts, by threshold",
    });
    axes(root, 1, () => "1");
    for (const kind of ["precision", "recall"]) {
      const points = [];
      for (let i = 0; i <= 50; i++) {
        const t = i / 50;
        const v = precisionRecall(name, t)[kind];
        if (v !== null) points.push(xOf(t).toFixed(1) + "," + yOf(v, 1).toFixed(1));
      }
      if (points.length > 1) {
        const line = svg("polyline", { class: kind, points: points.join(" ") });
        line.append(svg("title", {}, kind));
        root.append(line);
      }
    }
    thresholdLines(root, name);
    return root;
  }

  function fmt(v) {
    return v === null ? "n/a" : v.toFixed(2);
  }

  function slider(name, kind, onChange) {
    const row = document.createElement("div");
    row.className = "slider";
    const id = "slider-" + name + "-" + kind;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = kind;
    const input = document.createElement("input");
    input.type = "range";
    input.id = id;
    input.min = "0";
    input.max = "1";
    input.step = "0.01";
    input.value = String(state.sliders[name][kind]);
    input.setAttribute("aria-label", name + " " + kind + " threshold");
    const out = document.createElement("output");
    out.htmlFor = id;
    out.textContent = Number(input.value).toFixed(2);
    input.addEventListener("input", () => {
      state.sliders[name][kind] = Number(input.value);
      out.textContent = Number(input.value).toFixed(2);
      onChange();
    });
    row.append(label, input, out);
    return row;
  }

  function renderPlots() {
    const box = $("#plots");
    box.replaceChildren();
    for (const name of state.attributes) {
      const fig = document.createElement("figure");
      fig.dataset.attribute = name;
      fig.append(element("figcaption", name));
      const hist = document.createElement("div");
      const counts = document.createElement("p");
      counts.className = "counts";
      const pr = document.createElement("div");
      const prText = document.createElement("p");
      prText.className = "counts";
      const update = () => {
        hist.replaceChildren(histogram(name));
        pr.replaceChildren(prCurve(name));
        const s = state.sliders[name];
        const steps = state.plotItems.filter((i) => typeof (i.scores || {})[name] === "number").map((i) => stepOf(i, name));
        const toReject = steps.filter((step) => step === "reject").length;
        const toReview = steps.filter((step) => step === "review").length;
        counts.textContent = toReview + " to review, " + toReject + " to reject, of " + steps.length;
        const atReview = precisionRecall(name, s.review);
        const atReject = precisionRecall(name, s.reject);
        prText.textContent =
          "Precision (solid) and recall (dashed) against " + atReview.n + " verdicts: flagged (≥ review) precision " + fmt(atReview.precision) + ", recall " +
          fmt(atReview.recall) + "; auto-reject precision " + fmt(atReject.precision) + ", recall " + fmt(atReject.recall) + ".";
        summarize();
      };
      fig.append(hist, slider(name, "review", update), slider(name, "reject", update), counts, pr, prText);
      box.append(fig);
      update();
    }
  }

  // Every attribute's thresholds at once, the way the service decides: any reject wins, then review.
  function summarize() {
    let approve = 0;
    let review = 0;
    let reject = 0;
    for (const item of state.plotItems) {
      let verdict = "approve";
      for (const name of Object.keys(state.sliders)) {
        const step = stepOf(item, name);
        if (step === "reject") verdict = "reject";
        else if (step === "review" && verdict === "approve") verdict = "review";
      }
      if (verdict === "reject") reject += 1;
      else if (verdict === "review") review += 1;
      else approve += 1;
    }
    $("#threshold-summary").textContent =
      "With these thresholds: " + approve + " approved, " + review + " sent to review, " + reject + " rejected.";
  }

  return { loadPlots };
};
