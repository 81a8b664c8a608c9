/* Block Kit, drawn the way Slack draws it (simply), for the `punchcard try` page.
 *
 * window.BlockKit = {
 *   renderBlocks(blocks, ctx) -> HTMLElement     a <div class="bk-blocks">
 *   renderText(textObject, ctx) -> HTMLElement | ""
 *   mrkdwn(string, ctx) -> HTML string            Slack mrkdwn, every text escaped
 *   placeholders(root) -> number                  how many things could not be drawn
 *   collectState(root, {dirtyOnly}) -> values     Slack's state.values of the inputs under root
 *   applyState(root, values)                      put collected values back (after a redraw)
 *   showErrors(root, errors) -> {block_id: msg}   errors under their blocks; those with no block
 *   h(tag, attrs, ...children) -> HTMLElement     the element builder the page uses too
 * }
 * ctx (all optional): people [{id, name}] or {id: name}, channels [{id, name}],
 * onAction(action) when an element fires (Slack's block_actions action object),
 * onOptions({action_id, block_id, value}) -> Promise<{options, option_groups}>,
 * confirm(confirmObject) -> Promise<boolean>, errors {block_id: message}.
 * Whatever cannot be drawn becomes a visible `[data-placeholder="block:TYPE"]` (or element:TYPE).
 */
(function () {
  "use strict";

  const EMOJI = {
    alarm_clock: "⏰", arrow_forward: "▶️", arrow_right: "➡️", ballot_box_with_check: "☑️", bar_chart: "📊",
    bell: "🔔", briefcase: "💼", bulb: "💡", bust_in_silhouette: "👤", busts_in_silhouette: "👥",
    calendar: "📆", chart_with_upwards_trend: "📈", checkered_flag: "🏁", clipboard: "📋", clock1: "🕐",
    construction: "🚧", date: "📅", dollar: "💵", double_vertical_bar: "⏸️", email: "📧", envelope: "✉️",
    euro: "💶", exclamation: "❗", eyes: "👀", file_folder: "📁", fire: "🔥", gear: "⚙️", heart: "❤️",
    heavy_check_mark: "✔️", heavy_minus_sign: "➖", heavy_plus_sign: "➕", hourglass: "⌛",
    hourglass_flowing_sand: "⏳", inbox_tray: "📥", information_source: "ℹ️", key: "🔑",
    large_blue_circle: "🔵", large_green_circle: "🟢", large_orange_circle: "🟠", large_yellow_circle: "🟡",
    leftwards_arrow_with_hook: "↩️", link: "🔗", lock: "🔒", mag: "🔍", memo: "📝", moneybag: "💰",
    muscle: "💪", new: "🆕", no_bell: "🔕", no_entry: "⛔", no_entry_sign: "🚫", ok_hand: "👌",
    outbox_tray: "📤", page_facing_up: "📄", palm_tree: "🌴", paperclip: "📎", pencil: "📝", pencil2: "✏️",
    pound: "💷", pray: "🙏", pushpin: "📌", question: "❓", raised_hands: "🙌", receipt: "🧾",
    red_circle: "🔴", repeat: "🔁", rocket: "🚀", rotating_light: "🚨", slightly_smiling_face: "🙂",
    smile: "😄", sparkles: "✨", speech_balloon: "💬", spiral_calendar_pad: "🗓️", stop_sign: "🛑",
    stopwatch: "⏱️", sunny: "☀️", tada: "🎉", thinking_face: "🤔", thumbsup: "👍", "+1": "👍",
    thumbsdown: "👎", "-1": "👎", unlock: "🔓", wastebasket: "🗑️", wave: "👋", warning: "⚠️",
    white_check_mark: "✅", white_circle: "⚪", x: "❌", zzz: "💤",
  };
  const ENTITIES = { lt: "<", gt: ">", amp: "&" };
  const HTML = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => HTML[c]);
  const unslack = (s) => String(s ?? "").replace(/&(lt|gt|amp);/g, (_, n) => ENTITIES[n]);
  const emojiText = (s) => String(s ?? "").replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m);

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid != null && kid !== "") el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  // ------------------------------------------------------------------------------- mrkdwn

  function lookup(list, id) {
    if (!list) return "";
    if (Array.isArray(list)) return (list.find((x) => x && x.id === id) || {}).name || "";
    const v = list[id];
    return typeof v === "string" ? v : (v && v.name) || "";
  }

  function slackDate(seconds, format) {
    const d = new Date(Number(seconds) * 1000);
    if (!Number.isFinite(d.getTime())) return null;
    const y = d.getFullYear(), day = d.getDate(), pad = (n) => String(n).padStart(2, "0");
    const th = day % 10 === 1 && day !== 11 ? "st" : day % 10 === 2 && day !== 12 ? "nd"
      : day % 10 === 3 && day !== 13 ? "rd" : "th";
    const month = d.toLocaleString("en-US", { month: "long" });
    const mon = d.toLocaleString("en-US", { month: "short" });
    const weekday = d.toLocaleString("en-US", { weekday: "long" });
    const time = (secs) => d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", second: secs ? "2-digit" : undefined });
    const days = Math.round((new Date(y, d.getMonth(), day) - new Date(new Date().toDateString())) / 864e5);
    const pretty = { 0: "today", [-1]: "yesterday", 1: "tomorrow" }[days];
    const t = {
      date_num: `${y}-${pad(d.getMonth() + 1)}-${pad(day)}`,
      date: `${month} ${day}${th}, ${y}`,
      date_short: `${mon} ${day}, ${y}`,
      date_long: `${weekday}, ${month} ${day}${th}, ${y}`,
      time: time(false),
      time_secs: time(true),
    };
    Object.assign(t, { date_pretty: pretty || t.date, date_short_pretty: pretty || t.date_short,
      date_long_pretty: pretty || t.date_long, ago: pretty || t.date_short });
    return format.replace(/\{(\w+)\}/g, (m, k) => t[k] ?? m);
  }

  /** One `<...>` control sequence (its inside) as HTML. */
  function control(inner, ctx) {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? "" : unslack(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return `<span class="bk-mention" data-user="${esc(id)}">@${esc(lookup(ctx.people, id) || label || id)}</span>`;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return `<span class="bk-mention bk-channel-mention">#${esc(lookup(ctx.channels, id) || label || id)}</span>`;
    }
    if (target.startsWith("!")) {
      const [word, ...rest] = target.slice(1).split("^");
      if (["here", "channel", "everyone"].includes(word)) return `<span class="bk-mention">@${word}</span>`;
      if (word === "date") {
        const shown = slackDate(rest[0], unslack(rest[1] || "{date_short}"));
        return `<span class="bk-date">${esc(shown ?? label)}</span>`;
      }
      if (word === "subteam") return `<span class="bk-mention">${esc(label || "@group")}</span>`;
      return esc(label || "<" + unslack(inner) + ">");
    }
    const url = unslack(target);
    if (/^(https?:|mailto:|tel:)/i.test(url)) {
      return `<a class="bk-link" href="${esc(url)}" target="_blank" rel="noopener noreferrer">${label ? esc(emojiText(label)) : esc(url)}</a>`;
    }
    return esc("<" + unslack(inner) + ">");
  }

  function styled(s, mark, tag) {
    const m = "\\" + mark;
    const re = new RegExp(`(^|[^\\w${m}])${m}(?=[^\\s${m}])([^${m}\\n]*?[^\\s${m}])${m}(?![\\w${m}])`, "g");
    return s.replace(re, (_, before, body) => `${before}<${tag}>${body}</${tag}>`);
  }

  /** One line of mrkdwn (no fences, no quote marker). */
  function inline(line, ctx) {
    const kept = [];
    const keep = (html) => `\uE000${kept.push(html) - 1}\uE001`;
    let s = line.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code class="bk-code">${esc(unslack(code))}</code>`));
    s = s.replace(/<([^<>\n]+)>/g, (_, inner) => keep(control(inner, ctx)));
    s = s.replace(/:([a-z0-9_+-]+):/g, (m, name) => (EMOJI[name] ? keep(EMOJI[name]) : m));
    s = esc(unslack(s));
    s = styled(styled(styled(s, "*", "strong"), "_", "em"), "~", "del");
    return s.replace(/\uE000(\d+)\uE001/g, (_, i) => kept[Number(i)]);
  }

  function lines(text, ctx) {
    const items = [];
    for (const line of text.split("\n")) {
      const quoted = /^(>|&gt;)/.exec(line);
      if (quoted) {
        const body = line.slice(quoted[0].length).replace(/^ /, "");
        const last = items[items.length - 1];
        if (Array.isArray(last)) last.push(body);
        else items.push([body]);
      } else items.push(line);
    }
    return items.map((item, i) => {
      if (Array.isArray(item)) return `<blockquote class="bk-quote">${item.map((l) => inline(l, ctx)).join("<br>")}</blockquote>`;
      const next = items[i + 1];
      return inline(item, ctx) + (typeof next === "string" || (item === "" && next) ? "<br>" : "");
    }).join("");
  }

  /** Slack mrkdwn as HTML. The text arrives Slack-escaped (&lt; &gt; &amp;): decoded once, escaped once. */
  function mrkdwn(text, ctx) {
    ctx = ctx || {};
    const parts = String(text ?? "").split("```");
    return parts.map((part, i) => {
      if (i % 2 === 1 && i < parts.length - 1) {
        return `<pre class="bk-pre">${esc(unslack(part.replace(/^\n/, "").replace(/\n$/, "")))}</pre>`;
      }
      // An unclosed fence stays text; the newline right after a fence is the fence's own.
      return lines(i % 2 === 1 ? "```" + part : i > 0 ? part.replace(/^\n/, "") : part, ctx);
    }).join("");
  }

  function renderText(obj, ctx) {
    if (obj == null) return "";
    if (typeof obj === "string") obj = { type: "plain_text", text: obj };
    if (obj.type === "mrkdwn") {
      const span = h("span", { class: "bk-mrkdwn" });
      span.innerHTML = mrkdwn(obj.text, ctx || {});
      return span;
    }
    return h("span", { class: "bk-plain" }, obj.emoji === false ? String(obj.text ?? "") : emojiText(obj.text));
  }

  const plain = (obj) => (obj == null ? "" : emojiText(typeof obj === "string" ? obj : obj.text));

  // ------------------------------------------------------------------------------- elements

  function placeholder(kind, type, error) {
    const name = String(type ?? "untyped");
    const el = h(kind === "inline" ? "span" : "div",
      { class: "bk-placeholder", "data-placeholder": `${kind === "inline" ? "element" : kind}:${name}` },
      `Cannot show a ${name} ${kind === "block" ? "block" : "element"}`);
    if (error) el.title = String(error && error.stack || error);
    return el;
  }

  const option = (o) => {
    const out = { text: o.text, value: o.value };
    if (o.description) out.description = o.description;
    return out;
  };
  const clean = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));

  function fire(ctx, at, action) {
    if (at.fires && ctx.onAction) ctx.onAction(clean({ block_id: at.blockId, ...action }));
  }

  function confirmed(ctx, confirm) {
    if (!confirm) return Promise.resolve(true);
    if (ctx.confirm) return Promise.resolve(ctx.confirm(confirm));
    const text = [plain(confirm.title), confirm.text && confirm.text.text].filter(Boolean).join("\n\n");
    return Promise.resolve(window.confirm(text));
  }

  /** A stateful element: getState() gives Slack's state value; setState() puts one back. */
  function stateful(el, get, set) {
    el.classList.add("bk-stateful");
    el._bk = { get, set, dirty: false };
    el.addEventListener("input", () => { el._bk.dirty = true; });
    el.addEventListener("change", () => { el._bk.dirty = true; });
    return el;
  }

  function closeMenus(except) {
    document.querySelectorAll(".bk-menu:not([hidden])").forEach((m) => { if (m !== except) m.hidden = true; });
  }
  document.addEventListener("click", (ev) => { if (!ev.target.closest || !ev.target.closest(".bk-overflow")) closeMenus(); });

  const ELEMENTS = {
    button(e, ctx, at) {
      const b = h("button", { type: "button", class: "bk-button" + (e.style ? " bk-" + e.style : "") }, plain(e.text));
      if (e.value != null) b.dataset.value = e.value;
      b.addEventListener("click", async () => {
        if (!(await confirmed(ctx, e.confirm))) return;
        if (e.url) window.open(e.url, "_blank", "noopener");
        fire(ctx, at, { type: "button", action_id: e.action_id, text: e.text, value: e.value, style: e.style });
      });
      return b;
    },

    static_select(e, ctx, at) {
      const sel = h("select", { class: "bk-select" });
      const all = [];
      const add = (parent, o) => { all.push(o); parent.append(h("option", { value: o.value }, plain(o.text))); };
      sel.append(h("option", { value: "", disabled: true, hidden: true }, plain(e.placeholder) || "Select an item"));
      (e.options || []).forEach((o) => add(sel, o));
      for (const g of e.option_groups || []) {
        const group = h("optgroup", { label: plain(g.label) });
        (g.options || []).forEach((o) => add(group, o));
        sel.append(group);
      }
      const pick = (o) => { sel.value = o && all.some((x) => x.value === o.value) ? o.value : ""; };
      pick(e.initial_option);
      const chosen = () => {
        const o = sel.selectedIndex > 0 ? all.find((x) => x.value === sel.value) : null;
        return o ? option(o) : null;
      };
      sel.addEventListener("change", () => fire(ctx, at, { type: e.type, action_id: e.action_id, selected_option: chosen() }));
      return stateful(sel, () => ({ type: e.type, selected_option: chosen() }), (v) => pick(v.selected_option));
    },

    external_select(e, ctx, at) {
      const box = h("div", { class: "bk-combo" });
      const hint = plain(e.placeholder) || "Select an item";
      const input = h("input", { type: "text", class: "bk-input", autocomplete: "off", placeholder: hint });
      const menu = h("div", { class: "bk-menu bk-combo-menu", hidden: true });
      box.append(input, menu);
      let selected = e.initial_option ? option(e.initial_option) : null;
      let timer = null, asked = 0, active = -1;
      const min = e.min_query_length ?? 3;
      const show = () => { input.value = selected ? plain(selected.text) : ""; };
      const choose = (o) => {
        selected = option(o); menu.hidden = true; box._bk.dirty = true;
        input.blur();
        show();
        fire(ctx, at, { type: e.type, action_id: e.action_id, selected_option: selected });
      };
      const items = () => [...menu.querySelectorAll(".bk-menu-item")];
      const highlight = (i) => { items().forEach((it, j) => it.classList.toggle("active", j === i)); active = i; };
      const fill = (answer) => {
        menu.replaceChildren(); active = -1;
        const add = (o) => {
          const item = h("button", { type: "button", class: "bk-menu-item", "data-value": o.value }, plain(o.text));
          item.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(o); });
          menu.append(item);
        };
        (answer.options || []).forEach(add);
        for (const g of answer.option_groups || []) {
          menu.append(h("div", { class: "bk-menu-group" }, plain(g.label)));
          (g.options || []).forEach(add);
        }
        if (!menu.children.length) menu.append(h("div", { class: "bk-menu-empty" }, "No results"));
        menu.hidden = false;
      };
      const search = (query) => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          if (query.length < min) { menu.hidden = true; return; }
          const mine = ++asked;
          let answer = { options: [] };
          try {
            if (ctx.onOptions) answer = (await ctx.onOptions({ action_id: e.action_id, block_id: at.blockId, value: query })) || answer;
          } catch (err) { answer = { options: [] }; }
          if (mine === asked && document.activeElement === input) fill(answer);
        }, 250);
      };
      // Open: the choice becomes the placeholder and what is typed is the query (as in Slack).
      input.addEventListener("focus", () => {
        input.placeholder = selected ? plain(selected.text) : hint;
        input.value = "";
        search("");
      });
      input.addEventListener("input", () => search(input.value));
      input.addEventListener("blur", () => { clearTimeout(timer); asked++; menu.hidden = true; input.placeholder = hint; show(); });
      input.addEventListener("keydown", (ev) => {
        const list = items();
        if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
          ev.preventDefault();
          if (list.length) highlight((active + (ev.key === "ArrowDown" ? 1 : list.length - 1)) % list.length);
        } else if (ev.key === "Enter") {
          ev.preventDefault();
          const item = list[active >= 0 ? active : 0];
          if (item && !menu.hidden) item.dispatchEvent(new MouseEvent("mousedown", { cancelable: true }));
        } else if (ev.key === "Escape" && !menu.hidden) {
          ev.stopPropagation(); // closes the list, not the modal
          menu.hidden = true;
        }
      });
      show();
      return stateful(box, () => ({ type: e.type, selected_option: selected }), (v) => { selected = v.selected_option || null; show(); });
    },

    overflow(e, ctx, at) {
      const box = h("div", { class: "bk-overflow" });
      const open = h("button", { type: "button", class: "bk-overflow-button", "aria-label": "More actions", title: "More actions" }, "⋯");
      const menu = h("div", { class: "bk-menu", hidden: true });
      for (const o of e.options || []) {
        const item = h("button", { type: "button", class: "bk-menu-item", "data-value": o.value }, plain(o.text));
        item.addEventListener("click", async () => {
          menu.hidden = true;
          if (!(await confirmed(ctx, e.confirm))) return;
          if (o.url) window.open(o.url, "_blank", "noopener");
          fire(ctx, at, { type: "overflow", action_id: e.action_id, selected_option: option(o) });
        });
        menu.append(item);
      }
      open.addEventListener("click", () => { closeMenus(menu); menu.hidden = !menu.hidden; });
      box.append(open, menu);
      return box;
    },

    datepicker(e, ctx, at) {
      const input = h("input", { type: "date", class: "bk-input bk-datepicker", value: e.initial_date });
      input.addEventListener("change", () => fire(ctx, at, { type: e.type, action_id: e.action_id, selected_date: input.value || null }));
      return stateful(input, () => ({ type: e.type, selected_date: input.value || null }), (v) => { input.value = v.selected_date || ""; });
    },

    timepicker(e, ctx, at) {
      const input = h("input", { type: "time", class: "bk-input bk-timepicker", value: e.initial_time });
      input.addEventListener("change", () => fire(ctx, at, { type: e.type, action_id: e.action_id, selected_time: input.value || null }));
      return stateful(input, () => ({ type: e.type, selected_time: input.value || null }), (v) => { input.value = v.selected_time || ""; });
    },

    checkboxes(e, ctx, at) { return choices(e, ctx, at, "checkbox"); },
    radio_buttons(e, ctx, at) { return choices(e, ctx, at, "radio"); },

    plain_text_input(e, ctx, at) {
      const attrs = { class: "bk-input", placeholder: plain(e.placeholder) || null, maxlength: e.max_length, minlength: e.min_length };
      const input = e.multiline ? h("textarea", { ...attrs, rows: 4 }) : h("input", { ...attrs, type: "text" });
      input.value = e.initial_value || "";
      const value = () => (input.value === "" ? null : input.value);
      const send = () => fire(ctx, at, { type: e.type, action_id: e.action_id, value: value() });
      const on = (e.dispatch_action_config && e.dispatch_action_config.trigger_actions_on) || ["on_enter_pressed"];
      if (on.includes("on_enter_pressed") && !e.multiline) {
        input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); send(); } });
      }
      if (on.includes("on_character_entered")) input.addEventListener("input", send);
      return stateful(input, () => ({ type: e.type, value: value() }), (v) => { input.value = v.value || ""; });
    },

    image(e) {
      return h("img", { class: "bk-image-element", src: e.image_url, alt: e.alt_text || "", title: e.alt_text || null });
    },
  };
  for (const [type, kind] of [["number_input", "number"], ["email_text_input", "email"], ["url_text_input", "url"]]) {
    ELEMENTS[type] = (e, ctx, at) => {
      const input = h("input", { class: "bk-input", type: kind, placeholder: plain(e.placeholder) || null,
        step: kind === "number" ? (e.is_decimal_allowed ? "any" : "1") : null, min: e.min_value, max: e.max_value });
      input.value = e.initial_value || "";
      const value = () => (input.value === "" ? null : input.value);
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") { ev.preventDefault(); fire(ctx, at, { type: e.type, action_id: e.action_id, value: value() }); }
      });
      return stateful(input, () => ({ type: e.type, value: value() }), (v) => { input.value = v.value || ""; });
    };
  }

  let radioNames = 0;
  function choices(e, ctx, at, kind) {
    const box = h("div", { class: "bk-choices" });
    const name = "bk-radio-" + ++radioNames;
    const options = e.options || [];
    const inputs = options.map((o) => {
      const input = h("input", { type: kind, name: kind === "radio" ? name : null, value: o.value });
      box.append(h("label", { class: "bk-choice" }, input,
        h("span", { class: "bk-choice-text" }, renderText(o.text, ctx), o.description ? h("span", { class: "bk-hint" }, renderText(o.description, ctx)) : "")));
      return input;
    });
    const chosen = () => options.filter((o, i) => inputs[i].checked).map(option);
    const set = (list) => inputs.forEach((input, i) => { input.checked = (list || []).some((o) => o && o.value === options[i].value); });
    const value = () => (kind === "radio" ? { selected_option: chosen()[0] || null } : { selected_options: chosen() });
    set(kind === "radio" ? [e.initial_option] : e.initial_options);
    box.addEventListener("change", () => fire(ctx, at, { type: e.type, action_id: e.action_id, ...value() }));
    return stateful(box, () => ({ type: e.type, ...value() }), (v) => set(kind === "radio" ? [v.selected_option] : v.selected_options));
  }

  function renderElement(e, ctx, at, index) {
    const type = e && e.type;
    const draw = Object.prototype.hasOwnProperty.call(ELEMENTS, type) ? ELEMENTS[type] : null;
    let el;
    try {
      el = draw ? draw(e, ctx, at) : placeholder("element", type);
    } catch (err) {
      el = placeholder("element", type, err);
    }
    el.dataset.actionId = (e && e.action_id) || `${at.blockId}-${index || 0}`;
    el.dataset.blockId = at.blockId;
    el.dataset.elementType = String(type);
    el.classList.add("bk-element");
    return el;
  }

  // ------------------------------------------------------------------------------- rich text

  function richInline(x, ctx) {
    const s = x.style || {};
    let el;
    switch (x.type) {
      case "text": el = h("span", {}, x.text || ""); break;
      case "link": el = /^(https?:|mailto:)/i.test(x.url || "") ? h("a", { class: "bk-link", href: x.url, target: "_blank", rel: "noopener noreferrer" }, x.text || x.url) : h("span", {}, x.text || x.url || ""); break;
      case "user": el = h("span", { class: "bk-mention" }, "@" + (lookup(ctx.people, x.user_id) || x.user_id)); break;
      case "channel": el = h("span", { class: "bk-mention" }, "#" + (lookup(ctx.channels, x.channel_id) || x.channel_id)); break;
      case "usergroup": el = h("span", { class: "bk-mention" }, "@" + x.usergroup_id); break;
      case "broadcast": el = h("span", { class: "bk-mention" }, "@" + x.range); break;
      case "emoji": el = h("span", {}, x.unicode ? String.fromCodePoint(...x.unicode.split("-").map((c) => parseInt(c, 16))) : EMOJI[x.name] || `:${x.name}:`); break;
      case "date": el = h("span", { class: "bk-date" }, slackDate(x.timestamp, x.format || "{date_short}") ?? x.fallback ?? ""); break;
      case "color": el = h("span", {}, x.value || ""); break;
      default: return placeholder("inline", x.type);
    }
    for (const [key, tag] of [["code", "code"], ["strike", "del"], ["italic", "em"], ["bold", "strong"]]) {
      if (s[key]) el = h(tag, { class: key === "code" ? "bk-code" : null }, el);
    }
    return el;
  }

  function richPart(part, ctx) {
    const kids = () => (part.elements || []).map((x) => richInline(x, ctx));
    switch (part.type) {
      case "rich_text_section": return h("div", { class: "bk-rich-section" }, kids());
      case "rich_text_preformatted": return h("pre", { class: "bk-pre" }, kids());
      case "rich_text_quote": return h("blockquote", { class: "bk-quote" }, kids());
      case "rich_text_list": {
        const list = h(part.style === "ordered" ? "ol" : "ul", { class: "bk-rich-list", style: `margin-left:${(part.indent || 0) * 20}px` });
        for (const item of part.elements || []) {
          list.append(h("li", {}, item.type === "rich_text_section" ? (item.elements || []).map((x) => richInline(x, ctx)) : richPart(item, ctx)));
        }
        return list;
      }
      default: return placeholder("element", part.type);
    }
  }

  // ------------------------------------------------------------------------------- blocks

  const text = (obj, ctx) => renderText(obj, ctx);

  const BLOCKS = {
    header: (b) => h("div", { class: "bk-header" }, plain(b.text)),
    divider: () => h("hr", { class: "bk-divider" }),
    section(b, ctx, id) {
      const body = h("div", { class: "bk-section-body" + (b.expand ? " bk-expand" : "") });
      if (b.text) body.append(h("div", { class: "bk-section-text" }, text(b.text, ctx)));
      if (b.fields) body.append(h("div", { class: "bk-fields" }, b.fields.map((f) => h("div", { class: "bk-field" }, text(f, ctx)))));
      const el = h("div", { class: "bk-section" }, body);
      if (b.accessory) el.append(h("div", { class: "bk-accessory" }, renderElement(b.accessory, ctx, { blockId: id, fires: true })));
      return el;
    },
    context(b, ctx, id) {
      return h("div", { class: "bk-context" }, (b.elements || []).map((x, i) => {
        if (x && x.type === "image") return h("img", { class: "bk-context-image", src: x.image_url, alt: x.alt_text || "" });
        if (x && (x.type === "mrkdwn" || x.type === "plain_text")) return h("span", { class: "bk-context-item" }, text(x, ctx));
        return renderElement(x, ctx, { blockId: id, fires: false }, i);
      }));
    },
    actions(b, ctx, id) {
      return h("div", { class: "bk-actions" }, (b.elements || []).map((e, i) => renderElement(e, ctx, { blockId: id, fires: true }, i)));
    },
    input(b, ctx, id) {
      const label = h("label", { class: "bk-label" }, plain(b.label), b.optional ? h("span", { class: "bk-optional" }, " (optional)") : "");
      const el = h("div", { class: "bk-input-block", "data-required": b.optional ? null : true }, label, renderElement(b.element, ctx, { blockId: id, fires: !!b.dispatch_action }));
      if (b.hint) el.append(h("div", { class: "bk-hint" }, text(b.hint, ctx)));
      return el;
    },
    image(b) {
      if (!b.image_url) return placeholder("block", "image (slack_file)");
      return h("figure", { class: "bk-image" },
        b.title ? h("figcaption", {}, plain(b.title)) : "",
        h("img", { src: b.image_url, alt: b.alt_text || "", title: b.alt_text || null }));
    },
    rich_text(b, ctx) { return h("div", { class: "bk-rich-text" }, (b.elements || []).map((p) => richPart(p, ctx))); },
  };

  function renderBlocks(blocks, ctx) {
    ctx = ctx || {};
    const root = h("div", { class: "bk-blocks" });
    (Array.isArray(blocks) ? blocks : []).forEach((b, i) => {
      const type = b && b.type;
      const id = (b && b.block_id) || `b${i}`;
      let inner;
      try {
        inner = Object.prototype.hasOwnProperty.call(BLOCKS, type) ? BLOCKS[type](b, ctx, id) : placeholder("block", type);
      } catch (err) {
        inner = placeholder("block", type, err);
      }
      root.append(h("div", { class: "bk-block", "data-block-id": id, "data-block-type": String(type) }, inner));
    });
    if (ctx.errors) showErrors(root, ctx.errors);
    return root;
  }

  function showErrors(root, errors) {
    root.querySelectorAll(".bk-error").forEach((e) => e.remove());
    const homeless = {};
    for (const [id, message] of Object.entries(errors || {})) {
      const block = [...root.querySelectorAll(".bk-block")].find((b) => b.dataset.blockId === id);
      if (block) block.append(h("div", { class: "bk-error", "data-block-id": id, role: "alert" }, String(message)));
      else homeless[id] = message;
    }
    return homeless;
  }

  function collectState(root, opts) {
    const values = {};
    root.querySelectorAll(".bk-stateful").forEach((el) => {
      if (!el._bk || (opts && opts.dirtyOnly && !el._bk.dirty)) return;
      (values[el.dataset.blockId] = values[el.dataset.blockId] || {})[el.dataset.actionId] = el._bk.get();
    });
    return values;
  }

  function applyState(root, values) {
    root.querySelectorAll(".bk-stateful").forEach((el) => {
      const v = ((values || {})[el.dataset.blockId] || {})[el.dataset.actionId];
      if (!el._bk || !v || v.type !== el.dataset.elementType) return;
      el._bk.set(v);
      el._bk.dirty = true;
    });
  }

  const placeholders = (root) => root.querySelectorAll("[data-placeholder]").length;

  window.BlockKit = { renderBlocks, renderText, mrkdwn, placeholders, collectState, applyState, showErrors, emoji: EMOJI, h };
})();
