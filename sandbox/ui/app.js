// The sandbox page: a small Slack-like client for the fake Slack in sandbox/.
//
// It draws what GET /ui/api/state returns and acts only through the /ui/api/* routes, which play Slack
// towards the app (signed events, slash commands, block_actions, view_submission). Everything the app or a
// person wrote is put on the page with textContent / DOM nodes, never innerHTML, so message text cannot
// inject markup. Re-rendering is keyed: an unchanged message keeps its DOM node (and any half-made choice
// in it), and the composers are never redrawn, so typing survives live updates.
"use strict";

(() => {
  // -- constants --------------------------------------------------------------------------------------
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️", warning: "⚠️", tada: "🎉",
    fast_forward: "⏩", rewind: "⏪", bell: "🔔", no_bell: "🔕", pushpin: "📌", round_pushpin: "📍", x: "❌",
    hourglass: "⌛", hourglass_flowing_sand: "⏳", bar_chart: "📊", chart_with_upwards_trend: "📈",
    chart_with_downwards_trend: "📉", rocket: "🚀", memo: "📝", pencil: "📝", pencil2: "✏️", bulb: "💡",
    "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", eyes: "👀", question: "❓", grey_question: "❔",
    exclamation: "❗", heavy_exclamation_mark: "❗", wave: "👋", sparkles: "✨", clipboard: "📋", calendar: "📅",
    date: "📅", spiral_calendar_pad: "🗓️", arrow_right: "➡️", arrow_left: "⬅️", arrow_up: "⬆️", arrow_down: "⬇️",
    leftwards_arrow_with_hook: "↩️", arrow_forward: "▶️", robot_face: "🤖", information_source: "ℹ️",
    heavy_plus_sign: "➕", heavy_minus_sign: "➖", large_green_circle: "🟢", large_yellow_circle: "🟡",
    red_circle: "🔴", white_circle: "⚪", black_circle: "⚫", large_blue_circle: "🔵", speech_balloon: "💬",
    thinking_face: "🤔", lock: "🔒", unlock: "🔓", mag: "🔍", gear: "⚙️", star: "⭐", fire: "🔥", zap: "⚡",
    repeat: "🔁", back: "🔙", no_entry: "⛔", no_entry_sign: "🚫", stopwatch: "⏱️", alarm_clock: "⏰",
    checkered_flag: "🏁", construction: "🚧", ok_hand: "👌", smile: "😄", slightly_smiling_face: "🙂",
    heart: "❤️", raised_hands: "🙌", clap: "👏", point_right: "👉", point_left: "👈", link: "🔗",
    page_facing_up: "📄", books: "📚", brain: "🧠", dart: "🎯", test_tube: "🧪", scroll: "📜", package: "📦",
    hammer_and_wrench: "🛠️", wrench: "🔧", busts_in_silhouette: "👥", bust_in_silhouette: "👤", moneybag: "💰",
    chart: "💹", triangular_flag_on_post: "🚩", skip: "⏭️", track_next: "⏭️", next_track_button: "⏭️",
    heavy_multiplication_x: "✖️", white_large_square: "⬜", black_large_square: "⬛", large_orange_circle: "🟠",
    card_index_dividers: "🗂️", file_folder: "📁", inbox_tray: "📥", outbox_tray: "📤", mailbox: "📫",
    speaking_head_in_silhouette: "🗣️", handshake: "🤝", trophy: "🏆", medal: "🏅", sos: "🆘", new: "🆕",
    ok: "🆗", zzz: "💤", sleeping: "😴", hourglass_done: "⌛", money_with_wings: "💸", gem: "💎",
    shield: "🛡️", lock_with_ink_pen: "🔏", pray: "🙏", muscle: "💪", sunglasses: "😎", joy: "😂",
    slightly_frowning_face: "🙁", confused: "😕", grimacing: "😬", see_no_evil: "🙈",
  };
  const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
  const FILE_ICONS = { markdown: "📝", text: "📄", csv: "📊", json: "🗂️", python: "🐍", html: "🌐", pdf: "📕" };
  const SPECIAL_MENTIONS = { here: "@here", channel: "@channel", everyone: "@everyone" };
  const AVATAR_COLOURS = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1", "#2c7a7b", "#c05621", "#97266d"];
  const TOAST_MS = 6000;
  const NEAR_BOTTOM_PX = 80;

  // -- page state -------------------------------------------------------------------------------------
  const params = new URLSearchParams(location.search);
  const view = {
    user: params.get("user") || localStorage.getItem("sandbox.user") || "",
    channel: params.get("channel") || localStorage.getItem("sandbox.channel") || "",
    thread: params.get("thread") || "",
    home: params.get("home") === "1", // the app's Home tab is open instead of a channel
    homeOpenedFor: "", // whom the app was last told opened the Home tab (app_home_opened)
    editing: null, // {ts, draft}: a message being edited survives refreshes
    data: null,
    fetching: false,
    dirty: false,
    clockFetchedAt: 0,
    scrollMain: true,
    scrollThread: true,
    highlight: params.get("thread") || "",
  };
  const caches = { main: new Map(), thread: new Map() };
  const signatures = { channels: "", channelList: "", users: "", pins: "", modal: "", home: "" };

  const $ = (id) => document.getElementById(id);

  // -- DOM helpers ------------------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function unsupported(kind, type) {
    const box = el("div", "unsupported", `unsupported ${kind}: ${type || "(no type)"}`);
    box.dataset.unsupported = `${kind}:${type}`;
    return box;
  }

  function decodeEntities(text) {
    return String(text).replace(/&(lt|gt|amp);/g, (_, name) => ({ lt: "<", gt: ">", amp: "&" })[name]);
  }

  function emojify(text) {
    return text.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  function safeHref(url) {
    try {
      const parsed = new URL(url);
      return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function users() {
    return view.data ? view.data.workspace.users : [];
  }

  function userById(id) {
    return users().find((u) => u.id === id);
  }

  function channelById(id) {
    return view.data ? view.data.workspace.channels.find((c) => c.id === id) : undefined;
  }

  function channelLabel(channel) {
    if (!channel) return "";
    if (channel.is_im) {
      const bot = userById(view.data.workspace.bot_user_id);
      return bot ? bot.name : "app";
    }
    return `#${channel.name}`;
  }

  // -- mrkdwn -----------------------------------------------------------------------------------------
  // Slack's mrkdwn, rendered into DOM nodes. Text arrives with &, <, > escaped; the literal <...> sequences are
  // controls (links, mentions). Formatting markers must sit at word boundaries, as in Slack.
  const INLINE = [
    ["control", /<([^<>\n]+)>/g],
    ["code", /`([^`\n]+)`/g],
    ["bold", /(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\p{L}\p{N}*])/gu],
    ["italic", /(?<![\p{L}\p{N}_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\p{L}\p{N}_])/gu],
    ["strike", /(?<![\p{L}\p{N}~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\p{L}\p{N}~])/gu],
  ];

  function appendText(parent, raw, options) {
    if (!raw) return;
    const text = decodeEntities(raw);
    parent.append(document.createTextNode(options.emoji === false ? text : emojify(text)));
  }

  function renderInline(text, parent, options) {
    let pos = 0;
    while (pos < text.length) {
      let best = null;
      for (const [kind, re] of INLINE) {
        re.lastIndex = pos;
        const match = re.exec(text);
        if (match && (!best || match.index < best.match.index)) best = { kind, match };
      }
      if (!best) {
        appendText(parent, text.slice(pos), options);
        return;
      }
      appendText(parent, text.slice(pos, best.match.index), options);
      const inner = best.match[1];
      if (best.kind === "control") parent.append(renderControl(inner, options));
      else if (best.kind === "code") parent.append(el("code", "", decodeEntities(inner)));
      else {
        const node = el({ bold: "strong", italic: "em", strike: "s" }[best.kind]);
        renderInline(inner, node, options);
        parent.append(node);
      }
      pos = best.match.index + best.match[0].length;
    }
  }

  function renderControl(inner, options) {
    const bar = inner.indexOf("|");
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? "" : inner.slice(bar + 1);
    if (target.startsWith("@")) {
      const user = userById(target.slice(1));
      const chip = el("span", "mention", `@${user ? user.name : decodeEntities(label) || target.slice(1)}`);
      chip.dataset.userId = target.slice(1);
      return chip;
    }
    if (target.startsWith("#")) {
      const channel = channelById(target.slice(1));
      const name = channel ? channel.name : decodeEntities(label) || target.slice(1);
      const chip = el(channel ? "button" : "span", "mention", `#${name}`);
      chip.dataset.channelId = target.slice(1);
      if (channel) {
        chip.type = "button";
        chip.addEventListener("click", () => switchChannel(channel.id));
      }
      return chip;
    }
    if (target.startsWith("!")) {
      const command = target.slice(1);
      if (SPECIAL_MENTIONS[command]) return el("span", "mention special", SPECIAL_MENTIONS[command]);
      if (command.startsWith("subteam^")) return el("span", "mention", decodeEntities(label) || "@group");
      if (command.startsWith("date^")) return renderDate(command, label);
      return document.createTextNode(decodeEntities(label || command));
    }
    const url = decodeEntities(target);
    const href = safeHref(url);
    const text = label ? decodeEntities(label) : url;
    if (!href) return document.createTextNode(text);
    const link = el("a", "", options.emoji === false ? text : emojify(text));
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const here = new URL(href);
    if (here.origin === location.origin && here.pathname.startsWith("/archives/")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        openPermalink(here);
      });
    }
    return link;
  }

  // <!date^EPOCH^FORMAT[^LINK]|fallback>: Slack shows the moment in the reader's time zone following FORMAT's
  // {tokens}. The page does so roughly (the browser's locale and zone; "today" etc. against the sandbox clock),
  // shows the fallback for a format it doesn't know, and offers ⏩ to fast-forward the clock to a future moment.
  const DATE_TOKEN = /<!date\^(\d+)\^/g;
  const DAY_MS = 86400000;

  function localDay(date) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  }

  function relativeDay(date) {
    const days = Math.round((localDay(date) - localDay(new Date(sandboxNow() * 1000))) / DAY_MS);
    return { "-1": "yesterday", 0: "today", 1: "tomorrow" }[days] || null;
  }

  function ago(epoch) {
    const seconds = epoch - sandboxNow();
    const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
    const [unit, size] = units.find(([, length]) => Math.abs(seconds) >= length) || ["second", 1];
    return new Intl.RelativeTimeFormat([], { numeric: "auto" }).format(Math.round(seconds / size), unit);
  }

  function formatDate(epoch, format) {
    const date = new Date(epoch * 1000);
    const on = (options) => date.toLocaleDateString([], options);
    const pad = (n) => String(n).padStart(2, "0");
    const tokens = {
      date_num: () => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
      date: () => on({ year: "numeric", month: "long", day: "numeric" }),
      date_short: () => on({ year: "numeric", month: "short", day: "numeric" }),
      date_long: () => on({ weekday: "long", year: "numeric", month: "long", day: "numeric" }),
      date_pretty: () => relativeDay(date) || tokens.date(),
      date_short_pretty: () => relativeDay(date) || tokens.date_short(),
      date_long_pretty: () => relativeDay(date) || tokens.date_long(),
      time: () => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      time_secs: () => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }),
      ago: () => ago(epoch),
    };
    let known = Boolean(format);
    const text = format.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!Object.hasOwn(tokens, name)) known = false;
      return known ? tokens[name]() : whole;
    });
    return known ? text : null;
  }

  function renderDate(command, label) {
    const [, epochText = "", format = "", link = ""] = command.split("^");
    const fallback = decodeEntities(label || command);
    const epoch = Number(epochText);
    const valid = /^\d+$/.test(epochText) && Number.isFinite(new Date(epoch * 1000).getTime());
    const node = el("span", "date");
    const href = link ? safeHref(decodeEntities(link)) : null;
    const text = el(href ? "a" : "span", "date-text", (valid && formatDate(epoch, decodeEntities(format))) || fallback);
    text.title = label ? fallback : valid ? new Date(epoch * 1000).toISOString() : "";
    if (href) {
      text.href = href;
      text.target = "_blank";
      text.rel = "noopener noreferrer";
    }
    node.append(text);
    if (!valid) return node;
    node.dataset.epoch = epochText;
    if (epoch > sandboxNow()) {
      const forward = el("button", "date-ff", "⏩");
      forward.type = "button";
      forward.title = "Fast-forward the sandbox clock to this moment";
      forward.setAttribute("aria-label", forward.title);
      forward.addEventListener("click", async (event) => {
        event.stopPropagation(); // e.g. a pin opens its thread when clicked
        forward.disabled = true;
        try {
          await post("/ui/api/clock", { to: epoch + 60 }); // a minute past, so a job due at that moment is due
        } finally {
          forward.disabled = false;
        }
      });
      node.append(forward);
    }
    return node;
  }

  // What a rendering with date tokens depends on beyond its content: the day ("today") and which of its
  // moments are still ahead (their ⏩), so keyed rendering redraws it when the clock passes one.
  function datesSig(json) {
    const epochs = [...json.matchAll(DATE_TOKEN)].map((m) => Number(m[1]));
    if (!epochs.length) return "";
    const now = sandboxNow();
    return `${dayKey(new Date(now * 1000))}|${epochs.filter((e) => e > now).join(",")}`;
  }

  function renderLines(text, parent, options) {
    const lines = text.split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (/^(&gt;|>)/.test(line)) {
        const quoted = [];
        while (i < lines.length && /^(&gt;|>)/.test(lines[i])) {
          quoted.push(lines[i].replace(/^(&gt;|>) ?/, ""));
          i += 1;
        }
        const quote = el("blockquote");
        renderLines(quoted.join("\n"), quote, options);
        parent.append(quote);
      } else if (/^\s*[•-] /.test(line)) {
        const list = el("ul");
        while (i < lines.length && /^\s*[•-] /.test(lines[i])) {
          const item = el("li");
          renderInline(lines[i].replace(/^\s*[•-] /, ""), item, options);
          list.append(item);
          i += 1;
        }
        parent.append(list);
      } else {
        const div = el("div", "line");
        if (line) renderInline(line, div, options);
        parent.append(div);
        i += 1;
      }
    }
  }

  function renderMrkdwn(text, options = {}) {
    const root = el("div", "mrkdwn");
    const parts = String(text || "").split("```");
    if (parts.length % 2 === 0) {
      const tail = parts.pop();
      parts[parts.length - 1] += "```" + tail; // an unclosed fence is plain text
    }
    parts.forEach((part, index) => {
      if (index % 2 === 1) {
        root.append(el("pre", "", decodeEntities(part.replace(/^\n/, "").replace(/\n$/, ""))));
      } else {
        let chunk = part;
        if (index > 0) chunk = chunk.replace(/^\n/, "");
        if (index < parts.length - 1) chunk = chunk.replace(/\n$/, "");
        if (chunk || parts.length === 1) renderLines(chunk, root, options);
      }
    });
    return root;
  }

  function renderTextObject(obj) {
    if (!obj || typeof obj !== "object") return el("span");
    if (obj.type === "mrkdwn") return renderMrkdwn(obj.text, { emoji: true });
    if (obj.type === "plain_text") {
      const text = String(obj.text || "");
      return el("span", "plain", obj.emoji === false ? text : emojify(text));
    }
    return unsupported("text", obj.type);
  }

  function plainText(obj) {
    if (!obj) return "";
    const text = String(obj.text || "");
    return obj.type === "mrkdwn" ? decodeEntities(text) : emojify(text);
  }

  // -- Block Kit --------------------------------------------------------------------------------------
  // ctx: {surface: "message" | "modal", channel, messageTs, viewId, messageText, values}
  function renderBlocks(blocks, ctx) {
    const root = el("div", "blocks");
    let richTextShown = false;
    for (const block of blocks || []) {
      if (block && block.type === "rich_text") {
        if (!richTextShown) root.append(renderMrkdwn(ctx.messageText || ""));
        richTextShown = true;
        continue;
      }
      root.append(renderBlock(block || {}, ctx));
    }
    return root;
  }

  function blockShell(block, extraClass) {
    const node = el("div", `blk blk-${block.type}${extraClass ? " " + extraClass : ""}`);
    if (block.block_id) node.dataset.blockId = block.block_id;
    node.dataset.blockType = block.type;
    return node;
  }

  function renderBlock(block, ctx) {
    switch (block.type) {
      case "header": {
        const node = blockShell(block);
        node.append(renderTextObject(block.text));
        return node;
      }
      case "section": {
        const node = blockShell(block);
        const main = el("div", "section-main");
        if (block.text) main.append(renderTextObject(block.text));
        if (Array.isArray(block.fields) && block.fields.length) {
          const fields = el("div", "fields");
          for (const field of block.fields) fields.append(renderTextObject(field));
          main.append(fields);
        }
        node.append(main);
        if (block.accessory) {
          const accessory = el("div", "accessory");
          accessory.append(renderElement(block.accessory, block, ctx, "accessory"));
          node.append(accessory);
        }
        return node;
      }
      case "context": {
        const node = blockShell(block);
        for (const item of block.elements || []) {
          if (item.type === "mrkdwn" || item.type === "plain_text") node.append(renderTextObject(item));
          else if (item.type === "image") node.append(renderImage(item.image_url, item.alt_text));
          else node.append(unsupported("element", item.type));
        }
        return node;
      }
      case "divider": {
        const node = blockShell(block);
        node.append(el("hr", "blk-divider"));
        return node;
      }
      case "actions": {
        const node = blockShell(block);
        for (const element of block.elements || []) node.append(renderElement(element, block, ctx, "actions"));
        return node;
      }
      case "image": {
        const node = blockShell(block);
        const figure = el("figure");
        if (block.title) figure.append(el("figcaption", "", plainText(block.title)));
        figure.append(renderImage(block.image_url, block.alt_text));
        node.append(figure);
        return node;
      }
      case "input":
        return renderInputBlock(block, ctx);
      default:
        return unsupported("block", block.type);
    }
  }

  function renderImage(url, alt) {
    const img = el("img");
    img.alt = String(alt || "");
    img.title = String(alt || "");
    img.loading = "lazy";
    const href = safeHref(url || "");
    if (href && !href.startsWith("mailto:")) img.src = href;
    return img;
  }

  function optionsOf(element) {
    const groups = (element.option_groups || []).flatMap((g) => g.options || []);
    return [...(element.options || []), ...groups];
  }

  function optionRef(option) {
    const ref = { text: option.text, value: option.value };
    if (option.description) ref.description = option.description;
    return ref;
  }

  // What a modal's state already holds for an element (after a submission), else its initial value.
  function stateOf(ctx, block, element) {
    const values = ctx.values || {};
    return values[block.block_id] && values[block.block_id][element.action_id];
  }

  function initialValues(ctx, block, element) {
    const saved = stateOf(ctx, block, element);
    if (saved) {
      if (saved.selected_options) return saved.selected_options.map((o) => o.value);
      if (saved.selected_option) return [saved.selected_option.value];
      return [];
    }
    if (element.initial_options) return element.initial_options.map((o) => o.value);
    if (element.initial_option) return [element.initial_option.value];
    return [];
  }

  function mark(node, element, block) {
    if (element.action_id) node.dataset.actionId = element.action_id;
    if (block && block.block_id) node.dataset.blockId = block.block_id;
    node.dataset.elementType = element.type;
    return node;
  }

  // Interactive elements; where = "actions" | "accessory" (act on use) or "input" (collected on Submit).
  function renderElement(element, block, ctx, where) {
    if (!element || typeof element !== "object") return unsupported("element", typeof element);
    const acts = where !== "input";
    switch (element.type) {
      case "button": {
        const button = mark(el("button", `bk-button${element.style ? " " + element.style : ""}`), element, block);
        button.type = "button";
        button.textContent = plainText(element.text);
        if (element.value !== undefined) button.dataset.value = element.value;
        button.addEventListener("click", async () => {
          if (element.confirm && !confirmDialog(element.confirm)) return;
          const href = element.url && safeHref(element.url);
          if (href) window.open(href, "_blank", "noopener");
          await act(ctx, element, { value: element.value ?? null }, button);
        });
        return button;
      }
      case "static_select": {
        const select = mark(el("select", "bk-select"), element, block);
        const chosen = initialValues(ctx, block, element)[0];
        const placeholder = el("option", "", plainText(element.placeholder) || "Select an option");
        placeholder.value = "";
        placeholder.disabled = true;
        select.append(placeholder);
        const addOptions = (parent, options) => {
          for (const option of options || []) {
            const node = el("option", "", plainText(option.text));
            node.value = option.value;
            parent.append(node);
          }
        };
        addOptions(select, element.options);
        for (const group of element.option_groups || []) {
          const node = el("optgroup");
          node.label = plainText(group.label);
          addOptions(node, group.options);
          select.append(node);
        }
        select.value = chosen !== undefined ? chosen : "";
        if (select.value === "") placeholder.selected = true;
        if (acts) {
          select.addEventListener("change", () => act(ctx, element, { selected: select.value }, select));
        } else {
          select.collect = () => {
            const option = optionsOf(element).find((o) => o.value === select.value);
            return { type: element.type, selected_option: option ? optionRef(option) : null };
          };
        }
        return select;
      }
      case "multi_static_select":
      case "checkboxes": {
        const multi = element.type === "multi_static_select";
        const box = mark(el(multi ? "div" : "fieldset", multi ? "bk-multi" : "bk-choices"), element, block);
        if (multi && element.placeholder) box.append(el("div", "multi-placeholder", plainText(element.placeholder)));
        const list = multi ? el("div", "bk-choices") : box;
        const chosen = new Set(initialValues(ctx, block, element));
        const inputs = [];
        for (const option of optionsOf(element)) {
          const label = el("label");
          const input = el("input");
          input.type = "checkbox";
          input.value = option.value;
          input.checked = chosen.has(option.value);
          inputs.push(input);
          label.append(input, multi ? el("span", "", plainText(option.text)) : renderOptionText(option));
          list.append(label);
          if (acts && !multi) {
            input.addEventListener("change", () =>
              act(ctx, element, { selected: inputs.filter((i) => i.checked).map((i) => i.value) }, box),
            );
          }
        }
        if (multi) box.append(list);
        const selected = () => inputs.filter((i) => i.checked).map((i) => i.value);
        if (acts && multi) {
          // As in Slack, a multi-select in a message sends its action when its menu closes: here, when focus
          // leaves the list after the picks changed (to the Done button, say, whose click is sent after it).
          let sent = selected().join("\n");
          box.addEventListener("focusout", (event) => {
            if (event.relatedTarget && box.contains(event.relatedTarget)) return;
            const picks = selected();
            if (picks.join("\n") === sent) return;
            sent = picks.join("\n");
            act(ctx, element, { selected: picks }, box);
          });
        }
        if (!acts) {
          box.collect = () => ({
            type: element.type,
            selected_options: optionsOf(element)
              .filter((o) => selected().includes(o.value))
              .map(optionRef),
          });
        }
        return box;
      }
      case "radio_buttons": {
        const box = mark(el("fieldset", "bk-choices"), element, block);
        const name = `radio-${Math.random().toString(36).slice(2)}`;
        const chosen = initialValues(ctx, block, element)[0];
        const inputs = [];
        for (const option of optionsOf(element)) {
          const label = el("label");
          const input = el("input");
          input.type = "radio";
          input.name = name;
          input.value = option.value;
          input.checked = option.value === chosen;
          inputs.push(input);
          if (acts) input.addEventListener("change", () => act(ctx, element, { selected: option.value }, box));
          label.append(input, renderOptionText(option));
          box.append(label);
        }
        if (!acts) {
          box.collect = () => {
            const picked = inputs.find((i) => i.checked);
            const option = picked && optionsOf(element).find((o) => o.value === picked.value);
            return { type: element.type, selected_option: option ? optionRef(option) : null };
          };
        }
        return box;
      }
      case "overflow": {
        const select = mark(el("select", "bk-overflow"), element, block);
        select.title = "More actions";
        const head = el("option", "", "⋯");
        head.value = "";
        select.append(head);
        for (const option of element.options || []) {
          const node = el("option", "", plainText(option.text));
          node.value = option.value;
          select.append(node);
        }
        select.addEventListener("change", async () => {
          const value = select.value;
          if (!value) return;
          const option = (element.options || []).find((o) => o.value === value);
          const href = option && option.url && safeHref(option.url);
          if (href) window.open(href, "_blank", "noopener");
          select.value = "";
          await act(ctx, element, { selected: value }, select);
        });
        return select;
      }
      case "plain_text_input": {
        const input = mark(el(element.multiline ? "textarea" : "input", "bk-text-input"), element, block);
        if (!element.multiline) input.type = "text";
        if (element.placeholder) input.placeholder = plainText(element.placeholder);
        if (element.max_length) input.maxLength = element.max_length;
        const saved = stateOf(ctx, block, element);
        input.value = saved ? saved.value || "" : element.initial_value || "";
        if (acts) {
          input.addEventListener("keydown", (event) => {
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              act(ctx, element, { value: input.value }, input);
            }
          });
        } else {
          input.collect = () => ({ type: element.type, value: input.value === "" ? null : input.value });
        }
        return input;
      }
      case "image":
        return renderImage(element.image_url, element.alt_text);
      default:
        return unsupported("element", element.type);
    }
  }

  function renderOptionText(option) {
    const span = el("span");
    span.append(option.text && option.text.type === "mrkdwn" ? renderMrkdwn(option.text.text) : el("span", "", plainText(option.text)));
    if (option.description) span.append(el("div", "option-description", plainText(option.description)));
    return span;
  }

  function confirmDialog(confirm) {
    const lines = [plainText(confirm.title), plainText(confirm.text)].filter(Boolean);
    return window.confirm(lines.join("\n\n"));
  }

  function renderInputBlock(block, ctx) {
    const node = blockShell(block);
    node.dataset.optional = String(Boolean(block.optional));
    const id = `input-${block.block_id || Math.random().toString(36).slice(2)}`;
    const label = el("label", "input-label", plainText(block.label));
    label.htmlFor = id;
    if (block.optional) label.append(el("span", "optional", " (optional)"));
    node.append(label);
    const element = renderElement(block.element || {}, block, ctx, "input");
    element.id = id;
    node.append(element);
    if (block.hint) node.append(el("div", "hint", plainText(block.hint)));
    const error = ctx.errors && ctx.errors[block.block_id];
    const errorNode = el("div", "block-error", error || "");
    errorNode.hidden = !error;
    node.append(errorNode);
    if (error) node.classList.add("has-error");
    return node;
  }

  // -- acting -----------------------------------------------------------------------------------------
  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      toast("The sandbox is not reachable.", true);
      return null;
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    if (!response.ok) {
      toast(data.error || `The sandbox answered ${response.status}.`, true);
      return null;
    }
    if (data.app && !data.app.ok) toast(`The app answered ${data.app.status}.`, true);
    refresh();
    return data;
  }

  // Actions are sent one after another, in the order they were taken, as Slack's client does.
  let actions = Promise.resolve();
  function act(ctx, element, choice, node) {
    const sending = actions.then(() => sendAction(ctx, element, choice, node));
    actions = sending.catch(() => {});
    return sending;
  }

  async function sendAction(ctx, element, choice, node) {
    const body = { user: view.user, action_id: element.action_id, ...choice };
    if (ctx.viewId) body.view_id = ctx.viewId;
    else Object.assign(body, { channel: ctx.channel, message_ts: ctx.messageTs });
    node.classList.add("busy");
    if ("disabled" in node && node.tagName === "BUTTON") node.disabled = true;
    try {
      await post("/ui/api/click", body);
    } finally {
      node.classList.remove("busy");
      if (node.tagName === "BUTTON") node.disabled = false;
    }
  }

  function toast(message, isError) {
    const node = el("div", `toast${isError ? " error" : ""}`, message);
    $("toasts").append(node);
    setTimeout(() => node.remove(), TOAST_MS);
  }

  // -- files ------------------------------------------------------------------------------------------
  function fileIcon(file) {
    if (String(file.mimetype || "").startsWith("image/")) return "🖼️";
    return FILE_ICONS[file.filetype] || "📎";
  }

  function formatSize(bytes) {
    const size = Number(bytes) || 0;
    if (size < 1024) return `${size} B`;
    if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
    return `${(size / (1024 * 1024)).toFixed(1)} MB`;
  }

  // The fake's file URLs, kept on this page's origin: a sandbox restarted on another port still serves them.
  function fileHref(url) {
    const href = safeHref(url || "");
    if (!href || href.startsWith("mailto:")) return null;
    const parsed = new URL(href);
    return parsed.pathname.startsWith("/files-pri/") ? parsed.pathname + parsed.search : href;
  }

  function renderFiles(files) {
    const list = el("div", "files");
    for (const file of files) {
      const card = el("div", "file-card");
      card.dataset.fileId = file.id || "";
      card.append(el("span", "file-icon", fileIcon(file)));
      const info = el("div", "file-info");
      info.append(el("div", "file-title", file.title || file.name || "file"));
      const meta = [file.name, formatSize(file.size), file.pretty_type].filter(Boolean).join(" · ");
      info.append(el("div", "file-meta", meta));
      card.append(info);
      const links = el("div", "file-links");
      const view = fileHref(file.url_private);
      if (view) {
        const link = el("a", "file-view", "View");
        link.href = view;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        links.append(link);
      }
      const download = fileHref(file.url_private_download);
      if (download) {
        const link = el("a", "file-download", "Download");
        link.href = download;
        link.setAttribute("download", file.name || "");
        links.append(link);
      }
      card.append(links);
      list.append(card);
    }
    return list;
  }

  // -- messages ---------------------------------------------------------------------------------------
  function tsKey(ts) {
    const [seconds, micros = "0"] = String(ts).split(".");
    return [Number(seconds), Number(micros.padEnd(6, "0").slice(0, 6))];
  }

  function byTs(a, b) {
    const [x, y] = [tsKey(a.ts), tsKey(b.ts)];
    return x[0] - y[0] || x[1] - y[1];
  }

  function sandboxNow() {
    if (!view.data) return Date.now() / 1000;
    return view.data.clock.now + (Date.now() - view.clockFetchedAt) / 1000;
  }

  function dayKey(date) {
    return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
  }

  function formatTime(ts) {
    const date = new Date(Number(String(ts).split(".")[0]) * 1000);
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (dayKey(date) === dayKey(new Date(sandboxNow() * 1000))) return time;
    return `${date.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${time}`;
  }

  function author(message) {
    if (message.subtype === "bot_message") return { name: message.username || message.bot_id || "bot", app: true };
    if (message.bot_id && message.bot_profile) return { name: message.bot_profile.name, app: true };
    const user = userById(message.user);
    return { name: user ? user.name : message.user || "someone", app: Boolean(user && user.is_bot) };
  }

  function avatar(name) {
    const node = el("div", "avatar", (name || "?").slice(0, 1).toUpperCase());
    let hash = 0;
    for (const ch of name || "") hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    node.style.background = AVATAR_COLOURS[hash % AVATAR_COLOURS.length];
    node.setAttribute("aria-hidden", "true");
    return node;
  }

  // The text as the person would have typed it, for editing: mentions back to @name, entities decoded.
  function typedForm(text) {
    return decodeEntities(
      String(text || "").replace(/<([^<>\n]+)>/g, (whole, inner) => {
        const [target, label] = inner.split("|");
        if (target.startsWith("@")) return `@${(userById(target.slice(1)) || {}).name || label || target.slice(1)}`;
        if (target.startsWith("#")) return `#${(channelById(target.slice(1)) || {}).name || label || target.slice(1)}`;
        if (target.startsWith("!")) return SPECIAL_MENTIONS[target.slice(1)] || label || whole;
        return label ? `${label} (${target})` : target;
      }),
    );
  }

  function renderMessage(item, where) {
    const message = item.message;
    const ephemeral = item.kind === "ephemeral";
    const node = el("div", "msg");
    node.id = `${where}-${ephemeral ? "eph" : "msg"}-${message.ts}`.replace(/\./g, "-");
    node.dataset.ts = message.ts;
    node.dataset.kind = item.kind;
    if (ephemeral) node.classList.add("ephemeral");
    if (message.subtype === "tombstone") node.classList.add("tombstone");
    if (view.highlight && message.ts === view.highlight && where === "main") node.classList.add("highlight");

    const who = ephemeral ? { name: (userById(view.data.workspace.bot_user_id) || {}).name || "app", app: true } : author(message);
    node.append(message.subtype === "tombstone" ? avatar("?") : avatar(who.name));
    const body = el("div", "msg-body");
    const head = el("div", "msg-head");
    if (message.subtype !== "tombstone") {
      head.append(el("span", "author", who.name));
      if (who.app) head.append(el("span", "app-badge", "APP"));
    }
    const time = el("time", "msg-time", formatTime(message.ts));
    time.title = new Date(Number(message.ts.split(".")[0]) * 1000).toString();
    head.append(time);
    // People's edits are marked; an app updating its own message (progress, choices) is not, as in Slack.
    if (message.edited && !(userById(message.edited.user) || {}).is_bot) head.append(el("span", "edited", "(edited)"));
    if (item.pinned) head.append(el("span", "pinned-mark", "📌 Pinned"));
    body.append(head);

    if (ephemeral) {
      const label = el("div", "ephemeral-label", "Only visible to you");
      if (item.otherThread) {
        const open = el("button", "", "in a thread — open it");
        open.type = "button";
        label.append(" · ", open);
        open.addEventListener("click", () => openThread(message.thread_ts));
      }
      body.append(label);
    }

    const ctx = {
      surface: "message",
      channel: view.channel,
      messageTs: message.ts,
      messageText: message.text,
    };
    const editing = view.editing && view.editing.ts === message.ts && !ephemeral;
    const content = el("div", "msg-content");
    if (editing) content.append(renderEditor(message));
    else if (message.subtype === "tombstone") content.append(el("div", "", "This message was deleted."));
    else if (Array.isArray(message.blocks) && message.blocks.length) content.append(renderBlocks(message.blocks, ctx));
    else if (message.text || !hasFiles(message)) content.append(renderMrkdwn(message.text));
    if (!editing && message.subtype !== "tombstone" && hasFiles(message)) content.append(renderFiles(message.files));
    if (Array.isArray(message.attachments) && message.attachments.length) content.append(unsupported("block", "attachments"));
    body.append(content);

    if (message.reactions && message.reactions.length) {
      const reactions = el("div", "reactions");
      for (const reaction of message.reactions) {
        const names = reaction.users.map((id) => (userById(id) || { name: id }).name);
        const chip = el("span", "reaction", `${EMOJI[reaction.name] || `:${reaction.name}:`} ${reaction.count}`);
        chip.title = `${names.join(", ")} reacted with :${reaction.name}:`;
        chip.dataset.reaction = reaction.name;
        if (reaction.users.includes(view.user)) chip.classList.add("mine");
        reactions.append(chip);
      }
      body.append(reactions);
    }

    if (where === "main" && !ephemeral && message.reply_count) {
      const link = el("button", "replies-link", `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`);
      link.type = "button";
      link.addEventListener("click", () => openThread(message.ts));
      body.append(link);
    }
    node.append(body);

    if (!ephemeral && message.subtype !== "tombstone") {
      const tools = el("div", "msg-tools");
      if (where === "main") {
        const reply = el("button", "reply-button", "Reply in thread");
        reply.type = "button";
        reply.addEventListener("click", () => openThread(message.ts));
        tools.append(reply);
      }
      if (message.user === view.user && !message.bot_id && !editing) {
        const edit = el("button", "edit-button", "Edit");
        edit.type = "button";
        edit.addEventListener("click", () => {
          view.editing = { ts: message.ts, draft: typedForm(message.text) };
          render();
        });
        tools.append(edit);
      }
      if (tools.childElementCount) node.append(tools);
    }
    return node;
  }

  function hasFiles(message) {
    return Array.isArray(message.files) && message.files.length > 0;
  }

  function renderEditor(message) {
    const box = el("form", "edit-box");
    const area = el("textarea");
    area.value = view.editing.draft;
    area.setAttribute("aria-label", "Edit message");
    area.addEventListener("input", () => {
      view.editing.draft = area.value;
    });
    const actions = el("div", "edit-actions");
    const save = el("button", "bk-button primary", "Save");
    save.type = "submit";
    const cancel = el("button", "bk-button", "Cancel");
    cancel.type = "button";
    actions.append(save, cancel);
    box.append(area, actions);
    const finish = () => {
      view.editing = null;
      render();
    };
    cancel.addEventListener("click", finish);
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") finish();
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        box.requestSubmit();
      }
    });
    box.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!area.value.trim()) return;
      const done = await post("/ui/api/edit", { user: view.user, channel: view.channel, ts: message.ts, text: area.value });
      if (done) finish();
    });
    setTimeout(() => area.focus(), 0);
    return box;
  }

  // Keyed rendering: reuse a message's node while its content is unchanged, so live updates don't redraw
  // (or reset a half-made choice in) messages that didn't change.
  function messageNodes(cache, items, where) {
    const used = new Set();
    const nodes = [];
    const day = dayKey(new Date(sandboxNow() * 1000));
    const base = `${view.user}|${view.channel}|${day}|${signatures.users}|${signatures.channels}`;
    for (const item of items) {
      const key = `${item.kind}:${item.message.ts}`;
      const editing = view.editing && view.editing.ts === item.message.ts ? "editing" : "";
      const highlight = view.highlight === item.message.ts;
      const json = JSON.stringify(item.message);
      const sig = [base, editing, item.pinned, item.otherThread, highlight, json, datesSig(json)].join("|");
      let entry = cache.get(key);
      if (!entry || entry.sig !== sig) {
        entry = { sig, node: renderMessage(item, where) };
        cache.set(key, entry);
      }
      used.add(key);
      nodes.push(entry.node);
    }
    for (const key of [...cache.keys()]) if (!used.has(key)) cache.delete(key);
    return nodes;
  }

  function cachedEmpty(container, text) {
    if (!container.emptyNode) container.emptyNode = el("div", "empty");
    container.emptyNode.textContent = text;
    return container.emptyNode;
  }

  function reconcile(container, nodes) {
    nodes.forEach((node, index) => {
      const current = container.children[index];
      if (current !== node) container.insertBefore(node, current || null);
    });
    while (container.children.length > nodes.length) container.lastElementChild.remove();
  }

  function nearBottom(container) {
    return container.scrollHeight - container.scrollTop - container.clientHeight < NEAR_BOTTOM_PX;
  }

  // -- rendering the page -----------------------------------------------------------------------------
  function render() {
    const data = view.data;
    if (!data) return;
    renderSidebar(data);
    for (const id of ["messages", "composer"]) $(id).hidden = view.home;
    $("home").hidden = !view.home;
    if (view.home) {
      $("pins").hidden = true;
      $("thread").hidden = true;
      renderHome(data);
    } else {
      renderMain(data);
      renderThread(data);
    }
    renderModal(data);
  }

  // The app's Home tab: the person's published Home view (views.publish), drawn with the same Block Kit
  // rendering as messages and redrawn only when it changes, so a half-made choice survives other updates.
  function renderHome(data) {
    $("channel-title").textContent = `${data.workspace.app_name} · Home`;
    $("no-app").hidden = data.app_connected;
    const home = data.home;
    const json = JSON.stringify([home, view.user]);
    const sig = [json, datesSig(json), signatures.users, signatures.channels].join("|");
    if (sig === signatures.home) return;
    signatures.home = sig;
    const pane = $("home");
    if (!home) {
      delete pane.dataset.viewId;
      pane.replaceChildren(el("div", "home-empty", "This app has no Home tab for you yet."));
      return;
    }
    pane.dataset.viewId = home.id;
    const ctx = { surface: "home", viewId: home.id, values: (home.state || {}).values || {} };
    pane.replaceChildren(renderBlocks(home.blocks, ctx));
  }

  function renderSidebar(data) {
    $("team-name").textContent = data.workspace.team_name;
    const place = view.home ? `${data.workspace.app_name} Home` : channelLabel(channelById(view.channel));
    document.title = `${place} · ${data.workspace.team_name} sandbox`;
    $("app-name").textContent = data.workspace.app_name;
    $("home-tab").setAttribute("aria-current", String(view.home));
    const channelSig = JSON.stringify([data.workspace.channels, view.channel, view.home]);
    if (channelSig !== signatures.channelList) {
      signatures.channelList = channelSig;
      signatures.channels = JSON.stringify(data.workspace.channels);
      const list = $("channel-list");
      list.replaceChildren();
      for (const channel of data.workspace.channels) {
        const item = el("li");
        const button = el("button", "", channelLabel(channel));
        button.type = "button";
        button.dataset.channelId = channel.id;
        button.setAttribute("aria-current", String(channel.id === view.channel && !view.home));
        button.addEventListener("click", () => switchChannel(channel.id));
        item.append(button);
        list.append(item);
      }
    }
    const humans = data.workspace.users.filter((u) => !u.is_bot);
    const userSig = JSON.stringify(data.workspace.users);
    const picker = $("user-picker");
    if (userSig !== signatures.users) {
      signatures.users = userSig;
      picker.replaceChildren(
        ...humans.map((u) => {
          const option = el("option", "", `${u.real_name} (@${u.name})`);
          option.value = u.id;
          return option;
        }),
      );
    }
    if (picker.value !== view.user) picker.value = view.user;
    renderClock();
    const connection = $("connection");
    if (!connection.classList.contains("offline")) connection.textContent = data.app_connected ? "Live · app connected" : "Live · no app connected";
  }

  function renderClock() {
    if (!view.data) return;
    const now = new Date(sandboxNow() * 1000);
    $("clock-time").textContent = now.toLocaleString([], {
      weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
    $("clock-time").dataset.epoch = String(Math.floor(sandboxNow()));
    const offset = view.data.clock.offset_seconds;
    $("clock-offset").textContent = offset > 0 ? `${describeDuration(offset)} ahead of real time` : "real time";
  }

  function describeDuration(seconds) {
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const parts = [];
    if (days) parts.push(`${days}d`);
    if (hours) parts.push(`${hours}h`);
    if (minutes || !parts.length) parts.push(`${minutes}m`);
    return parts.join(" ");
  }

  function renderMain(data) {
    const channel = channelById(view.channel);
    $("channel-title").textContent = channelLabel(channel);
    $("composer-input").placeholder = `Message ${channelLabel(channel)}, or /mldesign start Churn model`;
    $("no-app").hidden = data.app_connected;
    renderPins(data);

    const pinned = new Set(data.pins.map((p) => p.message.ts));
    const items = data.messages.map((message) => ({ kind: "message", message, pinned: pinned.has(message.ts) }));
    for (const ephemeral of data.ephemerals) {
      const inOpenThread = ephemeral.thread_ts && data.thread && ephemeral.thread_ts === data.thread.ts;
      if (!inOpenThread) items.push({ kind: "ephemeral", message: ephemeral, otherThread: Boolean(ephemeral.thread_ts) });
    }
    items.sort((a, b) => byTs(a.message, b.message));
    const container = $("messages");
    const stick = view.scrollMain || nearBottom(container);
    const nodes = messageNodes(caches.main, items, "main");
    if (!nodes.length) nodes.push(cachedEmpty(container, "No messages yet. Say hello, or try /mldesign help."));
    reconcile(container, nodes);
    if (stick) container.scrollTop = container.scrollHeight;
    view.scrollMain = false;
  }

  function renderPins(data) {
    const pins = JSON.stringify(data.pins);
    const sig = pins + signatures.users + datesSig(pins);
    if (sig === signatures.pins) return;
    signatures.pins = sig;
    $("pins").hidden = data.pins.length === 0;
    $("pins-summary").textContent = `📌 Pinned (${data.pins.length})`;
    const list = $("pins-list");
    list.replaceChildren(
      ...data.pins.map((pin) => {
        const item = el("li", "pin-item");
        item.dataset.ts = pin.message.ts;
        const main = el("div", "pin-main");
        main.append(el("span", "author", author(pin.message).name + " "));
        const text = el("div", "pin-text");
        const files = hasFiles(pin.message) ? pin.message.files.map((f) => `📎 ${f.title || f.name}`).join("  ") : "";
        text.append(pin.message.text || !files ? renderMrkdwn(pin.message.text) : el("div", "", files));
        main.append(text);
        const unpin = el("button", "pin-unpin", "Unpin");
        unpin.type = "button";
        unpin.title = "Remove this pin";
        unpin.addEventListener("click", async (event) => {
          event.stopPropagation();
          unpin.disabled = true;
          try {
            await post("/ui/api/unpin", { user: view.user, channel: view.channel, ts: pin.message.ts });
          } finally {
            unpin.disabled = false;
          }
        });
        item.append(main, unpin);
        item.addEventListener("click", () => {
          const threadTs = pin.message.thread_ts;
          if (threadTs && threadTs !== pin.message.ts) openThread(threadTs);
          else scrollToMessage(pin.message.ts);
        });
        return item;
      }),
    );
  }

  function scrollToMessage(ts) {
    view.highlight = ts;
    render();
    const node = $(`main-msg-${ts}`.replace(/\./g, "-"));
    if (node) node.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function renderThread(data) {
    const pane = $("thread");
    if (!data.thread) {
      pane.hidden = true;
      caches.thread.clear();
      return;
    }
    const wasHidden = pane.hidden;
    pane.hidden = false;
    $("thread-channel").textContent = channelLabel(channelById(view.channel));
    const items = [{ kind: "message", message: data.thread.parent }];
    const replies = data.thread.replies.map((message) => ({ kind: "message", message }));
    const ephemerals = data.ephemerals
      .filter((e) => e.thread_ts === data.thread.ts)
      .map((message) => ({ kind: "ephemeral", message }));
    const rest = [...replies, ...ephemerals].sort((a, b) => byTs(a.message, b.message));
    const container = $("thread-messages");
    const stick = wasHidden || view.scrollThread || nearBottom(container);
    const [parent, ...others] = messageNodes(caches.thread, [...items, ...rest], "thread");
    if (!container.divider) container.divider = el("div", "thread-divider");
    const count = data.thread.replies.length;
    container.divider.textContent = count ? `${count} ${count === 1 ? "reply" : "replies"}` : "No replies yet";
    reconcile(container, [parent, container.divider, ...others]);
    if (stick) container.scrollTop = container.scrollHeight;
    view.scrollThread = false;
  }

  function renderModal(data) {
    const root = $("modal-root");
    const stack = data.modals || [];
    const top = stack[stack.length - 1];
    const json = top ? JSON.stringify([top, stack.length, view.user]) : "";
    const sig = json + datesSig(json);
    if (sig === signatures.modal) return;
    signatures.modal = sig;
    root.replaceChildren();
    if (!top) return;

    const backdrop = el("div", "modal-backdrop");
    const dialog = el("div", "modal");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "modal-title");
    dialog.dataset.viewId = top.id;
    if (top.callback_id) dialog.dataset.callbackId = top.callback_id;

    const header = el("header");
    const title = el("h2", "", plainText(top.title));
    title.id = "modal-title";
    if (stack.length > 1) title.append(el("span", "stack-depth", `${stack.length} of ${stack.length}`));
    const x = el("button", "icon-button modal-x", "×");
    x.type = "button";
    x.setAttribute("aria-label", "Close");
    header.append(title, x);

    const ctx = { surface: "modal", viewId: top.id, values: (top.state || {}).values || {}, errors: top.errors || {} };
    const body = el("div", "modal-body");
    const blocks = renderBlocks(top.blocks, ctx);
    body.append(blocks);

    const footer = el("footer");
    const close = el("button", "bk-button modal-close", plainText(top.close) || "Cancel");
    close.type = "button";
    footer.append(close);
    let submit = null;
    if (top.submit) {
      submit = el("button", "bk-button primary modal-submit", plainText(top.submit));
      submit.type = "button";
      footer.append(submit);
    }
    dialog.append(header, body, footer);
    backdrop.append(dialog);
    root.append(backdrop);

    const closeView = () => post("/ui/api/close_view", { user: view.user, view_id: top.id });
    x.addEventListener("click", closeView);
    close.addEventListener("click", closeView);
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeView();
    });
    if (submit) {
      submit.addEventListener("click", async () => {
        const { values, missing } = collectValues(blocks);
        if (missing) return;
        submit.disabled = true;
        try {
          await post("/ui/api/submit", { user: view.user, view_id: top.id, values });
        } finally {
          submit.disabled = false;
        }
      });
    }
    const firstInput = dialog.querySelector("input, textarea, select");
    (firstInput || (submit || close)).focus();
  }

  // Read every input block into Slack's view.state.values; required inputs left empty are flagged here,
  // as Slack's client does, without a round trip to the app.
  function collectValues(blocksNode) {
    const values = {};
    let missing = false;
    for (const blockNode of blocksNode.querySelectorAll(".blk-input")) {
      const element = blockNode.querySelector("[data-action-id]");
      if (!element || typeof element.collect !== "function") continue;
      const value = element.collect();
      const blockId = blockNode.dataset.blockId;
      values[blockId] = { [element.dataset.actionId]: value };
      const empty =
        value.value === null ||
        value.selected_option === null ||
        (Array.isArray(value.selected_options) && value.selected_options.length === 0);
      const errorNode = blockNode.querySelector(".block-error");
      if (empty && blockNode.dataset.optional !== "true") {
        missing = true;
        blockNode.classList.add("has-error");
        errorNode.textContent = "Please complete this required field.";
        errorNode.hidden = false;
      }
    }
    return { values, missing };
  }

  // -- navigation -------------------------------------------------------------------------------------
  function writeUrl() {
    const query = new URLSearchParams();
    if (view.user) query.set("user", view.user);
    if (view.channel) query.set("channel", view.channel);
    if (view.thread) query.set("thread", view.thread);
    if (view.home) query.set("home", "1");
    history.replaceState(null, "", `${location.pathname}?${query}`);
    if (view.user) localStorage.setItem("sandbox.user", view.user);
    if (view.channel) localStorage.setItem("sandbox.channel", view.channel);
  }

  function leaveHome() {
    view.home = false;
    view.homeOpenedFor = "";
    signatures.pins = ""; // the pins bar was hidden while Home was shown: draw it again
  }

  function switchChannel(id) {
    if (id === view.channel && !view.home) return;
    leaveHome();
    view.channel = id;
    view.thread = "";
    view.editing = null;
    view.highlight = "";
    view.scrollMain = true;
    caches.main.clear();
    writeUrl();
    refresh();
  }

  function openThread(ts) {
    view.thread = ts;
    view.scrollThread = true;
    writeUrl();
    refresh();
    setTimeout(() => $("thread-input").focus(), 0);
  }

  function closeThread() {
    view.thread = "";
    writeUrl();
    refresh();
  }

  function openHome() {
    if (!view.home) {
      view.home = true;
      view.thread = "";
      view.editing = null;
      signatures.home = "";
      writeUrl();
      render();
    }
    announceHome();
  }

  // Slack tells the app each time a person enters its Home tab (app_home_opened): the page does when the tab
  // is opened (or the page loads on it), and again for whoever the page acts as after switching person.
  function announceHome() {
    if (!view.home || !view.data || !view.data.app_connected || view.homeOpenedFor === view.data.user) return;
    view.homeOpenedFor = view.data.user;
    post("/ui/api/open_home", { user: view.data.user });
  }

  function openPermalink(url) {
    const parts = url.pathname.split("/");
    const channel = parts[2];
    const digits = (parts[3] || "").replace(/^p/, "");
    const ts = digits.length > 6 ? `${digits.slice(0, -6)}.${digits.slice(-6)}` : "";
    leaveHome();
    view.channel = channel;
    view.thread = url.searchParams.get("thread_ts") || ts;
    view.highlight = ts;
    view.scrollMain = true;
    writeUrl();
    refresh();
  }

  // -- fetching state ---------------------------------------------------------------------------------
  async function refresh() {
    if (view.fetching) {
      view.dirty = true;
      return;
    }
    view.fetching = true;
    let retries = 0;
    try {
      do {
        view.dirty = false;
        const query = new URLSearchParams();
        if (view.user) query.set("user", view.user);
        if (view.channel) query.set("channel", view.channel);
        if (view.thread) query.set("thread", view.thread);
        const asked = `${view.user}|${view.channel}|${view.thread}`;
        const response = await fetch(`/ui/api/state?${query}`, { cache: "no-store" });
        const data = await response.json().catch(() => ({}));
        if (asked !== `${view.user}|${view.channel}|${view.thread}`) {
          view.dirty = true; // the person switched channel, user or thread meanwhile: this answer is stale
          continue;
        }
        if (!response.ok) {
          if (response.status === 404 && retries < 2) {
            retries += 1; // a stale user or channel (e.g. a fresh sandbox): fall back to the defaults
            if (/user/.test(data.error || "")) view.user = "";
            view.channel = "";
            view.thread = "";
            view.dirty = true;
            continue;
          }
          setOffline(data.error || `The sandbox answered ${response.status}.`);
          break;
        }
        apply(data);
      } while (view.dirty);
    } catch {
      setOffline("Cannot reach the sandbox; retrying…");
    } finally {
      view.fetching = false;
    }
  }

  function apply(data) {
    if (view.user && data.user !== view.user) view.editing = null;
    view.data = data;
    view.clockFetchedAt = Date.now();
    view.user = data.user;
    view.channel = data.channel;
    if (view.thread && !data.thread) view.thread = "";
    writeUrl();
    render();
    announceHome();
  }

  function setOffline(message) {
    const node = $("connection");
    node.classList.add("offline");
    node.textContent = message;
  }

  function listen() {
    const source = new EventSource("/ui/api/events");
    source.addEventListener("change", (event) => {
      $("connection").classList.remove("offline");
      let version = -1;
      try {
        version = JSON.parse(event.data).version;
      } catch {
        version = -1;
      }
      if (!view.data || version !== view.data.version) refresh();
    });
    source.addEventListener("error", () => setOffline("Reconnecting…"));
  }

  // -- composers and controls -------------------------------------------------------------------------
  function wireComposer(form, input, threadTs) {
    // Sends go out one after another, in the order typed: a message sent while the previous one is still
    // on its way waits for it instead of being dropped (a fast typist, or a test, never loses one).
    let previous = Promise.resolve();
    const resize = () => {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
    };
    input.addEventListener("input", resize);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    const sendOne = async (body, text) => {
      try {
        const done = await post("/ui/api/send", body);
        if (!done && !input.value) {
          input.value = text; // not sent: give the text back, as Slack does
          resize();
        }
        if (done && !body.thread_ts) view.scrollMain = true;
        if (done && body.thread_ts) view.scrollThread = true;
      } finally {
        input.focus();
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      const body = { user: view.user, channel: view.channel, text };
      const thread = threadTs();
      if (thread) body.thread_ts = thread;
      input.value = ""; // cleared at once, like Slack's composer, so a second Enter doesn't send it twice
      resize();
      previous = previous.catch(() => {}).then(() => sendOne(body, text));
    });
  }

  function start() {
    wireComposer($("composer"), $("composer-input"), () => "");
    wireComposer($("thread-composer"), $("thread-input"), () => view.thread);
    $("thread-close").addEventListener("click", closeThread);
    $("home-tab").addEventListener("click", openHome);
    $("user-picker").addEventListener("change", (event) => {
      view.user = event.target.value;
      view.editing = null;
      signatures.modal = "";
      signatures.home = "";
      caches.main.clear();
      caches.thread.clear();
      writeUrl();
      refresh();
    });
    for (const button of document.querySelectorAll("[data-advance]")) {
      button.addEventListener("click", () => post("/ui/api/clock", { advance_seconds: Number(button.dataset.advance) }));
    }
    setInterval(renderClock, 1000);
    listen();
    refresh();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
