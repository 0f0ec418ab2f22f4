// Block Kit blocks and elements as DOM nodes, with the state of inputs a person is filling in.

import { act } from "./acting.js";
import { el, safeHref, unsupported } from "./dom.js";
import { plainText, renderMrkdwn, renderTextObject } from "./mrkdwn.js";

// ctx: {surface: "message" | "modal", channel, messageTs, viewId, messageText, values}
export function renderBlocks(blocks, ctx) {
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

export function blockShell(block, extraClass) {
  const node = el("div", `blk blk-${block.type}${extraClass ? " " + extraClass : ""}`);
  if (block.block_id) node.dataset.blockId = block.block_id;
  node.dataset.blockType = block.type;
  return node;
}

export function renderBlock(block, ctx) {
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

export function renderImage(url, alt) {
  const img = el("img");
  img.alt = String(alt || "");
  img.title = String(alt || "");
  img.loading = "lazy";
  const href = safeHref(url || "");
  if (href && !href.startsWith("mailto:")) img.src = href;
  return img;
}

export function optionsOf(element) {
  const groups = (element.option_groups || []).flatMap((g) => g.options || []);
  return [...(element.options || []), ...groups];
}

export function optionRef(option) {
  const ref = { text: option.text, value: option.value };
  if (option.description) ref.description = option.description;
  return ref;
}

// What a modal's state already holds for an element (after a submission), else its initial value.
export function stateOf(ctx, block, element) {
  const values = ctx.values || {};
  return values[block.block_id] && values[block.block_id][element.action_id];
}

export function initialValues(ctx, block, element) {
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

export function mark(node, element, block) {
  if (element.action_id) node.dataset.actionId = element.action_id;
  if (block && block.block_id) node.dataset.blockId = block.block_id;
  node.dataset.elementType = element.type;
  return node;
}

// Interactive elements; where = "actions" | "accessory" (act on use) or "input" (collected on Submit).
export function renderElement(element, block, ctx, where) {
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
    case "datepicker": {
      const input = mark(el("input", "bk-date"), element, block);
      input.type = "date";
      const saved = stateOf(ctx, block, element);
      input.value = saved ? saved.selected_date || "" : element.initial_date || "";
      if (acts) {
        input.addEventListener("change", () => act(ctx, element, { selected: input.value }, input));
      } else {
        input.collect = () => ({ type: element.type, selected_date: input.value === "" ? null : input.value });
      }
      return input;
    }
    case "image":
      return renderImage(element.image_url, element.alt_text);
    default:
      return unsupported("element", element.type);
  }
}

export function renderOptionText(option) {
  const span = el("span");
  span.append(option.text && option.text.type === "mrkdwn" ? renderMrkdwn(option.text.text) : el("span", "", plainText(option.text)));
  if (option.description) span.append(el("div", "option-description", plainText(option.description)));
  return span;
}

export function confirmDialog(confirm) {
  const lines = [plainText(confirm.title), plainText(confirm.text)].filter(Boolean);
  return window.confirm(lines.join("\n\n"));
}

export function renderInputBlock(block, ctx) {
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
