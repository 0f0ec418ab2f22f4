// The sandbox page: a small Slack-like client for the fake Slack in sandbox/.
//
// It draws what GET /ui/api/state returns and acts only through the /ui/api/* routes, which play Slack
// towards the app (signed events, slash commands, block_actions, view_submission). Everything the app or a
// person wrote is put on the page with textContent / DOM nodes, never innerHTML, so message text cannot
// inject markup. Re-rendering is keyed: an unchanged message keeps its DOM node (and any half-made choice
// in it), and the composers are never redrawn, so typing survives live updates.
//
// This module wires the composers and controls and starts the page; the rest is ES modules by concern:
// page_state (where the person is), dom, mrkdwn, blockkit, messages, layout, acting (what clicks send) and
// sync (fetching the state the sandbox serves).

import { post, toast } from "./acting.js";
import { closeThread, openHome, renderClock, writeUrl } from "./layout.js";
import { $, caches, signatures, view } from "./page_state.js";
import { listen, refresh } from "./sync.js";

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

// The sample alert plays Alertmanager: it needs the design's token, which the owner's `/mldesign alerts <name>`
// answer shows once. An empty field takes the token from that answer when it is on the page.
async function sendAlert(status) {
  const field = $("alert-token");
  if (!field.value.trim()) {
    const shown = document.body.innerText.match(/Bearer (mldesign_[A-Za-z0-9_-]+)/);
    if (shown) field.value = shown[1];
  }
  const token = field.value.trim();
  if (!token) {
    toast("Run /mldesign alerts <name> as an owner first: its token goes in the Monitoring field.", true);
    return;
  }
  const done = await post("/ui/api/alert", { token, status });
  if (done && done.app.ok) toast(status === "firing" ? "Alertmanager sent a firing alert." : "Alertmanager sent its resolution.");
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
  $("alert-fire").addEventListener("click", () => sendAlert("firing"));
  $("alert-resolve").addEventListener("click", () => sendAlert("resolved"));
  setInterval(renderClock, 1000);
  listen();
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
