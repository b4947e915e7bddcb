// The MusicGenius playground page: draws the channel the fake Discord holds, and acts as its user.
// Plain script, no build step. Everything comes from and goes to the playground server on 127.0.0.1.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const messagesEl = $("#messages");
const input = $("#input");
const form = $("#composer");
const suggestEl = $("#suggest");
const hintEl = $("#hint");
const statusEl = $("#status");
const fileInput = $("#file");
const attachedEl = $("#attached");

const state = {
  version: null,
  commands: [],       // slash commands the bot registered (with options)
  apps: [],           // message commands ("Apps" menu)
  shown: new Map(),   // message id -> {el, parts: {name: json}}
  dismissed: new Set(),
  history: [],
  historyAt: 0,
  suggestions: [],
  suggestedFor: null, // the text the suggestions were made for (Enter picks one only while it is unchanged)
  active: -1,
  file: null,         // {name, data (base64)}
  you: "You",
};

// ---------------------------------------------------------------- helpers

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "html") node.innerHTML = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of [].concat(children)) if (child) node.append(child);
  return node;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function clock(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return `Today at ${date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"})}`;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  let answer = {};
  try { answer = await response.json(); } catch { answer = {error: await response.text().catch(() => "")}; }
  return {...answer, ok: response.ok && answer.ok !== false};
}

// ---------------------------------------------------------------- Discord's markdown (the subset the bot uses)

function inline(text) {
  // `text` is already HTML-escaped. Code spans first, so nothing inside them is formatted.
  const codes = [];
  text = text.replace(/`([^`\n]+)`/g, (_, code) => { codes.push(code); return `\u0000${codes.length - 1}\u0000`; });
  text = text
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noreferrer">$1</a>')
    .replace(/\*\*\*(.+?)\*\*\*/g, "<b><i>$1</i></b>")
    .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")
    .replace(/__(.+?)__/g, "<u>$1</u>")
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, "$1<i>$2</i>")
    .replace(/(^|[^\w])_(?!\s)([^_\n]+?)_(?!\w)/g, "$1<i>$2</i>")
    .replace(/~~(.+?)~~/g, "<s>$1</s>")
    .replace(/(^|[\s(])(https?:\/\/[^\s<)]+)/g, '$1<a href="$2" target="_blank" rel="noreferrer">$2</a>');
  return text.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${codes[Number(i)]}</code>`);
}

function lines(text) {
  return text.split("\n").map((line) => {
    let m;
    if ((m = line.match(/^(#{1,3}) (.*)$/))) return `<h${m[1].length}>${inline(m[2])}</h${m[1].length}>`;
    if ((m = line.match(/^-# (.*)$/))) return `<small class="sub">${inline(m[1])}</small>`;
    if ((m = line.match(/^&gt; ?(.*)$/))) return `<blockquote>${inline(m[1])}</blockquote>`;
    if ((m = line.match(/^(\s*)[-*] (.*)$/))) return `${m[1]}• ${inline(m[2])}`;
    return inline(line);
  }).join("\n").replace(/(<\/(h\d|blockquote)>)\n/g, "$1");
}

function markdown(text) {
  const parts = esc(text).split(/```(?:[\w+-]*\n)?([\s\S]*?)```/g);
  // A code block is a block: the line breaks around it are not extra blank lines.
  return parts.map((part, i) => (i % 2 ? `<pre>${part.replace(/\n$/, "")}</pre>`
    : lines(part.replace(i > 0 ? /^\n/ : /^$/, "").replace(i < parts.length - 1 ? /\n$/ : /^$/, "")))).join("");
}

// ---------------------------------------------------------------- drawing messages

function drawContent(m) {
  const box = el("div");
  if (m.loading) {
    box.append(el("div", {class: "thinking", html: `${esc(m.author)} is thinking<span class="dots"></span>`}));
    return box;
  }
  if (m.content) box.append(el("div", {class: "content", html: markdown(m.content)}));
  if (m.embeds.length) box.append(el("div", {class: "embeds"}, m.embeds.map(drawEmbed)));
  const images = m.attachments.filter((a) => a.kind === "image");
  const others = m.attachments.filter((a) => a.kind !== "image");
  if (images.length || others.length) {
    const files = el("div", {class: "files"});
    if (images.length) {
      files.append(el("div", {class: "images"}, images.map((a) => el("a", {href: a.url, target: "_blank", title: a.filename},
        el("img", {src: a.url, alt: a.description || a.filename, "data-filename": a.filename, onload: keepPinned})))));
    }
    for (const a of others) files.append(drawFile(a));
    box.append(files);
  }
  return box;
}

function drawFile(a) {
  const icon = a.kind === "audio" ? "🔊" : /\.midi?$/i.test(a.filename) ? "🎹" : /\.(musicxml|mxl|xml)$/i.test(a.filename) ? "🎼" : "📄";
  const card = el("div", {class: `file ${a.kind}`}, [
    el("span", {class: "icon", text: icon}),
    el("div", {class: "meta"}, [
      el("a", {href: a.url, download: a.filename, text: a.filename, "data-filename": a.filename}),
      el("span", {class: "size", text: size(a.size)}),
    ]),
    el("a", {class: "dl", href: a.url, download: a.filename, title: `Download ${a.filename}`, text: "⤓"}),
  ]);
  if (a.kind === "audio") card.append(el("audio", {controls: true, preload: "metadata", src: a.url, "data-filename": a.filename}));
  return card;
}

// Only files the playground serves are shown: the page never loads anything from elsewhere.
function local(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//");
}

function drawEmbed(e) {
  const color = e.color != null ? `#${Number(e.color).toString(16).padStart(6, "0")}` : null;
  const box = el("div", {class: "embed", style: color ? `border-left-color: ${color}` : null});
  if (e.author && e.author.name) box.append(el("div", {class: "e-author", text: e.author.name}));
  if (e.title) {
    const title = el("div", {class: "e-title", html: inline(esc(e.title))});
    box.append(e.url ? el("a", {href: e.url, target: "_blank", rel: "noreferrer"}, title) : title);
  }
  if (e.description) box.append(el("div", {class: "e-desc", html: markdown(e.description)}));
  if (e.fields && e.fields.length) {
    box.append(el("div", {class: "e-fields"}, e.fields.map((f) => el("div", {class: `e-field${f.inline ? " inline" : ""}`}, [
      el("div", {class: "n", html: inline(esc(f.name))}), el("div", {class: "v", html: markdown(f.value)}),
    ]))));
  }
  if (e.thumbnail && local(e.thumbnail.url)) box.append(el("div", {class: "e-thumb"}, el("img", {src: e.thumbnail.url, alt: ""})));
  if (e.image && local(e.image.url)) {
    box.append(el("div", {class: "e-image"}, el("img", {src: e.image.url, alt: "", onload: keepPinned})));
  }
  const footer = [e.footer && e.footer.text, e.timestamp && clock(e.timestamp)].filter(Boolean).join(" • ");
  if (footer) box.append(el("div", {class: "e-footer", text: footer}));
  return box;
}

function emojiText(emoji) {
  return emoji ? (emoji.id ? `:${emoji.name}:` : emoji.name) : "";
}

function drawComponent(m, c) {
  if (c.type === 1) return el("div", {class: "crow"}, (c.components || []).map((child) => drawComponent(m, child)));
  if (c.type === 2) {
    const label = [emojiText(c.emoji), c.label].filter(Boolean).join(" ");
    if (c.style === 5) return el("a", {class: "btn", href: c.url, target: "_blank", rel: "noreferrer", text: `${label} ↗`});
    return el("button", {
      class: `btn s${c.style || 2}`, type: "button", disabled: !!c.disabled, "data-custom-id": c.custom_id, text: label,
      onclick: (event) => press(m.id, c.custom_id, event.currentTarget),
    });
  }
  if ([3, 5, 6, 7, 8].includes(c.type)) {
    const select = el("select", {class: "menu", disabled: !!c.disabled, multiple: (c.max_values || 1) > 1,
                                 "data-custom-id": c.custom_id}, [
      el("option", {value: "", text: c.placeholder || "Make a selection", disabled: true, selected: true}),
      ...(c.options || []).map((o) => el("option", {value: o.value, text: [emojiText(o.emoji), o.label].filter(Boolean).join(" ")})),
    ]);
    select.addEventListener("change", () => {
      const values = [...select.selectedOptions].map((o) => o.value).filter(Boolean);
      if (values.length) api("/api/select", {message_id: m.id, custom_id: c.custom_id, values}).then(poke);
    });
    return select;
  }
  if (c.type === 10) return el("div", {class: "content", html: markdown(c.content || "")});
  if (c.components) return el("div", {class: "components"}, c.components.map((child) => drawComponent(m, child)));
  return null;
}

const PICKER = ["👍", "👎", "❤️", "🎵", "🔥", "😂"];

function drawReactions(m) {
  const box = el("div", {class: "reactions"});
  for (const r of m.reactions) {
    box.append(el("button", {
      class: `reaction${r.me ? " me" : ""}`, type: "button", "data-emoji": r.emoji,
      title: r.me ? "Remove your reaction" : "React", onclick: () => react(m.id, r.emoji),
    }, [el("span", {text: r.emoji}), el("span", {class: "count", text: String(r.count)})]));
  }
  if (!m.ephemeral && !m.loading) {
    const picker = el("span", {class: "picker", hidden: true},
      PICKER.map((emoji) => el("button", {type: "button", text: emoji, title: `React with ${emoji}`,
                                          "data-emoji": emoji, onclick: () => react(m.id, emoji)})));
    const add = el("button", {class: "reaction add-reaction", type: "button", title: "Add Reaction", text: "☺+",
                              onclick: () => { picker.hidden = !picker.hidden; add.classList.toggle("open", !picker.hidden); }});
    box.append(add, picker);
  }
  return box;
}

function drawTools(m) {
  if (m.ephemeral || m.loading || !m.bot || !state.apps.length) return null;
  const menu = el("div", {class: "apps", hidden: true}, state.apps.map((name) =>
    el("button", {type: "button", text: name, onclick: () => { menu.hidden = true; tools.classList.remove("open"); useApp(m.id, name); }})));
  const tools = el("div", {class: "tools"}, [
    el("button", {type: "button", text: "Apps ▾", title: "Apps (message commands)",
                  onclick: () => { menu.hidden = !menu.hidden; tools.classList.toggle("open", !menu.hidden); }}),
    menu,
  ]);
  return tools;
}

const PARTS = {
  invoked: (m) => m.invoked && el("div", {class: "invoked", html:
    `<b>${esc(m.invoked.user)}</b> ${m.invoked.action} <code>${esc(m.invoked.what)}</code>`}),
  head: (m) => el("div", {class: "head"}, [
    el("span", {class: "author", text: m.author}),
    m.bot ? el("span", {class: "tag", text: "APP"}) : null,
    el("span", {class: "time", text: clock(m.timestamp)}),
    m.edited ? el("span", {class: "edited", text: "(edited)"}) : null,
  ]),
  body: drawContent,
  components: (m) => (m.components.length
    ? el("div", {class: "components"}, m.components.map((c) => drawComponent(m, c))) : null),
  reactions: drawReactions,
  note: (m) => (m.ephemeral ? el("div", {class: "eph-note"}, [
    "👁 Only you can see this • ",
    el("a", {text: "Dismiss message", onclick: () => { state.dismissed.add(m.id); render(lastMessages); }}),
  ]) : null),
};

function partKey(name, m) {
  switch (name) {
    case "invoked": return JSON.stringify(m.invoked);
    case "head": return JSON.stringify([m.author, m.bot, m.timestamp, m.edited]);
    case "body": return JSON.stringify([m.loading, m.content, m.embeds, m.attachments]);
    case "components": return JSON.stringify(m.components);
    case "reactions": return JSON.stringify([m.reactions, m.ephemeral, m.loading]);
    default: return JSON.stringify([m.ephemeral]);
  }
}

function build(m) {
  const avatar = m.system ? el("div", {class: "avatar system", text: "⚙"})
    : m.bot ? el("div", {class: "avatar", text: "🎵"}) : el("div", {class: "avatar user", text: m.author[0]});
  const main = el("div", {class: "main"});
  const article = el("article", {class: "msg", "data-id": m.id}, [el("div", {class: "slot-invoked"}), el("div", {class: "line"}, [avatar, main])]);
  for (const name of ["head", "body", "components", "reactions", "note"]) main.append(el("div", {class: `slot-${name}`}));
  return {el: article, parts: {}};
}

function update(entry, m) {
  entry.el.className = `msg${m.ephemeral ? " ephemeral" : ""}${m.system ? ` system ${m.kind}` : ""}${m.loading ? " loading" : ""}`;
  for (const [name, draw] of Object.entries(PARTS)) {
    const key = partKey(name, m);
    if (entry.parts[name] === key) continue;
    entry.parts[name] = key;
    const slot = $(`.slot-${name}`, entry.el);
    slot.replaceChildren(...[draw(m)].filter(Boolean));
  }
  const appsKey = JSON.stringify([state.apps, m.ephemeral, m.loading]);
  if (entry.parts.tools !== appsKey) {
    entry.parts.tools = appsKey;
    const old = $(":scope > .tools", entry.el);
    if (old) old.remove();
    const tools = drawTools(m);
    if (tools) entry.el.append(tools);
  }
}

let lastMessages = [];

function nearBottom() {
  return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 120;
}

let pinned = true;
messagesEl.addEventListener("scroll", () => { pinned = nearBottom(); });

function keepPinned() {
  if (pinned) messagesEl.scrollTop = messagesEl.scrollHeight;
}

function render(messages) {
  lastMessages = messages;
  const wasPinned = pinned || nearBottom();
  const visible = messages.filter((m) => !state.dismissed.has(m.id));
  const ids = new Set(visible.map((m) => m.id));
  for (const [id, entry] of state.shown) {
    if (!ids.has(id)) { entry.el.remove(); state.shown.delete(id); }
  }
  let previous = $(".welcome", messagesEl);
  for (const m of visible) {
    let entry = state.shown.get(m.id);
    if (!entry) { entry = build(m); state.shown.set(m.id, entry); }
    update(entry, m);
    if (previous.nextElementSibling !== entry.el) previous.after(entry.el);
    previous = entry.el;
  }
  if (wasPinned) { pinned = true; keepPinned(); }
}

// ---------------------------------------------------------------- talking to the playground

function setStatus(text, kind) {
  statusEl.textContent = text;
  statusEl.className = `status ${kind}`;
}

let pokeResolve = null;
function poke() { if (pokeResolve) pokeResolve(); }

async function loadCommands() {
  try {
    const response = await fetch("/api/commands");
    const answer = await response.json();
    state.commands = answer.commands || [];
    state.apps = answer.apps || [];
  } catch { /* the poll loop reports the connection */ }
}

async function poll() {
  for (;;) {
    try {
      const query = state.version === null ? "" : `?since=${state.version}`;
      const response = await fetch(`/api/state${query}`);
      if (!response.ok) throw new Error(response.statusText);
      const answer = await response.json();
      state.you = answer.you;
      if (!state.commands.length && answer.connected) await loadCommands();
      setStatus(answer.connected ? `${answer.bot} is online · you are ${answer.you}` : `${answer.bot} is not connected`,
                answer.connected ? "ok" : "down");
      document.body.dataset.version = answer.version;
      const changed = answer.version !== state.version;
      state.version = answer.version;
      if (changed) render(answer.messages);
    } catch {
      setStatus("the playground stopped: restart it, then reload", "down");
      await new Promise((resolve) => { pokeResolve = resolve; setTimeout(resolve, 2000); });
    }
  }
}

async function press(messageId, customId, button) {
  if (button) { button.classList.add("busy"); setTimeout(() => button.classList.remove("busy"), 1500); }
  const answer = await api("/api/press", {message_id: messageId, custom_id: customId});
  if (answer.form) await fillForm(answer.form);
}

async function fillForm(form) {
  // A form (modal) the bot opened: ask each of its fields in turn; Cancel closes it, as in Discord.
  const values = {};
  for (const input of form.inputs) {
    const typed = window.prompt(`${form.title}: ${input.label}`, input.value || "");
    if (typed === null) return;
    values[input.custom_id] = typed;
  }
  await api("/api/submit", {interaction_id: form.id, values});
}

async function react(messageId, emoji) {
  await api("/api/react", {message_id: messageId, emoji});
}

async function useApp(messageId, name) {
  await api("/api/app", {message_id: messageId, name});
}

// ---------------------------------------------------------------- the message box

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  fileInput.value = "";
  if (!file) return;
  state.file = {name: file.name, data: await readFile(file)};
  attachedEl.replaceChildren(`📎 ${file.name} `, el("button", {type: "button", text: "✕", title: "Remove the file",
    onclick: () => { state.file = null; attachedEl.hidden = true; }}));
  attachedEl.hidden = false;
  input.focus();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  clearTimeout(inputTimer);  // a late onInput would clear the red mark of a refused command
  closeSuggestions();
  const answer = await api("/api/send", {text, file: state.file});
  form.classList.toggle("bad", !answer.ok);
  if (answer.ok) {
    state.history.push(text);
    state.historyAt = state.history.length;
    input.value = "";
    state.file = null;
    attachedEl.hidden = true;
    updateHint();
  }
  pinned = true;
});

function commandOf(text) {
  const match = text.match(/^\/(\S+)/);
  if (!match) return null;
  const command = state.commands.find((c) => c.name === match[1].toLowerCase());
  if (!command) return null;
  let options = command.options || [];
  let rest = text.slice(match[0].length);
  let name = command.name;
  while (options.length && options.every((o) => o.type === 1 || o.type === 2)) {
    const word = rest.trim().split(/\s+/)[0] || "";
    const sub = options.find((o) => o.name === word.toLowerCase());
    if (!sub) return {name, options: [], subs: options};
    name = `${name} ${sub.name}`;
    options = sub.options || [];
    rest = rest.trim().slice(word.length);
  }
  return {name, options, rest, description: command.description};
}

function optionBeingTyped(text, options) {
  let best = null;
  for (const o of options) {
    const re = new RegExp(`(^|\\s)${o.name}:`, "gi");
    let m;
    while ((m = re.exec(text))) if (!best || m.index > best.index) best = {option: o, index: m.index + m[1].length};
  }
  return best;
}

function updateHint() {
  const text = input.value;
  const command = commandOf(text);
  form.classList.remove("bad");
  if (!command) {
    hintEl.innerHTML = text.startsWith("/") || !text ? "" : "The bot reads slash commands: start with <b>/</b>";
    return;
  }
  if (command.subs) {
    hintEl.innerHTML = `<b>/${esc(command.name)}</b> ` + command.subs.map((s) => `<span class="opt">${esc(s.name)}</span>`).join("");
    return;
  }
  const typing = optionBeingTyped(text, command.options);
  const described = typing ? typing.option : command.options.find((o) => o.type === 3 && !o.choices);
  hintEl.innerHTML = `<b>/${esc(command.name)}</b> ` + (command.options.length ? command.options.map((o) =>
    `<span class="opt${o.required ? " req" : ""}${typing && typing.option === o ? " now" : ""}"><b>${esc(o.name)}:</b></span>`).join("")
    + (described ? ` — <i>${esc(described.name)}</i>: ${esc(described.description)}` : "") : "takes no options");
}

function showSuggestions(title, items) {
  state.suggestions = items;
  state.suggestedFor = input.value;
  state.active = items.length ? 0 : -1;
  if (!items.length) { closeSuggestions(); return; }
  suggestEl.replaceChildren(el("div", {class: "title", text: title}), ...items.map((item, i) =>
    el("div", {class: `item${i === state.active ? " active" : ""}`, onmousedown: (event) => { event.preventDefault(); pick(i); }}, [
      el("span", {class: "name", text: item.label}), el("span", {class: "desc", text: item.description || ""}),
    ])));
  suggestEl.hidden = false;
}

function closeSuggestions() {
  state.suggestions = [];
  state.active = -1;
  suggestEl.hidden = true;
}

// Whether the text already is what the suggestion would make it (Enter then sends: `/forget` needs nothing more).
function completes(item) {
  return !item || item.apply(input.value).trim() === input.value.trim();
}

function pick(i) {
  const item = state.suggestions[i];
  if (!item) return;
  input.value = item.apply(input.value);
  closeSuggestions();
  input.focus();
  onInput();
}

let completing = null;

async function onInput() {
  updateHint();
  const text = input.value;
  const head = text.match(/^\/(\S*)$/);
  if (head) {
    const typed = head[1].toLowerCase();
    showSuggestions("Commands", state.commands.filter((c) => c.name.startsWith(typed)).map((c) => ({
      label: `/${c.name}`, description: c.description, apply: () => `/${c.name} `,
    })));
    return;
  }
  const command = commandOf(text);
  if (!command || command.subs) {
    if (command && command.subs) {
      const typed = text.trim().split(/\s+/)[1] || "";
      showSuggestions(`/${command.name}`, command.subs.filter((s) => s.name.startsWith(typed.toLowerCase())).map((s) => ({
        label: `/${command.name} ${s.name}`, description: s.description, apply: () => `/${command.name} ${s.name} `,
      })));
    } else closeSuggestions();
    return;
  }
  const typing = optionBeingTyped(text, command.options);
  if (!typing || !(typing.option.choices || typing.option.autocomplete)) { closeSuggestions(); return; }
  const asked = text;
  if (completing) completing.abort();
  completing = new AbortController();
  try {
    const response = await fetch("/api/autocomplete", {method: "POST", signal: completing.signal,
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({text})});
    const answer = await response.json();
    if (input.value !== asked) return;
    const start = typing.index + typing.option.name.length + 1;
    showSuggestions(`${typing.option.name}:`, (answer.choices || []).map((choice) => ({
      label: choice.name, description: String(choice.value) === choice.name ? "" : String(choice.value),
      apply: (current) => {
        const value = String(choice.value);
        return `${current.slice(0, start)}${/\s/.test(value) ? `"${value}"` : value} `;
      },
    })));
  } catch { /* aborted by newer typing */ }
}

let inputTimer = null;
input.addEventListener("input", () => {
  updateHint();
  clearTimeout(inputTimer);
  inputTimer = setTimeout(onInput, 120);
});
input.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
input.addEventListener("keydown", (event) => {
  const open = !suggestEl.hidden && state.suggestions.length;
  if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const n = state.suggestions.length;
    state.active = (state.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
    [...suggestEl.querySelectorAll(".item")].forEach((node, i) => node.classList.toggle("active", i === state.active));
  } else if (open && (event.key === "Tab" || (event.key === "Enter" && input.value === state.suggestedFor
                                               && !completes(state.suggestions[state.active])))) {
    event.preventDefault();
    pick(Math.max(state.active, 0));
  } else if (open && event.key === "Escape") {
    closeSuggestions();
  } else if (!open && event.key === "ArrowUp" && state.history.length && (!input.value || state.historyAt < state.history.length)) {
    event.preventDefault();
    state.historyAt = Math.max(state.historyAt - 1, 0);
    input.value = state.history[state.historyAt];
    updateHint();
  } else if (!open && event.key === "ArrowDown" && state.historyAt < state.history.length) {
    event.preventDefault();
    state.historyAt += 1;
    input.value = state.history[state.historyAt] || "";
    updateHint();
  }
});

document.addEventListener("click", (event) => {
  if (!event.target.closest(".tools")) {
    for (const menu of document.querySelectorAll(".tools .apps")) menu.hidden = true;
    for (const tools of document.querySelectorAll(".tools.open")) tools.classList.remove("open");
  }
});

loadCommands();
poll();
input.focus();
