// What the page knows: the constants it draws with, and where the person is (user, channel, thread, Home).

export const EMOJI = {
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
  rotating_light: "🚨", key: "🔑", straight_ruler: "📏", small_blue_diamond: "🔹", wastebasket: "🗑️",
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
export const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);
export const FILE_ICONS = { markdown: "📝", text: "📄", csv: "📊", json: "🗂️", python: "🐍", html: "🌐", pdf: "📕" };
export const SPECIAL_MENTIONS = { here: "@here", channel: "@channel", everyone: "@everyone" };
export const AVATAR_COLOURS = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c", "#6b46c1", "#2c7a7b", "#c05621", "#97266d"];
export const TOAST_MS = 6000;
export const NEAR_BOTTOM_PX = 80;

export const params = new URLSearchParams(location.search);
export const view = {
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
export const caches = { main: new Map(), thread: new Map() };
export const signatures = { channels: "", channelList: "", users: "", pins: "", modal: "", home: "" };

export const $ = (id) => document.getElementById(id);
