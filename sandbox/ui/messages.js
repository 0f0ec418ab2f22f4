// Messages and their files, drawn once per change and kept while unchanged, and the editor.

import { post } from "./acting.js";
import { renderBlocks } from "./blockkit.js";
import { channelById, decodeEntities, el, safeHref, unsupported, userById } from "./dom.js";
import { openThread, render } from "./layout.js";
import { datesSig, renderMrkdwn } from "./mrkdwn.js";
import { AVATAR_COLOURS, EMOJI, FILE_ICONS, NEAR_BOTTOM_PX, SPECIAL_MENTIONS, signatures, view } from "./page_state.js";

export function fileIcon(file) {
  if (String(file.mimetype || "").startsWith("image/")) return "🖼️";
  return FILE_ICONS[file.filetype] || "📎";
}

export function formatSize(bytes) {
  const size = Number(bytes) || 0;
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

// The fake's file URLs, kept on this page's origin: a sandbox restarted on another port still serves them.
export function fileHref(url) {
  const href = safeHref(url || "");
  if (!href || href.startsWith("mailto:")) return null;
  const parsed = new URL(href);
  return parsed.pathname.startsWith("/files-pri/") ? parsed.pathname + parsed.search : href;
}

export function renderFiles(files) {
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

export function tsKey(ts) {
  const [seconds, micros = "0"] = String(ts).split(".");
  return [Number(seconds), Number(micros.padEnd(6, "0").slice(0, 6))];
}

export function byTs(a, b) {
  const [x, y] = [tsKey(a.ts), tsKey(b.ts)];
  return x[0] - y[0] || x[1] - y[1];
}

export function sandboxNow() {
  if (!view.data) return Date.now() / 1000;
  return view.data.clock.now + (Date.now() - view.clockFetchedAt) / 1000;
}

export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function formatTime(ts) {
  const date = new Date(Number(String(ts).split(".")[0]) * 1000);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (dayKey(date) === dayKey(new Date(sandboxNow() * 1000))) return time;
  return `${date.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${time}`;
}

export function author(message) {
  if (message.subtype === "bot_message") return { name: message.username || message.bot_id || "bot", app: true };
  if (message.bot_id && message.bot_profile) return { name: message.bot_profile.name, app: true };
  const user = userById(message.user);
  return { name: user ? user.name : message.user || "someone", app: Boolean(user && user.is_bot) };
}

export function avatar(name) {
  const node = el("div", "avatar", (name || "?").slice(0, 1).toUpperCase());
  let hash = 0;
  for (const ch of name || "") hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  node.style.background = AVATAR_COLOURS[hash % AVATAR_COLOURS.length];
  node.setAttribute("aria-hidden", "true");
  return node;
}

// The text as the person would have typed it, for editing: mentions back to @name, entities decoded.
export function typedForm(text) {
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

export function renderMessage(item, where) {
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

export function hasFiles(message) {
  return Array.isArray(message.files) && message.files.length > 0;
}

export function renderEditor(message) {
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
export function messageNodes(cache, items, where) {
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

export function cachedEmpty(container, text) {
  if (!container.emptyNode) container.emptyNode = el("div", "empty");
  container.emptyNode.textContent = text;
  return container.emptyNode;
}

export function reconcile(container, nodes) {
  nodes.forEach((node, index) => {
    const current = container.children[index];
    if (current !== node) container.insertBefore(node, current || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

export function nearBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight < NEAR_BOTTOM_PX;
}
