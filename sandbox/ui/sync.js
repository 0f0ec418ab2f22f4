// Keeping the page current: the state the sandbox serves, fetched again whenever its event stream says it changed.

import { announceHome, render, writeUrl } from "./layout.js";
import { $, view } from "./page_state.js";

export async function refresh() {
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

export function apply(data) {
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

export function setOffline(message) {
  const node = $("connection");
  node.classList.add("offline");
  node.textContent = message;
}

export function listen() {
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
