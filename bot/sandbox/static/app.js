/* The page that plays Slack for `punchcard try`: sidebar, channels, the app's Home and
 * Messages tabs, modals and scheduled jobs, over the stand-in's JSON API (see bot/sandbox).
 * Block Kit is drawn by blockkit.js (window.BlockKit). */
(function () {
  "use strict";

  const BK = window.BlockKit;
  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Message shortcuts of the app (deploy/slack-manifest.yml): the page cannot ask Punchcard.
  const SHORTCUTS = [{ callback_id: "track_message", name: "Track time for this message" }];

  const h = BlockKit.h; // blockkit.js loads first

  const hash = decodeURIComponent(location.hash.slice(1));
  const S = {
    me: new URLSearchParams(location.search).get("user") || localStorage.getItem("punchcard-try-user") || "",
    state: null,
    where: hash === "home" || hash === "messages" ? { app: hash } : hash ? { channel: hash } : null,
    pollId: 0,
    abort: null,
    homeOpenedFor: null,
    drafts: {},
    dismissed: new Set(),
    seen: {}, // channel -> last ts looked at (unread marks)
    keys: {}, // what is drawn now, to draw only what changed
    rendered: new Map(), // ts -> {key, el} of drawn messages
    modal: null, // {id, key, errorsKey}
  };

  // ----------------------------------------------------------------------------- talking

  async function api(path, body) {
    try {
      const r = await fetch("/sandbox/" + path, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: S.me, ...body }),
      });
      const data = await r.json().catch(() => ({ ok: false, error: `HTTP ${r.status}` }));
      if (!data.ok) toast(data.error || "That did not work");
      return data;
    } catch (err) {
      toast("The sandbox is not answering");
      return { ok: false, error: String(err) };
    }
  }

  async function poll() {
    const id = ++S.pollId;
    if (S.abort) S.abort.abort();
    const abort = (S.abort = new AbortController());
    let after = null;
    while (id === S.pollId) {
      try {
        const q = new URLSearchParams();
        if (S.me) q.set("user", S.me);
        if (after != null) q.set("after", after);
        const r = await fetch("/sandbox/state?" + q, { signal: abort.signal, cache: "no-store" });
        const data = await r.json();
        if (id !== S.pollId) return;
        if (!data.ok) throw new Error(data.error || "state refused");
        after = data.version;
        apply(data);
      } catch (err) {
        if (id !== S.pollId) return;
        status(false);
        await sleep(1000);
      }
    }
  }

  let toastTimer = null;
  function toast(text) {
    const el = $("toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
  }

  function status(ok) {
    $("status-dot").classList.toggle("offline", !ok);
    $("status-dot").title = ok ? "Connected" : "Reconnecting…";
  }

  function confirmDialog(c) {
    return new Promise((resolve) => {
      const text = (o) => (o && o.text) || "";
      $("confirm-title").textContent = text(c.title) || "Are you sure?";
      $("confirm-text").replaceChildren(BK.renderText(c.text, ctxBase()));
      $("confirm-ok").textContent = text(c.confirm) || "Yes";
      $("confirm-deny").textContent = text(c.deny) || "Cancel";
      $("confirm-ok").className = "btn " + (c.style === "danger" ? "btn-danger" : "btn-primary");
      $("confirm-backdrop").hidden = false;
      const done = (answer) => {
        $("confirm-backdrop").hidden = true;
        $("confirm-ok").onclick = $("confirm-deny").onclick = null;
        S.confirmDone = null;
        resolve(answer);
      };
      S.confirmDone = done;
      $("confirm-ok").onclick = () => done(true);
      $("confirm-deny").onclick = () => done(false);
      $("confirm-ok").focus();
    });
  }

  // ----------------------------------------------------------------------------- state

  const channels = () => (S.state && S.state.channels) || [];
  const appDm = () => channels().find((c) => c.kind === "dm");
  const current = () => (S.where && S.where.app ? (S.where.app === "messages" ? appDm() : null) : channels().find((c) => c.id === (S.where || {}).channel));
  const people = () => [...((S.state && S.state.people) || []), ...(S.state && S.state.bot ? [S.state.bot] : [])];
  const ctxBase = () => ({ people: people(), channels: channels(), confirm: confirmDialog });

  function apply(data) {
    const switched = S.state && S.state.me !== data.me;
    S.state = data;
    S.me = data.me;
    if (!S.where || (S.where.channel && !channels().some((c) => c.id === S.where.channel))) {
      S.where = S.where && S.where.channel && S.where.channel.startsWith("D") ? { app: "messages" }
        : { channel: (channels().find((c) => c.kind !== "dm") || {}).id };
    }
    if (switched) S.keys = {};
    $("workspace-name").textContent = data.workspace || "Workspace";
    document.title = `${data.workspace || "Punchcard"} · try it`;
    status(true);
    drawPeople();
    drawNav();
    drawJobs();
    drawMain();
    drawModal();
    if (S.where.app === "home" && S.homeOpenedFor !== S.me) openHome();
  }

  function go(where) {
    const before = current();
    if (before) S.drafts[before.id] = $("composer").value;
    S.where = where;
    history.replaceState(null, "", "#" + (where.app || where.channel));
    drawNav();
    drawMain();
    const now = current();
    if (now) $("composer").value = S.drafts[now.id] || "";
    if (where.app === "home") openHome();
    else $("composer").focus();
  }

  function openHome() {
    S.homeOpenedFor = S.me;
    api("home", {});
  }

  // ----------------------------------------------------------------------------- sidebar

  function drawPeople() {
    const list = S.state.people || [];
    const key = JSON.stringify(list) + S.me;
    if (S.keys.people === key) return;
    S.keys.people = key;
    $("who").replaceChildren(...list.map((p) => h("option", { value: p.id }, `${p.name} (${p.role})`)));
    $("who").value = S.me;
  }

  function unread(c) {
    const msgs = (S.state.messages || {})[c.id] || [];
    const last = msgs.length ? msgs[msgs.length - 1].ts : "0";
    if (!(c.id in S.seen)) S.seen[c.id] = last;
    const here = current();
    if (here && here.id === c.id) S.seen[c.id] = last;
    return msgs.filter((m) => Number(m.ts) > Number(S.seen[c.id]) && !S.dismissed.has(m.ts)).length;
  }

  function navItem(c, label) {
    const n = unread(c);
    const here = current();
    return h("button", { type: "button", class: "nav-item" + (here && here.id === c.id && !S.where.app ? " active" : "") + (n ? " unread" : ""), "data-channel": c.id },
      h("span", { class: "nav-hash" }, label), h("span", { class: "nav-name" }, c.name), n ? h("span", { class: "badge" }, String(n)) : "");
  }

  function drawNav() {
    const dm = appDm();
    const tabs = [$("tab-home"), $("tab-messages")];
    tabs.forEach((t) => t.classList.toggle("active", !!S.where && S.where.app === t.dataset.tab));
    if (dm) {
      $("tab-messages").dataset.channel = dm.id;
      const n = unread(dm);
      $("tab-messages").classList.toggle("unread", n > 0);
      $("tab-messages").replaceChildren("Messages", n ? h("span", { class: "badge" }, String(n)) : "");
    }
    $("channel-list").replaceChildren(...channels().filter((c) => c.kind !== "dm").map((c) => navItem(c, "#")));
    const others = channels().filter((c) => c.kind === "dm" && c !== dm);
    $("dm-section").hidden = !others.length;
    $("dm-list").replaceChildren(...others.map((c) => navItem(c, "●")));
  }

  function drawJobs() {
    const jobs = S.state.jobs || [];
    const key = JSON.stringify(jobs);
    if (S.keys.jobs === key) return;
    S.keys.jobs = key;
    const chosen = $("job").value;
    $("job").replaceChildren(...jobs.map((j) => h("option", { value: j.name, title: j.about || null }, j.name)));
    if (jobs.some((j) => j.name === chosen)) $("job").value = chosen;
    aboutJob();
  }

  function aboutJob() {
    const job = (S.state.jobs || []).find((j) => j.name === $("job").value);
    $("job-about").textContent = (job && job.about) || "";
  }

  // ----------------------------------------------------------------------------- main pane

  function drawMain() {
    const inApp = !!S.where.app;
    const c = current();
    $("app-tabs").hidden = !inApp;
    $("app-tabs").querySelectorAll(".app-tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === S.where.app));
    $("channel-title").replaceChildren(inApp ? h("span", { class: "title-app" }, h("span", { class: "app-icon" }, "P"), "Punchcard")
      : h("span", {}, h("span", { class: "title-hash" }, "#"), (c && c.name) || ""));
    const home = S.where.app === "home";
    $("home-pane").hidden = !home;
    $("messages").hidden = home;
    $("composer-bar").hidden = home;
    if (home) drawHome();
    else drawMessages(c);
  }

  function drawHome() {
    const view = S.state.home;
    const key = S.me + JSON.stringify(view);
    if (S.keys.home === key) return;
    S.keys.home = key;
    if (!view) {
      $("home-pane").replaceChildren(h("div", { class: "empty" }, "Opening Home…"));
      return;
    }
    const ctx = {
      ...ctxBase(),
      onAction: (action) => api("action", { surface: "home", view_id: view.id, action, state: BK.collectState($("home-pane")) }),
      onOptions: (q) => api("options", { surface: "home", view_id: view.id, ...q }),
    };
    $("home-pane").replaceChildren(h("div", { class: "home-view", "data-view-id": view.id }, BK.renderBlocks(view.blocks, ctx)));
  }

  const time = (ts) => new Date(Number(ts) * 1000);
  const clock = (ts) => time(ts).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const dayOf = (ts) => time(ts).toLocaleDateString([], { weekday: "long", month: "long", day: "numeric" });

  function avatar(m) {
    const bot = S.state.bot && m.user === S.state.bot.id;
    if (bot) return h("div", { class: "avatar avatar-bot", "aria-hidden": "true" }, "P");
    let n = 0;
    for (const ch of String(m.user)) n = (n * 31 + ch.charCodeAt(0)) % 360;
    const initials = String(m.name || m.user || "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
    return h("div", { class: "avatar", style: `background:hsl(${n},45%,45%)`, "aria-hidden": "true" }, initials);
  }

  function fileEl(f) {
    const name = f.name || f.title || "file";
    if (/^image\//.test(f.mimetype || "") || /\.(png|jpe?g|gif|webp)$/i.test(name)) {
      return h("a", { class: "file file-image", href: f.url, target: "_blank", rel: "noopener", "data-name": name, title: name },
        h("img", { src: f.url, alt: f.title || name, loading: "lazy" }));
    }
    const ext = (name.split(".").pop() || "").toUpperCase().slice(0, 4);
    return h("a", { class: "file file-card", href: f.url, download: name, "data-name": name },
      h("span", { class: "file-icon file-" + ext.toLowerCase() }, ext || "FILE"),
      h("span", { class: "file-text" }, h("span", { class: "file-name" }, f.title || name),
        h("span", { class: "file-kind" }, (ext || "File") + " · Download")));
  }

  function messageEl(m) {
    const bot = S.state.bot && m.user === S.state.bot.id;
    const ctx = {
      ...ctxBase(),
      onAction: (action) => api("action", { surface: "message", channel: m.channel, ts: m.ts, action, state: BK.collectState(el) }),
      onOptions: (q) => api("options", { surface: "message", channel: m.channel, ts: m.ts, ...q }),
    };
    const content = h("div", { class: "message-content" });
    if (Array.isArray(m.blocks) && m.blocks.length) content.append(BK.renderBlocks(m.blocks, ctx));
    else if (m.text) content.append(BK.renderText({ type: "mrkdwn", text: m.text }, ctx));
    if (m.files && m.files.length) content.append(h("div", { class: "files" }, m.files.map(fileEl)));
    const meta = h("div", { class: "message-meta" }, h("span", { class: "author" }, m.name || m.user),
      bot ? h("span", { class: "app-badge" }, "APP") : "",
      h("time", { datetime: time(m.ts).toISOString(), title: time(m.ts).toLocaleString() }, clock(m.ts)),
      m.edited ? h("span", { class: "edited" }, "(edited)") : "");
    const body = h("div", { class: "message-body" });
    if (m.ephemeral) {
      const dismiss = h("a", { href: "#", class: "dismiss" }, "Dismiss");
      dismiss.addEventListener("click", (ev) => {
        ev.preventDefault();
        S.dismissed.add(m.ts);
        el.remove();
        S.rendered.delete(m.ts);
      });
      body.append(h("div", { class: "ephemeral-note" }, "Only visible to you · ", dismiss));
    }
    body.append(meta, content);
    const el = h("div", { class: "message" + (m.ephemeral ? " ephemeral" : ""), "data-ts": m.ts, "data-user": m.user }, avatar(m), body);
    if (!m.ephemeral) el.append(shortcutMenu(m));
    return el;
  }

  function shortcutMenu(m) {
    const menu = h("div", { class: "bk-menu shortcut-menu", hidden: true },
      SHORTCUTS.map((s) => {
        const item = h("button", { type: "button", class: "bk-menu-item", "data-callback-id": s.callback_id }, s.name);
        item.addEventListener("click", () => { menu.hidden = true; api("shortcut", { channel: m.channel, ts: m.ts, callback_id: s.callback_id }); });
        return item;
      }));
    const open = h("button", { type: "button", class: "message-more", title: "More actions", "aria-label": "More actions" }, "⋮");
    open.addEventListener("click", () => { menu.hidden = !menu.hidden; });
    return h("div", { class: "message-actions bk-overflow" }, open, menu);
  }

  function drawMessages(c) {
    const pane = $("messages");
    $("composer").placeholder = c ? (c.kind === "dm" ? `Message ${c.name}` : `Message #${c.name}`) : "Message";
    const msgs = c ? ((S.state.messages || {})[c.id] || []).filter((m) => !S.dismissed.has(m.ts)) : [];
    const names = JSON.stringify(people());
    const everything = JSON.stringify([c && c.id, msgs]) + names;
    if (S.keys.messages === everything) return;
    S.keys.messages = everything;
    const last = msgs.length ? msgs[msgs.length - 1].ts : "";
    const moved = S.keys.channel !== (c && c.id) || S.keys.last !== last;
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    S.keys.channel = c && c.id;
    S.keys.last = last;
    const kids = [];
    let day = null;
    const keep = new Map();
    for (const m of msgs) {
      if (dayOf(m.ts) !== day) {
        day = dayOf(m.ts);
        kids.push(h("div", { class: "day-divider" }, h("span", {}, day)));
      }
      const key = JSON.stringify(m) + names;
      const old = S.rendered.get(m.ts);
      const el = old && old.key === key ? old.el : messageEl({ channel: c.id, ...m });
      keep.set(m.ts, { key, el });
      kids.push(el);
    }
    if (!msgs.length) kids.push(h("div", { class: "empty" }, c && c.kind === "dm" ? "Punchcard writes to you here. Try /track help." : "No messages yet. Try /track help."));
    S.rendered = keep;
    pane.replaceChildren(...kids);
    if (moved || atBottom) pane.scrollTop = pane.scrollHeight;
  }

  // ----------------------------------------------------------------------------- modals

  function drawModal() {
    const stack = S.state.modals || [];
    const view = stack[stack.length - 1];
    if (!view) {
      $("modal-backdrop").hidden = true;
      S.modal = null;
      return;
    }
    const { errors, hash: _h, state: _s, ...content } = view;
    const key = JSON.stringify(content);
    const body = $("modal-body");
    if (!S.modal || S.modal.key !== key) {
      // A views.update of the same view keeps what was typed in inputs that stay (as Slack does).
      const kept = S.modal && S.modal.id === view.id ? BK.collectState(body, { dirtyOnly: true }) : {};
      const ctx = {
        ...ctxBase(),
        onAction: (action) => api("action", { surface: "modal", view_id: view.id, action, state: BK.collectState(body) }),
        onOptions: (q) => api("options", { surface: "modal", view_id: view.id, ...q }),
      };
      body.replaceChildren(BK.renderBlocks(view.blocks, ctx));
      BK.applyState(body, kept);
      $("modal-title").textContent = (view.title && view.title.text) || "";
      $("modal-close").textContent = (view.close && view.close.text) || "Cancel";
      $("modal-submit").hidden = !view.submit;
      $("modal-submit").textContent = (view.submit && view.submit.text) || "Submit";
      $("modal").dataset.callbackId = view.callback_id || "";
      $("modal").dataset.viewId = view.id;
      $("modal-errors").replaceChildren();
      S.modal = { id: view.id, key, errorsKey: null };
    }
    const errorsKey = JSON.stringify(errors || {});
    if (S.modal.errorsKey !== errorsKey) {
      S.modal.errorsKey = errorsKey;
      showErrors(errors || {});
    }
    $("modal-stack").textContent = stack.length > 1 ? `${stack.length} of ${stack.length}` : "";
    $("modal-submit").disabled = false;
    $("modal-backdrop").hidden = false;
  }

  function showErrors(errors) {
    const homeless = BK.showErrors($("modal-body"), errors);
    $("modal-errors").replaceChildren(...Object.entries(homeless).map(([id, msg]) => h("div", { class: "bk-error", "data-block-id": id }, String(msg))));
  }

  function missing(state) {
    const errors = {};
    $("modal-body").querySelectorAll(".bk-input-block[data-required]").forEach((input) => {
      const id = input.closest(".bk-block").dataset.blockId;
      const values = Object.values(state[id] || {});
      const empty = values.length && values.every((v) => v.value == null && v.selected_option == null && v.selected_date == null
        && v.selected_time == null && !(v.selected_options && v.selected_options.length));
      if (empty) errors[id] = "Please complete this required field.";
    });
    return errors;
  }

  async function submit() {
    if (!S.modal || $("modal-submit").disabled) return;
    const state = BK.collectState($("modal-body"));
    const required = missing(state);
    if (Object.keys(required).length) return showErrors(required);
    $("modal-submit").disabled = true;
    const answer = await api("submit", { view_id: S.modal.id, state });
    $("modal-submit").disabled = false;
    if (answer.ok && answer.errors) showErrors(answer.errors);
  }

  function closeModal() {
    if (S.modal) api("close", { view_id: S.modal.id });
  }

  // ----------------------------------------------------------------------------- wiring

  $("who").addEventListener("change", () => {
    S.me = $("who").value;
    localStorage.setItem("punchcard-try-user", S.me);
    S.keys = {};
    S.rendered = new Map();
    S.modal = null;
    S.homeOpenedFor = null;
    poll();
  });
  document.querySelectorAll("[data-tab]").forEach((t) => t.addEventListener("click", () => go({ app: t.dataset.tab })));
  $("channel-list").addEventListener("click", (ev) => { const b = ev.target.closest("[data-channel]"); if (b) go({ channel: b.dataset.channel }); });
  $("dm-list").addEventListener("click", (ev) => { const b = ev.target.closest("[data-channel]"); if (b) go({ channel: b.dataset.channel }); });

  $("composer").addEventListener("keydown", async (ev) => {
    if (ev.key !== "Enter" || ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    const input = $("composer");
    const text = input.value.trim();
    const c = current();
    if (!text || !c || input.dataset.sending) return;
    input.dataset.sending = "1";
    const answer = await api("command", { channel: c.id, text });
    delete input.dataset.sending;
    if (answer.ok && input.value.trim() === text) input.value = "";
  });

  $("modal-submit").addEventListener("click", submit);
  $("modal-close").addEventListener("click", closeModal);
  $("modal-x").addEventListener("click", closeModal);
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    if (S.confirmDone) S.confirmDone(false);
    else if (!$("modal-backdrop").hidden && !document.querySelector(".bk-menu:not([hidden])")) closeModal();
  });

  $("job").addEventListener("change", aboutJob);
  $("job-run").addEventListener("click", async () => {
    if (!$("job").value) return;
    $("job-run").disabled = true;
    $("job-said").textContent = "Running…";
    const answer = await api("job", { name: $("job").value, at: $("job-at").value });
    $("job-run").disabled = false;
    $("job-said").textContent = answer.ok ? answer.said || "Done." : answer.error || "Failed.";
  });

  poll();
})();
