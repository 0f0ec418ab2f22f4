// Slack's mrkdwn as DOM nodes: bold, italics, code, links, mentions, dates, quotes and lists.

import { post } from "./acting.js";
import { channelById, decodeEntities, el, emojify, safeHref, unsupported, userById } from "./dom.js";
import { openPermalink, switchChannel } from "./layout.js";
import { dayKey, sandboxNow } from "./messages.js";
import { SPECIAL_MENTIONS } from "./page_state.js";

// Slack's mrkdwn, rendered into DOM nodes. Text arrives with &, <, > escaped; the literal <...> sequences are
// controls (links, mentions). Formatting markers must sit at word boundaries, as in Slack.
export const INLINE = [
  ["control", /<([^<>\n]+)>/g],
  ["code", /`([^`\n]+)`/g],
  ["bold", /(?<![\p{L}\p{N}*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\p{L}\p{N}*])/gu],
  ["italic", /(?<![\p{L}\p{N}_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\p{L}\p{N}_])/gu],
  ["strike", /(?<![\p{L}\p{N}~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\p{L}\p{N}~])/gu],
];

export function appendText(parent, raw, options) {
  if (!raw) return;
  const text = decodeEntities(raw);
  parent.append(document.createTextNode(options.emoji === false ? text : emojify(text)));
}

export function renderInline(text, parent, options) {
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

export function renderControl(inner, options) {
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
export const DATE_TOKEN = /<!date\^(\d+)\^/g;
export const DAY_MS = 86400000;

export function localDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

export function relativeDay(date) {
  const days = Math.round((localDay(date) - localDay(new Date(sandboxNow() * 1000))) / DAY_MS);
  return { "-1": "yesterday", 0: "today", 1: "tomorrow" }[days] || null;
}

export function ago(epoch) {
  const seconds = epoch - sandboxNow();
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const [unit, size] = units.find(([, length]) => Math.abs(seconds) >= length) || ["second", 1];
  return new Intl.RelativeTimeFormat([], { numeric: "auto" }).format(Math.round(seconds / size), unit);
}

export function formatDate(epoch, format) {
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

export function renderDate(command, label) {
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
export function datesSig(json) {
  const epochs = [...json.matchAll(DATE_TOKEN)].map((m) => Number(m[1]));
  if (!epochs.length) return "";
  const now = sandboxNow();
  return `${dayKey(new Date(now * 1000))}|${epochs.filter((e) => e > now).join(",")}`;
}

export function renderLines(text, parent, options) {
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

export function renderMrkdwn(text, options = {}) {
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

export function renderTextObject(obj) {
  if (!obj || typeof obj !== "object") return el("span");
  if (obj.type === "mrkdwn") return renderMrkdwn(obj.text, { emoji: true });
  if (obj.type === "plain_text") {
    const text = String(obj.text || "");
    return el("span", "plain", obj.emoji === false ? text : emojify(text));
  }
  return unsupported("text", obj.type);
}

export function plainText(obj) {
  if (!obj) return "";
  const text = String(obj.text || "");
  return obj.type === "mrkdwn" ? decodeEntities(text) : emojify(text);
}
