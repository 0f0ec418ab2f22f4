// Building DOM nodes from text (textContent only, never HTML), emoji, safe links, people and channels by id.

import { EMOJI, SAFE_SCHEMES, view } from "./page_state.js";

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function unsupported(kind, type) {
  const box = el("div", "unsupported", `unsupported ${kind}: ${type || "(no type)"}`);
  box.dataset.unsupported = `${kind}:${type}`;
  return box;
}

export function decodeEntities(text) {
  return String(text).replace(/&(lt|gt|amp);/g, (_, name) => ({ lt: "<", gt: ">", amp: "&" })[name]);
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => EMOJI[name] || whole);
}

export function safeHref(url) {
  try {
    const parsed = new URL(url);
    return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

export function users() {
  return view.data ? view.data.workspace.users : [];
}

export function userById(id) {
  return users().find((u) => u.id === id);
}

export function channelById(id) {
  return view.data ? view.data.workspace.channels.find((c) => c.id === id) : undefined;
}

export function channelLabel(channel) {
  if (!channel) return "";
  if (channel.is_im) {
    const bot = userById(view.data.workspace.bot_user_id);
    return bot ? bot.name : "app";
  }
  return `#${channel.name}`;
}
