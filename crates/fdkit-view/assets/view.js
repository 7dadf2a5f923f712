"use strict";
// fdkit view: shows the tables the Rust replay computed, line by line. Nothing
// here applies a descriptor rule: every row comes from the data as it is.
// Text from the log only ever goes into the document as textContent.
(function () {
  const D = JSON.parse(document.getElementById("fdkit-data").textContent);
  const S = D.strings;
  const L = Object.assign({ cloexec: "close-on-exec", shared: "shared table" }, D.labels);
  D.events = D.events.map((e) => ({ l: e[0], k: e[1], p: e[2], t: e[3], fd: e[4] < 0 ? null : e[4], s: S[e[5]], c: S[e[6]] }));
  const N = D.lines.length;
  const FIRST = D.first;
  const LAST = FIRST + Math.max(N, 1) - 1;
  const ROW_H = 18;
  const $ = (id) => document.getElementById(id);

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function goButton(line, pid, label) {
    const b = el("button", "go", label || "line " + line);
    b.type = "button";
    b.dataset.line = String(line);
    if (pid !== null && pid !== undefined) b.dataset.pid = String(pid);
    b.addEventListener("click", () => go(line, pid === undefined ? null : pid, true));
    return b;
  }

  // ---- the data, decoded -------------------------------------------------
  function row(i) {
    const r = D.rows[i];
    return {
      fd: r[0], mode: S[r[1]], link: S[r[2]], ofd: S[r[3]], desc: r[4],
      flags: r[5] < 0 ? null : S[r[5]], offset: r[6], cloexec: r[7] === 1,
      object: S[r[8]], objectLabel: S[r[9]], index: i,
    };
  }
  // The entry of process p's history in force after line `line`.
  function entryAt(p, line) {
    const h = p.h;
    let lo = 0, hi = h.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid][0] <= line) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function liveAt(line) {
    const out = [];
    for (const p of D.procs) {
      const k = entryAt(p, line);
      if (k >= 0 && p.h[k][1] >= 0) out.push({ p: p, k: k });
    }
    return out;
  }
  const procByPid = new Map(D.procs.map((p) => [p.pid, p]));
  const programOf = (head) => S[D.heads[head][0]];

  // Per process: the lines that belong to it (for n/p).
  const linesOf = new Map();
  D.linePids.forEach((pid, i) => {
    if (pid < 0) return;
    if (!linesOf.has(pid)) linesOf.set(pid, []);
    linesOf.get(pid).push(FIRST + i);
  });
  const findingLines = new Set();
  D.findings.forEach((f) => { findingLines.add(f.line); f.places.forEach((pl) => findingLines.add(pl[0])); });
  const divergenceLines = new Set(D.divergences.map((d) => d.line));
  const errorLines = new Set(D.errors.map((e) => e[0]));

  // ---- state -----------------------------------------------------------
  const state = { line: FIRST, pid: null, follow: true, search: "" };

  function go(line, pid, selectPid) {
    line = Math.max(FIRST, Math.min(LAST, Math.round(line)));
    state.line = line;
    if (selectPid && (pid === null || pid === undefined)) {
      // A link to a line names no process: the line's own.
      const lp = D.linePids[line - FIRST];
      pid = lp !== undefined && lp >= 0 && procByPid.has(lp) ? lp : null;
    }
    if (selectPid && pid !== null && pid !== undefined) {
      state.pid = pid;
      state.follow = false;
    } else if (state.follow) {
      const lp = D.linePids[line - FIRST];
      if (lp !== undefined && lp >= 0 && procByPid.has(lp)) state.pid = lp;
    }
    render(true);
  }

  // ---- header -----------------------------------------------------------
  $("name").textContent = D.name;
  document.title = "fdkit view: " + D.name;
  $("summary").textContent =
    N + " lines (" + FIRST + "\u2013" + LAST + (D.more ? ", the log goes on" : "") + "), " +
    D.procs.length + " processes, " + D.findings.length + " findings, " +
    D.divergences.length + " divergences";
  D.notes.forEach((n) => $("notes").appendChild(el("li", "", n)));

  // ---- controls --------------------------------------------------------
  const scrub = $("scrub"), lineno = $("lineno"), procSel = $("proc"), follow = $("follow");
  scrub.min = String(FIRST); scrub.max = String(LAST);
  lineno.min = String(FIRST); lineno.max = String(LAST);
  $("lineof").textContent = "of " + LAST;
  scrub.addEventListener("input", () => go(Number(scrub.value), null, false));
  lineno.addEventListener("change", () => {
    if (lineno.value.trim() !== "" && Number.isFinite(Number(lineno.value))) go(Number(lineno.value), null, false);
  });
  $("prev").addEventListener("click", () => go(state.line - 1, null, false));
  $("next").addEventListener("click", () => go(state.line + 1, null, false));
  procSel.addEventListener("change", () => {
    state.pid = Number(procSel.value);
    state.follow = false;
    render(false);
  });
  follow.addEventListener("change", () => { state.follow = follow.checked; go(state.line, null, false); });

  // ---- timeline -----------------------------------------------------------
  const timeline = $("timeline"), cursor = $("cursor");
  const span = Math.max(LAST - FIRST + 1, 1);
  const pct = (line) => ((Math.max(FIRST - 1, Math.min(LAST, line)) - (FIRST - 1)) / span) * 100 + "%";
  const tlRows = new Map();
  (function buildTimeline() {
    const born = new Map(), died = new Map(), execs = new Map(), threads = new Map();
    for (const e of D.events) {
      if (e.k === "fork") born.set(e.t, e.l);
      else if (e.k === "thread") {
        if (!threads.has(e.p)) threads.set(e.p, []);
        threads.get(e.p).push({ tid: e.t, born: e.l, died: null });
      } else if (e.k === "exec") {
        if (!execs.has(e.p)) execs.set(e.p, []);
        execs.get(e.p).push(e);
      } else if (e.k === "exit") {
        if (e.t === e.p) died.set(e.p, e.l);
        const ts = threads.get(e.p) || [];
        ts.forEach((t) => { if (t.tid === e.t) t.died = e.l; });
      }
    }
    const frag = document.createDocumentFragment();
    const shown = D.procs.slice(0, 400);
    for (const p of shown) {
      const first = p.h[0][0], lastEntry = p.h[p.h.length - 1];
      const start = born.has(p.pid) ? born.get(p.pid) : first;
      const end = died.has(p.pid) ? died.get(p.pid) : (lastEntry[1] < 0 ? lastEntry[0] : LAST);
      const r = el("div", "tl");
      r.dataset.pid = String(p.pid);
      const bar = el("div", "bar");
      bar.style.left = pct(start);
      bar.style.width = "calc(" + pct(end) + " - " + pct(start) + " + 2px)";
      r.appendChild(bar);
      for (const e of execs.get(p.pid) || []) {
        const x = el("div", "ex");
        x.style.left = pct(e.l);
        x.title = "line " + e.l + ": execve " + e.s;
        r.appendChild(x);
      }
      const lab = el("span", "lab", "pid " + p.pid + " " + programOf(lastEntry[2]));
      r.appendChild(lab);
      r.title = "pid " + p.pid + ": lines " + start + "\u2013" + end;
      r.addEventListener("click", (ev) => {
        const box = timeline.getBoundingClientRect();
        const line = FIRST - 1 + Math.round(((ev.clientX - box.left) / box.width) * span);
        go(Math.max(line, start), p.pid, true);
      });
      frag.appendChild(r);
      tlRows.set(p.pid, r);
      for (const t of threads.get(p.pid) || []) {
        const tr = el("div", "tl thr");
        const tb = el("div", "bar");
        const tend = t.died === null ? end : t.died;
        tb.style.left = pct(t.born);
        tb.style.width = "calc(" + pct(tend) + " - " + pct(t.born) + " + 2px)";
        tb.title = "thread " + t.tid + " of pid " + p.pid + ": lines " + t.born + "\u2013" + tend;
        tr.appendChild(tb);
        tr.addEventListener("click", () => go(t.born, p.pid, true));
        frag.appendChild(tr);
      }
    }
    if (D.procs.length > shown.length) frag.appendChild(el("div", "", (D.procs.length - shown.length) + " more processes (choose them in the list)"));
    timeline.appendChild(frag);
  })();

  // ---- the log (drawn only where visible) ------------------------------------
  const log = $("log"), space = $("logspace");
  space.style.height = N * ROW_H + "px";
  let drawn = new Map();
  function drawLog() {
    const top = log.scrollTop, h = log.clientHeight || 400;
    const a = Math.max(0, Math.floor(top / ROW_H) - 20);
    const b = Math.min(N, Math.ceil((top + h) / ROW_H) + 20);
    const keep = new Map();
    for (let i = a; i < b; i++) {
      let d = drawn.get(i);
      if (!d) {
        const n = FIRST + i;
        d = el("div", "ln");
        d.style.top = i * ROW_H + "px";
        d.dataset.line = String(n);
        d.appendChild(el("span", "n", n));
        d.appendChild(document.createTextNode(D.lines[i]));
        if (findingLines.has(n)) d.classList.add("find");
        if (divergenceLines.has(n)) d.classList.add("div");
        if (errorLines.has(n)) d.classList.add("err");
        d.addEventListener("click", () => go(n, null, false));
        space.appendChild(d);
      }
      d.classList.toggle("cur", FIRST + i === state.line);
      d.classList.toggle("mine", D.linePids[i] === state.pid);
      keep.set(i, d);
    }
    for (const [i, d] of drawn) if (!keep.has(i)) d.remove();
    drawn = keep;
  }
  log.addEventListener("scroll", drawLog);
  function scrollLogTo(line) {
    const y = (line - FIRST) * ROW_H, h = log.clientHeight || 400;
    if (y < log.scrollTop || y > log.scrollTop + h - ROW_H) log.scrollTop = Math.max(0, y - h / 3);
  }

  // ---- the three tables -----------------------------------------------------
  function rowsOf(entry) { return D.tables[entry[1]].map(row); }

  function renderTables() {
    const line = state.line;
    const live = liveAt(line);
    // The process list at this line.
    procSel.textContent = "";
    let present = false;
    for (const { p, k } of live) {
      const o = el("option", "", "pid " + p.pid + " (" + programOf(p.h[k][2]) + ")");
      o.value = String(p.pid);
      if (p.pid === state.pid) { o.selected = true; present = true; }
      procSel.appendChild(o);
    }
    if (!present && state.pid !== null) {
      const o = el("option", "", "pid " + state.pid + " (not live at this line)");
      o.value = String(state.pid); o.selected = true; o.dataset.gone = "1";
      procSel.appendChild(o);
    }
    if (state.pid === null && live.length > 0) { state.pid = live[0].p.pid; procSel.value = String(state.pid); }

    const fdsBody = $("fds").tBodies[0], ofdBody = $("ofds").tBodies[0], fileBody = $("files").tBodies[0];
    fdsBody.textContent = ""; ofdBody.textContent = ""; fileBody.textContent = "";
    const p = procByPid.get(state.pid);
    const k = p ? entryAt(p, line) : -1;
    const heading = $("heading"), change = $("change");
    if (!p || k < 0 || p.h[k][1] < 0) {
      heading.textContent = state.pid === null ? "no process" : "pid " + state.pid;
      change.textContent = state.pid === null ? "" : "not live after line " + line;
      $("others").textContent = "";
      return;
    }
    const entry = p.h[k];
    const hd = D.heads[entry[2]];
    heading.textContent = "pid " + p.pid + " (" + S[hd[0]] + ")";
    heading.dataset.pid = String(p.pid);
    const rows = rowsOf(entry);
    // What changed at exactly this line, by comparing with the entry before.
    let before = null;
    if (entry[0] === line && k > 0 && p.h[k - 1][1] >= 0) before = rowsOf(p.h[k - 1]);
    const changedHere = entry[0] === line;
    const prevByFd = new Map((before || []).map((r) => [r.fd, r]));
    const status = (r) => {
      if (!changedHere) return "";
      const b = prevByFd.get(r.fd);
      if (!b) return before === null && k > 0 ? "" : "new";
      if (b.index !== r.index) return "changed";
      return "";
    };
    if (changedHere) {
      const what = [];
      if (before === null) what.push(k === 0 || p.h[k - 1][1] < 0 ? "the process appears" : "");
      const opened = rows.filter((r) => !prevByFd.has(r.fd)).map((r) => r.fd);
      const closed = (before || []).filter((b) => !rows.some((r) => r.fd === b.fd)).map((b) => b.fd);
      const changed = rows.filter((r) => prevByFd.has(r.fd) && prevByFd.get(r.fd).index !== r.index).map((r) => r.fd);
      if (before !== null && opened.length) what.push("new: fd " + opened.join(", "));
      if (closed.length) what.push("closed: fd " + closed.join(", "));
      if (changed.length) what.push("changed: fd " + changed.join(", "));
      if (before !== null && !opened.length && !closed.length && !changed.length) what.push("threads or program changed");
      change.textContent = "at line " + line + ": " + what.filter((w) => w).join("; ");
    } else {
      change.textContent = "after line " + line + " (last change: line " + entry[0] + ")";
    }
    // Every holder of each description at this line, across processes.
    const holders = new Map();
    for (const { p: q, k: qk } of live) {
      for (const r of rowsOf(q.h[qk])) {
        if (!holders.has(r.desc)) holders.set(r.desc, []);
        holders.get(r.desc).push({ pid: q.pid, fd: r.fd });
      }
    }
    const q = state.search.trim();
    const hit = (r) => q !== "" && (/^\d+$/.test(q) ? r.fd === Number(q) : r.link.includes(q) || r.objectLabel.includes(q));
    const lit = (letter) => { for (const t of document.querySelectorAll("#tables tr")) t.classList.toggle("lit", t.dataset.ofd === letter); };
    // Descriptors.
    const fr = document.createDocumentFragment();
    for (const r of rows) {
      const tr = el("tr", status(r));
      tr.dataset.fd = String(r.fd); tr.dataset.ofd = r.ofd;
      if (hit(r)) tr.classList.add("hit");
      tr.appendChild(el("td", "fd", r.fd));
      tr.appendChild(el("td", "ce", r.cloexec ? L.cloexec : ""));
      tr.appendChild(el("td", "ofd", r.ofd));
      tr.addEventListener("mouseenter", () => lit(r.ofd));
      fr.appendChild(tr);
    }
    for (const b of before || []) {
      if (rows.some((r) => r.fd === b.fd)) continue;
      const tr = el("tr", "closed");
      tr.dataset.fd = String(b.fd); tr.dataset.closed = "1";
      tr.appendChild(el("td", "fd", b.fd));
      tr.appendChild(el("td", "ce", b.cloexec ? L.cloexec : ""));
      tr.appendChild(el("td", "", b.ofd + " (closed)"));
      fr.appendChild(tr);
    }
    fdsBody.appendChild(fr);
    // Open file descriptions, in order of first reference.
    const seen = new Set(), files = new Map();
    const prevByDesc = new Map((before || []).map((r) => [r.desc, r]));
    for (const r of rows) {
      if (!files.has(r.object)) files.set(r.object, { label: r.objectLabel, letters: [] });
      if (seen.has(r.desc)) continue;
      seen.add(r.desc);
      files.get(r.object).letters.push(r.ofd);
      const b = prevByDesc.get(r.desc);
      let cls = "";
      if (changedHere && before !== null) {
        if (!b) cls = "new";
        else if (b.offset !== r.offset || b.flags !== r.flags || b.mode !== r.mode || b.link !== r.link) cls = "changed";
      }
      const tr = el("tr", cls);
      tr.dataset.ofd = r.ofd;
      if (hit(r)) tr.classList.add("hit");
      tr.appendChild(el("td", "letter", r.ofd));
      tr.appendChild(el("td", "mode", r.mode));
      tr.appendChild(el("td", "pos", r.offset === null ? "" : r.offset));
      tr.appendChild(el("td", "flags", r.flags === null ? "?" : r.flags));
      tr.appendChild(el("td", "link", r.link));
      const hs = (holders.get(r.desc) || []).filter((h) => !(h.pid === p.pid));
      const own = rows.filter((x) => x.desc === r.desc).map((x) => "fd " + x.fd);
      const text = [own.length > 1 ? own.join(", ") : ""].concat(hs.map((h) => "pid " + h.pid + " fd " + h.fd)).filter((x) => x);
      tr.appendChild(el("td", "shared", text.join(", ")));
      tr.addEventListener("mouseenter", () => lit(r.ofd));
      ofdBody.appendChild(tr);
    }
    for (const [, f] of files) {
      const tr = el("tr");
      tr.dataset.ofd = f.letters[0] || "";
      tr.appendChild(el("td", "file", f.label));
      tr.appendChild(el("td", "letters", f.letters.join(" ")));
      fileBody.appendChild(tr);
    }
    const others = [];
    if (hd[1].length > 1) others.push("threads " + hd[1].join(", "));
    if (hd[2].length) others.push("this very table is shared with pid " + hd[2].join(", ") + " (" + L.shared + ")");
    others.push(live.length + (live.length === 1 ? " process" : " processes") + " live after line " + line);
    $("others").textContent = others.join("; ");
  }

  // ---- findings, divergences, errors, search -----------------------------------
  const findingItems = [], divergenceItems = [];
  (function buildLists() {
    $("nfind").textContent = "(" + D.findings.length + ")";
    $("ndiv").textContent = "(" + D.divergences.length + ")";
    D.findings.forEach((f) => {
      const li = el("li", "finding");
      li.dataset.line = String(f.line);
      li.appendChild(el("span", "sev " + f.severity, f.severity));
      li.appendChild(el("span", "kind", f.kind + " "));
      li.appendChild(goButton(f.line, f.pid, "line " + f.line + ", pid " + f.pid));
      li.appendChild(el("div", "msg", f.message));
      if (f.places.length > 1) {
        const d = el("div", "", "at: ");
        f.places.slice(0, 30).forEach((pl) => d.appendChild(goButton(pl[0], pl[1], pl[0] + " (pid " + pl[1] + ")")));
        if (f.places.length > 30) d.appendChild(el("span", "", "and " + (f.places.length - 30) + " more"));
        li.appendChild(d);
      }
      if (f.related.length) {
        const d = el("div", "", "see: ");
        f.related.forEach((r) => d.appendChild(goButton(r[0], null, r[1] + " at line " + r[0])));
        li.appendChild(d);
      }
      for (const [line, frames] of f.frames) {
        li.appendChild(el("div", "frames", "line " + line + ":\n  " + frames.join("\n  ")));
      }
      findingItems.push(li);
      $("findings").appendChild(li);
    });
    D.divergences.forEach((d) => {
      const li = el("li", "divergence");
      li.dataset.line = String(d.line);
      li.appendChild(goButton(d.line, d.pid, "line " + d.line + (d.pid === null ? "" : ", pid " + d.tid)));
      li.appendChild(el("div", "msg", d.call));
      li.appendChild(el("div", "", d.what + ": the log says " + d.expected + ", the model " + d.predicted));
      if (d.frames.length) li.appendChild(el("div", "frames", d.frames.join("\n")));
      divergenceItems.push(li);
      $("divergences").appendChild(li);
    });
    if (D.errors.length === 0) $("errhead").classList.add("none");
    D.errors.forEach((e) => {
      const li = el("li");
      li.appendChild(goButton(e[0], null));
      li.appendChild(el("span", "msg", " " + e[1]));
      $("errors").appendChild(li);
    });
  })();

  const searchBox = $("search");
  function runSearch() {
    state.search = searchBox.value;
    const q = state.search.trim(), out = $("results");
    out.textContent = "";
    if (q === "") { $("nsearch").textContent = ""; render(false); return; }
    const num = /^\d+$/.test(q) ? Number(q) : null;
    const found = D.events.filter((e) => (e.k === "open" || e.k === "close") &&
      (num !== null ? e.fd === num : e.s.includes(q)));
    $("nsearch").textContent = "(" + found.length + (found.length > 500 ? ", first 500" : "") + ")";
    for (const e of found.slice(0, 500)) {
      const li = el("li");
      li.appendChild(goButton(e.l, e.p, "line " + e.l));
      li.appendChild(el("span", "msg", " pid " + e.t + ": fd " + e.fd + " " + (e.k === "open" ? "opened by " : "closed by ") + e.c + " \u2192 " + e.s));
      out.appendChild(li);
    }
    render(false);
  }
  searchBox.addEventListener("input", runSearch);

  // ---- keyboard -----------------------------------------------------------------
  function nextIn(sorted, from, dir) {
    if (dir > 0) { for (const x of sorted) if (x > from) return x; }
    else { for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i] < from) return sorted[i]; }
    return null;
  }
  const sortedFindings = Array.from(new Set(D.findings.map((f) => f.line))).sort((a, b) => a - b);
  const sortedDivergences = Array.from(divergenceLines).sort((a, b) => a - b);
  function stepProcess(dir) {
    const ls = linesOf.get(state.pid) || [];
    const n = nextIn(ls, state.line, dir);
    if (n !== null) go(n, state.pid, !state.follow);
  }
  function stepList(list, dir, pidOf) {
    const n = nextIn(list, state.line, dir);
    if (n !== null) go(n, pidOf(n), true);
  }
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    const typing = t && (t.tagName === "INPUT" && t.type !== "range" && t.type !== "checkbox" || t.tagName === "SELECT");
    if (typing) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const fPid = (l) => { const f = D.findings.find((x) => x.line === l); return f ? f.pid : null; };
    const dPid = (l) => { const d = D.divergences.find((x) => x.line === l); return d ? d.pid : null; };
    let done = true;
    switch (ev.key) {
      case "ArrowRight": case "j": go(state.line + 1, null, false); break;
      case "ArrowLeft": case "k": go(state.line - 1, null, false); break;
      case "Home": go(FIRST, null, false); break;
      case "End": go(LAST, null, false); break;
      case "n": stepProcess(1); break;
      case "p": stepProcess(-1); break;
      case "f": stepList(sortedFindings, 1, fPid); break;
      case "F": stepList(sortedFindings, -1, fPid); break;
      case "d": stepList(sortedDivergences, 1, dPid); break;
      case "D": stepList(sortedDivergences, -1, dPid); break;
      case "/": searchBox.focus(); break;
      default: done = false;
    }
    if (done) ev.preventDefault();
  });

  // ---- render --------------------------------------------------------------------
  function render(scroll) {
    scrub.value = String(state.line);
    lineno.value = String(state.line);
    follow.checked = state.follow;
    cursor.style.left = pct(state.line);
    renderTables();
    for (const [pid, r] of tlRows) r.classList.toggle("sel", pid === state.pid);
    findingItems.forEach((li) => li.classList.toggle("active", Number(li.dataset.line) === state.line));
    divergenceItems.forEach((li) => li.classList.toggle("active", Number(li.dataset.line) === state.line));
    if (scroll) scrollLogTo(state.line);
    drawLog();
    document.body.dataset.line = String(state.line);
    document.body.dataset.pid = state.pid === null ? "" : String(state.pid);
  }

  // Start at the line named in the address (#L120), else the first line.
  const m = /^#L(\d+)$/.exec(location.hash);
  go(m ? Number(m[1]) : FIRST, null, false);
  document.body.dataset.ready = "1";
})();
