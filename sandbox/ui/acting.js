// What a click or a choice sends to the sandbox, one action at a time, and the toasts that report it.

import { el } from "./dom.js";
import { $, TOAST_MS, view } from "./page_state.js";
import { refresh } from "./sync.js";

export async function post(path, body) {
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
export let actions = Promise.resolve();
export function act(ctx, element, choice, node) {
  const sending = actions.then(() => sendAction(ctx, element, choice, node));
  actions = sending.catch(() => {});
  return sending;
}

export async function sendAction(ctx, element, choice, node) {
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

export function toast(message, isError) {
  const node = el("div", `toast${isError ? " error" : ""}`, message);
  $("toasts").append(node);
  setTimeout(() => node.remove(), TOAST_MS);
}
