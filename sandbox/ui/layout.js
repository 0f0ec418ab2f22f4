// The page: sidebar, channel, thread, pins, modal, Home tab and clock, and moving between them.

import { post } from "./acting.js";
import { renderBlocks } from "./blockkit.js";
import { channelById, channelLabel, el } from "./dom.js";
import { author, byTs, cachedEmpty, hasFiles, messageNodes, nearBottom, reconcile, sandboxNow } from "./messages.js";
import { datesSig, plainText, renderMrkdwn } from "./mrkdwn.js";
import { $, caches, signatures, view } from "./page_state.js";
import { refresh } from "./sync.js";

export function render() {
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
export function renderHome(data) {
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

export function renderSidebar(data) {
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

export function renderClock() {
  if (!view.data) return;
  const now = new Date(sandboxNow() * 1000);
  $("clock-time").textContent = now.toLocaleString([], {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
  $("clock-time").dataset.epoch = String(Math.floor(sandboxNow()));
  const offset = view.data.clock.offset_seconds;
  $("clock-offset").textContent = offset > 0 ? `${describeDuration(offset)} ahead of real time` : "real time";
}

export function describeDuration(seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes || !parts.length) parts.push(`${minutes}m`);
  return parts.join(" ");
}

export function renderMain(data) {
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

export function renderPins(data) {
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

export function scrollToMessage(ts) {
  view.highlight = ts;
  render();
  const node = $(`main-msg-${ts}`.replace(/\./g, "-"));
  if (node) node.scrollIntoView({ block: "center", behavior: "smooth" });
}

export function renderThread(data) {
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

export function renderModal(data) {
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
export function collectValues(blocksNode) {
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

export function writeUrl() {
  const query = new URLSearchParams();
  if (view.user) query.set("user", view.user);
  if (view.channel) query.set("channel", view.channel);
  if (view.thread) query.set("thread", view.thread);
  if (view.home) query.set("home", "1");
  history.replaceState(null, "", `${location.pathname}?${query}`);
  if (view.user) localStorage.setItem("sandbox.user", view.user);
  if (view.channel) localStorage.setItem("sandbox.channel", view.channel);
}

export function leaveHome() {
  view.home = false;
  view.homeOpenedFor = "";
  signatures.pins = ""; // the pins bar was hidden while Home was shown: draw it again
}

export function switchChannel(id) {
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

export function openThread(ts) {
  view.thread = ts;
  view.scrollThread = true;
  writeUrl();
  refresh();
  setTimeout(() => $("thread-input").focus(), 0);
}

export function closeThread() {
  view.thread = "";
  writeUrl();
  refresh();
}

export function openHome() {
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
export function announceHome() {
  if (!view.home || !view.data || !view.data.app_connected || view.homeOpenedFor === view.data.user) return;
  view.homeOpenedFor = view.data.user;
  post("/ui/api/open_home", { user: view.data.user });
}

export function openPermalink(url) {
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
