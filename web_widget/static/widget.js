/*!
 * askcity chat widget — plain JavaScript, no framework, no build step.
 *
 * Embed:   <script src="https://bot.example/widget/widget.js" data-askcity-api="https://bot.example"
 *                  defer></script>
 * Inline:  add data-askcity-mount="#some-element" to mount the panel in that element (no launcher).
 * Theming: data-askcity-city, -title, -lang, -position (left|right), -color, -color-text, -css, or the CSS
 *          custom properties --askcity-* set on #askcity-widget (see docs/widget.md).
 *
 * Safety rules this file keeps (it must run under `script-src 'self'; style-src 'self'` and without CSP too):
 *  - everything the bot or a document says becomes a text node (textContent / append(string)); no HTML
 *    parsing of untrusted strings anywhere (no innerHTML, insertAdjacentHTML, document.write, eval);
 *  - links only http(s) to hosts in the bot's allow-list (plus the bot's own host), never with credentials;
 *  - no inline handlers or inline styles: listeners by addEventListener, dynamic styles by CSSOM only.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.src) return; // only works from a classic <script src> tag

  // ---- strings (one table per language; English is the fallback) ----------------------------------------
  const STRINGS = {
    en: {
      launcher: "Ask {city}",
      title: "Ask {city}",
      subtitle: "Answers from the city's published documents, with sources.",
      close: "Close chat",
      log: "Conversation",
      welcome:
        "Hello! Ask me about {city} services. I answer from the city's published documents and show " +
        "where each answer comes from.",
      inputLabel: "Your question",
      inputHint: "Press Enter to send, Shift+Enter for a new line.",
      send: "Send",
      you: "You said:",
      bot: "Assistant said:",
      typing: "The assistant is writing an answer…",
      sources: "Sources",
      sourceRef: "source",
      section: "Section",
      effective: "Effective {date}",
      quote: "Quoted passage",
      untitled: "Untitled document",
      newTab: "(opens in a new tab)",
      followUps: "Suggested questions",
      helpful: "Was this answer helpful?",
      yes: "Yes",
      no: "No",
      yesLabel: "Yes, this answer was helpful",
      noLabel: "No, this answer was not helpful",
      feedbackThanks: "Thank you for your feedback.",
      feedbackFailed: "Your feedback could not be sent. Please try again.",
      commentLabel: "Tell us more (optional)",
      sendComment: "Send comment",
      commentThanks: "Thank you, your comment was sent.",
      person: "Talk to a person",
      personMessage: "I want to talk to a person",
      cancelRequest: "Cancel request",
      cancelRequestMessage: "Cancel my request for a person",
      clear: "Clear conversation",
      cleared: "The conversation was cleared.",
      logout: "Log out",
      loggedOut: "You are logged out.",
      badge_no_answer: "No answer found",
      badge_handoff: "Contact a person",
      badge_needs_login: "Login needed",
      badge_rejected: "Message not accepted",
      badge_clarification: "Which one do you mean?",
      loginButton: "Log in",
      loginTitle: "Log in to continue",
      loginNote: "You stay logged in only while this page is open.",
      username: "Username",
      password: "Password",
      cancel: "Cancel",
      loggingIn: "Logging in…",
      loginFailed: "Unknown username or wrong password.",
      loginThrottled: "Too many login attempts. Please try again later.",
      resuming: "You are logged in. Answering your question…",
      privateGone:
        "An answer about your own applications was shown here. It is not kept when you change page; " +
        "log in and ask again to see it.",
      rateLimited: "You are sending messages too quickly. Please wait {seconds} seconds, then try again.",
      offline: "The connection to the assistant was lost. Check your internet connection, then try again.",
      notReady: "The assistant is not available right now. Please try again in a moment.",
      serverError: "Something went wrong. Please try again.",
      retry: "Try again",
      agentSaid: "{name} said:",
      person2: "A person",
    },
  };

  // ---- options from the script tag ----------------------------------------------------------------------
  function readOptions(el) {
    const d = el.dataset;
    const scriptUrl = new URL(el.src, document.baseURI);
    const api = new URL(d.askcityApi || scriptUrl.origin + "/", document.baseURI);
    if (!api.pathname.endsWith("/")) api.pathname += "/";
    const lang = (d.askcityLang || document.documentElement.lang || "en").toLowerCase().split("-")[0];
    return {
      api,
      css: new URL(d.askcityCss || "widget.css", scriptUrl).href,
      mount: d.askcityMount || "",
      city: d.askcityCity || "",
      title: d.askcityTitle || "",
      lang: STRINGS[lang] ? lang : "en",
      position: d.askcityPosition === "left" ? "left" : "right",
      color: d.askcityColor || "",
      colorText: d.askcityColorText || "",
    };
  }

  const options = readOptions(script);
  const strings = STRINGS[options.lang];

  /** A string from the table with {placeholders} filled in (values are only ever used as text). */
  function t(key, vars) {
    return (strings[key] || STRINGS.en[key] || key).replace(/\{(\w+)\}/g, (_, name) =>
      vars && name in vars ? String(vars[name]) : "",
    );
  }

  // ---- DOM helpers --------------------------------------------------------------------------------------
  /**
   * Create an element. `props`: attributes (static names chosen in this file only), plus `text`
   * (textContent) and `on` ({event: listener}). Children: nodes or strings; strings become text nodes.
   */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") el.textContent = String(value);
      else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) el.append(child);
    }
    return el;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 4h16v11H8l-4 4z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M4 12l16-8-6 16-2-6z",
    up: "M7 11v9H4v-9zm2 9h8l3-7v-2h-6l1-5-1-1-5 5z",
    down: "M7 13V4H4v9zm2-9h8l3 7v2h-6l1 5-1 1-5-5z",
  };

  /** A decorative icon (hidden from assistive technology; the control carries the text). */
  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "ac-icon");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  /** Visually hidden text for screen readers. */
  const sr = (text) => h("span", { class: "ac-sr" }, text);

  // ---- links: only http(s), only allowed hosts ----------------------------------------------------------
  const allowedHosts = new Set([options.api.host.toLowerCase(), options.api.hostname.toLowerCase()]);

  /** The normalised href for `raw` if it may become a link, else null. Absolute URLs only. */
  function safeHref(raw) {
    if (typeof raw !== "string" || !raw || raw.length > 2048) return null;
    let url;
    try {
      url = new URL(raw);
    } catch {
      return null;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (url.username || url.password) return null;
    const ok = allowedHosts.has(url.host.toLowerCase()) || allowedHosts.has(url.hostname.toLowerCase());
    return ok ? url.href : null;
  }

  function link(href, label) {
    return h(
      "a",
      { href, target: "_blank", rel: "noopener noreferrer", class: "ac-link" },
      label,
      sr(" " + t("newTab")),
    );
  }

  const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`(){}[\]\\]+/gi;

  /** Text nodes, with URLs to allowed hosts turned into links (everything else stays plain text). */
  function richText(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(URL_IN_TEXT)) {
      const raw = match[0].replace(/[.,;:!?]+$/, "");
      const href = safeHref(raw);
      if (!href) continue;
      nodes.push(text.slice(last, match.index), link(href, raw));
      last = match.index + raw.length;
    }
    nodes.push(text.slice(last));
    return nodes.filter((n) => n !== "");
  }

  function formatDate(value) {
    const text = String(value);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
    try {
      const format = new Intl.DateTimeFormat(options.lang, { dateStyle: "long", timeZone: "UTC" });
      return format.format(new Date(text + "T00:00:00Z"));
    } catch {
      return text;
    }
  }

  const asList = (value) => (Array.isArray(value) ? value : []);
  const asText = (value) => (value === null || value === undefined ? "" : String(value));

  // ---- persistence: sessionStorage only (tab-scoped, gone when the tab closes) --------------------------
  const STORE_KEY = "askcity:v1:" + options.api.href;
  const MAX_STORED = 40;

  const store = {
    load() {
      try {
        const data = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
        return data && typeof data === "object" ? data : {};
      } catch {
        return {};
      }
    },
    /** Messages about the resident's own cases (sent with a token) are replaced by a note, never stored.
     *  A resident's message is stored as the service keeps it (`stored`: personal data masked), never as
     *  typed: a card number or an SSN stays out of storage that any script of the city's page can read.
     *  `lastEventId`: the last event of the session's stream the widget has seen, kept with the session it
     *  belongs to, so that a reload or a later request for a person resumes the stream after it. */
    save(sessionId, messages, handoff, lastEventId) {
      const kept = [];
      for (const m of messages) {
        if (m.role === "user" && !m.private && !m.stored) continue; // not answered yet, or nothing kept
        const item = m.private
          ? { role: "note", text: t("privateGone") }
          : m.role === "user"
            ? { role: "user", text: m.stored, stored: m.stored }
            : m;
        const previous = kept[kept.length - 1];
        if (m.private && previous && previous.text === item.text) continue;
        kept.push(item);
      }
      try {
        sessionStorage.setItem(
          STORE_KEY,
          JSON.stringify({
            sessionId,
            messages: kept.slice(-MAX_STORED),
            handoff: handoff || null,
            lastEventId: lastEventId || null,
          }),
        );
      } catch {
        /* storage full or disabled: the conversation just won't survive navigation */
      }
    },
    clear() {
      try {
        sessionStorage.removeItem(STORE_KEY);
      } catch {
        /* ignore */
      }
    },
  };

  // ---- the bot's API ------------------------------------------------------------------------------------
  class ChatError extends Error {
    /** kind: network | rate_limited | session | not_ready | disabled | rejected | server */
    constructor(kind, message, retryAfter) {
      super(message || kind);
      this.kind = kind;
      this.retryAfter = retryAfter;
    }
  }

  const endpoint = (path) => new URL("api/v1/" + path, options.api).href;

  async function request(url, init) {
    try {
      return await fetch(url, { credentials: "omit", cache: "no-store", ...init });
    } catch {
      throw new ChatError("network");
    }
  }

  /** Turn an error response (`{"error", "message"}`) into a ChatError. */
  async function errorFrom(response) {
    let body = {};
    try {
      body = (await response.json()) || {};
    } catch {
      /* not JSON */
    }
    const message = asText(body.message);
    const seconds = parseInt(response.headers.get("Retry-After") || "", 10);
    const retryAfter = Number.isFinite(seconds) ? seconds : null;
    if (response.status === 404 && body.error === "session_not_found") return new ChatError("session");
    if (response.status === 429) return new ChatError("rate_limited", message, retryAfter);
    if (response.status === 503) {
      // an operator switched the chat off: their notice is shown (as text) instead of ours
      const kind = body.error === "chat_disabled" ? "disabled" : "not_ready";
      return new ChatError(kind, message, retryAfter);
    }
    if (response.status === 413 || response.status === 422) return new ChatError("rejected", message);
    return new ChatError("server", message);
  }

  async function postJson(path, body, headers) {
    const response = await request(endpoint(path), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function loadConfig() {
    try {
      const response = await request(endpoint("config"), { method: "GET" });
      return response.ok ? await response.json() : {};
    } catch {
      return {};
    }
  }

  /** Server-sent events from a fetch body: yields {event, data} with data parsed as JSON. */
  async function* readEvents(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        throw new ChatError("network");
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = blocks.pop();
      for (const block of blocks) {
        const event = parseEvent(block);
        if (event) yield event;
      }
    }
    const last = parseEvent(buffer + decoder.decode()); // a final event without its blank line
    if (last) yield last;
  }

  function parseEvent(block) {
    let event = "message";
    let id = null;
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("id:")) id = line.slice(3).trim();
    }
    if (!data.length) return null;
    try {
      return { event, id, data: JSON.parse(data.join("\n")) };
    } catch {
      return null;
    }
  }

  /** One streamed turn: calls onSentence(text, citation) per sentence and resolves with the `done` body. */
  async function streamChat(sessionId, message, token, onSentence) {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    const response = await postJson("chat/stream", { session_id: sessionId, message }, headers);
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("text/event-stream") || !response.body) return response.json();
    for await (const { event, data } of readEvents(response.body)) {
      if (event === "sentence" && data) onSentence(asText(data.text), data.citation);
      else if (event === "done" && data && typeof data === "object") return data;
    }
    throw new ChatError("network"); // the stream ended without its final event
  }

  async function login(url, username, password) {
    const target = safeLoginUrl(url);
    if (!target) throw new ChatError("server");
    const response = await request(target, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw await errorFrom(response);
    const body = await response.json();
    if (!body || typeof body.access_token !== "string") throw new ChatError("server");
    const seconds = Number(body.expires_in) || 3600;
    return { token: body.access_token, expiresAt: Date.now() + seconds * 1000 };
  }

  function safeLoginUrl(raw) {
    try {
      const url = new URL(raw, options.api);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  }

  // ---- state --------------------------------------------------------------------------------------------
  const saved = store.load();
  const state = {
    config: {},
    sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
    messages: asList(saved.messages).filter((m) => m && typeof m === "object"),
    busy: false,
    // The resident's token lives in this closure only: not in sessionStorage, where any script of the
    // city's page could read it, and not in the DOM. Leaving the page forgets it (by design).
    auth: null,
    inline: false,
    // A conversation with a person: {state, text}; followed over server-sent events.
    handoff: saved.handoff && typeof saved.handoff === "object" ? saved.handoff : null,
    // The id of the last event of this session's stream that was seen. The stream is the session's, not
    // one chat's: it keeps every earlier chat with a person (its `resolved` included), so it is always
    // resumed after this id, across the end of a chat, the next request for a person and page changes.
    lastEventId: savedEventId(saved),
  };

  /** The stored last event id, when it is an event id of the stored session (a widget of an earlier
   *  version kept it in the handoff). */
  function savedEventId(data) {
    if (typeof data.sessionId !== "string") return null;
    const id = data.lastEventId || (data.handoff && data.handoff.lastEventId);
    return eventOrder(id) ? id : null;
  }

  const token = () => (state.auth && state.auth.expiresAt > Date.now() ? state.auth.token : null);
  const persist = () => store.save(state.sessionId, state.messages, state.handoff, state.lastEventId);
  const city = () => options.city || asText(state.config.city) || "City";

  // ---- building the panel -------------------------------------------------------------------------------
  const ui = {};
  let configReady = Promise.resolve();

  function buildShell(inline) {
    const root = h("div", {
      class: "ac-root" + (inline ? " ac-root--inline" : ""),
      "data-position": options.position,
    });
    root.hidden = true; // see start()
    ui.title = h("h2", { id: "ac-title", class: "ac-title" });
    ui.close = inline
      ? null
      : h(
          "button",
          { type: "button", class: "ac-close ac-icon-button", on: { click: () => closePanel() } },
          icon("close"),
        );
    ui.log = h("div", {
      class: "ac-log",
      role: "log",
      "aria-live": "polite",
      tabindex: "0",
      "aria-label": t("log"),
    });
    ui.typing = h("div", { class: "ac-typing", role: "status" });
    ui.handoff = h("p", { class: "ac-handoff", role: "status" });
    ui.alert = h("div", { class: "ac-alert", role: "alert" });
    ui.login = h("div", { class: "ac-login-slot" });
    ui.input = h("textarea", {
      id: "ac-input",
      class: "ac-input",
      rows: "2",
      "aria-describedby": "ac-hint",
      autocomplete: "off",
    });
    ui.form = h(
      "form",
      { class: "ac-form", on: { submit: onSubmit } },
      h("label", { for: "ac-input", class: "ac-label", text: t("inputLabel") }),
      h(
        "div",
        { class: "ac-input-row" },
        ui.input,
        h("button", { type: "submit", class: "ac-send" }, icon("send"), t("send")),
      ),
      h("p", { id: "ac-hint", class: "ac-hint", text: t("inputHint") }),
    );
    ui.logout = h(
      "button",
      { type: "button", class: "ac-tool", hidden: true, on: { click: logout } },
      t("logout"),
    );
    // While nobody has taken the request for a person, it can be taken back (`withdrawn`, below).
    ui.cancelRequest = h(
      "button",
      { type: "button", class: "ac-tool", hidden: true, on: { click: () => ask(t("cancelRequestMessage")) } },
      t("cancelRequest"),
    );
    const tools = h(
      "div",
      { class: "ac-tools" },
      h(
        "button",
        { type: "button", class: "ac-tool", on: { click: () => ask(t("personMessage")) } },
        t("person"),
      ),
      ui.cancelRequest,
      h("button", { type: "button", class: "ac-tool", on: { click: clearConversation } }, t("clear")),
      ui.logout,
    );
    ui.subtitle = h("p", { class: "ac-subtitle", text: t("subtitle") });
    ui.panel = h(
      "section",
      inline
        ? { class: "ac-panel", role: "region", "aria-labelledby": "ac-title" }
        : {
            class: "ac-panel",
            id: "ac-panel",
            role: "dialog",
            "aria-modal": "false",
            "aria-labelledby": "ac-title",
          },
      h("header", { class: "ac-header" }, h("div", { class: "ac-heading" }, ui.title, ui.subtitle), ui.close),
      ui.log,
      ui.handoff,
      ui.typing,
      ui.alert,
      ui.login,
      ui.form,
      tools,
    );
    ui.input.addEventListener("keydown", onInputKey);
    if (!inline) {
      ui.panel.hidden = true;
      ui.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !event.isComposing) {
          event.preventDefault();
          closePanel();
        }
      });
      ui.launcher = h(
        "button",
        {
          type: "button",
          class: "ac-launcher",
          "aria-haspopup": "dialog",
          "aria-expanded": "false",
          "aria-controls": "ac-panel",
          on: { click: openPanel },
        },
        icon("chat"),
        h("span", { class: "ac-launcher-text" }),
      );
      root.append(ui.launcher);
    }
    root.append(ui.panel);
    return root;
  }

  /** City name and limits arrive with /api/v1/config; labels that mention them are (re)set here. */
  function applyConfig() {
    ui.title.textContent = options.title || t("title", { city: city() });
    if (ui.launcher) ui.launcher.lastChild.textContent = t("launcher", { city: city() });
    if (ui.close) ui.close.setAttribute("aria-label", t("close"));
    const max = Number(state.config.max_message_chars);
    if (max > 0) ui.input.setAttribute("maxlength", String(max));
    for (const host of asList(state.config.allowed_link_hosts)) allowedHosts.add(asText(host).toLowerCase());
  }

  // ---- rendering messages -------------------------------------------------------------------------------
  function renderMessage(message, isLast) {
    if (message.role === "user") {
      return h(
        "div",
        { class: "ac-msg ac-msg--user" },
        sr(t("you") + " "),
        h("p", { class: "ac-text" }, asText(message.text)),
      );
    }
    if (message.role === "agent") {
      return h(
        "div",
        { class: "ac-msg ac-msg--agent" },
        h("p", { class: "ac-agent-name", text: t("agentSaid", { name: asText(message.name) || t("person2") }) }),
        h("p", { class: "ac-text" }, ...richText(asText(message.text))),
        message.answer_id ? renderFeedback(message) : null, // a person's reply is rated like an answer
      );
    }
    if (message.role === "note") {
      return h("div", { class: "ac-msg ac-msg--note" }, h("p", { class: "ac-text" }, asText(message.text)));
    }
    return renderAnswer(message, isLast);
  }

  function renderAnswer(answer, isLast) {
    const status = asText(answer.status);
    const badge = STRINGS.en["badge_" + status]
      ? h("p", { class: "ac-badge", text: t("badge_" + status) })
      : null;
    const el = h(
      "article",
      { class: "ac-msg ac-msg--bot", "data-status": status },
      sr(t("bot") + " "),
      badge,
      renderBody(answer),
    );
    const citations = asList(answer.citations);
    if (citations.length) el.append(renderSources(citations));
    if (status === "needs_login" && isLast && !token() && state.config.login_url) {
      el.append(
        h(
          "button",
          { type: "button", class: "ac-action", on: { click: () => showLogin(answer.question) } },
          t("loginButton"),
        ),
      );
    }
    if (isLast && asList(answer.follow_ups).length) el.append(renderFollowUps(answer.follow_ups));
    if (answer.answer_id && status !== "rejected" && status !== "needs_login")
      el.append(renderFeedback(answer));
    return el;
  }

  /** The answer's sentences, each followed by the number of the source it cites. */
  function renderBody(answer) {
    const p = h("p", { class: "ac-text" });
    const sentences = asList(answer.sentences);
    if (!sentences.length) {
      p.append(...richText(asText(answer.text)));
      return p;
    }
    let afterItem = false;
    for (const sentence of sentences) {
      const item = Boolean(sentence && sentence.list_item) || /^[-•*] /.test(asText(sentence && sentence.text));
      appendSentence(p, asText(sentence && sentence.text), sentence && sentence.citation, item || afterItem);
      afterItem = item;
    }
    return p;
  }

  /** A sentence after the ones already in `p`: list items, and what follows a list, start a new line. */
  function appendSentence(p, text, citation, newLine) {
    if (p.childNodes.length) p.append((newLine ?? /^[-•*] /.test(text)) ? "\n" : " ");
    p.append(...richText(text));
    const number = Number(citation);
    if (Number.isInteger(number) && number >= 0) {
      p.append(h("span", { class: "ac-ref" }, sr(" " + t("sourceRef") + " "), "[" + (number + 1) + "]"));
    }
  }

  function renderSources(citations) {
    const list = h("ol", { class: "ac-sources" });
    citations.forEach((citation) => list.append(renderCitation(citation || {})));
    return h(
      "div",
      { class: "ac-sources-block" },
      h("p", { class: "ac-sources-title", text: t("sources") }),
      list,
    );
  }

  function renderCitation(citation) {
    const title = asText(citation.title) || t("untitled");
    const href = safeHref(asText(citation.source_url));
    const meta = [];
    const section = asList(citation.section_path).map(asText).filter(Boolean).join(" › ");
    if (section) meta.push(h("span", { class: "ac-cite-section" }, t("section") + ": " + section));
    if (citation.effective_date)
      meta.push(
        h("span", { class: "ac-cite-date" }, t("effective", { date: formatDate(citation.effective_date) })),
      );
    const quote = asText(citation.quote);
    return h(
      "li",
      { class: "ac-cite" },
      href ? link(href, title) : h("span", { class: "ac-cite-title" }, title),
      meta.length ? h("span", { class: "ac-cite-meta" }, meta) : null,
      quote
        ? h("details", { class: "ac-quote" }, h("summary", { text: t("quote") }), h("blockquote", {}, quote))
        : null,
    );
  }

  function renderFollowUps(followUps) {
    const group = h("div", { class: "ac-chips", role: "group", "aria-label": t("followUps") });
    for (const text of followUps.map(asText).filter(Boolean).slice(0, 6)) {
      group.append(h("button", { type: "button", class: "ac-chip", on: { click: () => ask(text) } }, text));
    }
    return group;
  }

  function renderFeedback(answer) {
    const status = h("p", { class: "ac-feedback-status", role: "status" });
    const button = (helpful) =>
      h(
        "button",
        {
          type: "button",
          class: "ac-thumb",
          "aria-label": t(helpful ? "yesLabel" : "noLabel"),
          "aria-pressed": String(answer.feedback === helpful),
          on: { click: () => sendFeedback(answer, helpful, box) },
        },
        icon(helpful ? "up" : "down"),
        h("span", { class: "ac-thumb-text", "aria-hidden": "true", text: t(helpful ? "yes" : "no") }),
      );
    const box = h(
      "div",
      { class: "ac-feedback", role: "group", "aria-label": t("helpful") },
      h("span", { class: "ac-feedback-label", "aria-hidden": "true", text: t("helpful") }),
      button(true),
      button(false),
      status,
    );
    return box;
  }

  async function sendFeedback(answer, helpful, box) {
    const status = box.querySelector(".ac-feedback-status");
    try {
      await postJson("feedback", { answer_id: answer.answer_id, helpful });
    } catch {
      status.textContent = t("feedbackFailed");
      return;
    }
    answer.feedback = helpful;
    persist();
    const [up, down] = box.querySelectorAll(".ac-thumb");
    up.setAttribute("aria-pressed", String(helpful));
    down.setAttribute("aria-pressed", String(!helpful));
    status.textContent = t("feedbackThanks");
    if (!box.querySelector(".ac-comment")) box.append(renderComment(answer, status, box));
  }

  /** Optional comment after a thumb: sent as a second feedback record carrying the text and the
   *  verdict pressed when it is sent (thumbs down, then up, then a comment: the comment goes with up). */
  function renderComment(answer, status, box) {
    const id = "ac-comment-" + asText(answer.answer_id).replace(/[^\w-]/g, "");
    const field = h("textarea", { id, class: "ac-comment-input", rows: "2", maxlength: "2000" });
    const form = h(
      "form",
      {
        class: "ac-comment",
        on: {
          submit: async (event) => {
            event.preventDefault();
            const comment = field.value.trim();
            if (!comment) return;
            try {
              await postJson("feedback", { answer_id: answer.answer_id, helpful: answer.feedback, comment });
            } catch {
              status.textContent = t("feedbackFailed");
              return;
            }
            status.textContent = t("commentThanks");
            box.querySelector('.ac-thumb[aria-pressed="true"]').focus(); // the form (and its button) goes
            form.remove();
          },
        },
      },
      h("label", { for: id, text: t("commentLabel") }),
      field,
      h("button", { type: "submit", class: "ac-action" }, t("sendComment")),
    );
    return form;
  }

  function addMessage(message) {
    state.messages.push(message);
    // Only the newest answer offers follow-up chips (keeps the Tab order short).
    for (const chips of ui.log.querySelectorAll(".ac-chips")) chips.remove();
    for (const button of ui.log.querySelectorAll(".ac-msg--bot > .ac-action")) button.remove();
    const el = renderMessage(message, true);
    ui.log.append(el);
    persist();
    if (message.role === "bot") scrollToStart(el);
    else scrollToEnd();
  }

  function renderAll() {
    ui.log.replaceChildren();
    if (!state.messages.length) {
      ui.log.append(
        h(
          "div",
          { class: "ac-msg ac-msg--note" },
          h("p", { class: "ac-text", text: t("welcome", { city: city() }) }),
        ),
      );
    }
    state.messages.forEach((m, i) => ui.log.append(renderMessage(m, i === state.messages.length - 1)));
    scrollToEnd();
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  /** Show a new answer from its first line (a long one would otherwise show only its end). */
  function scrollToStart(el) {
    const offset = el.getBoundingClientRect().top - ui.log.getBoundingClientRect().top;
    ui.log.scrollTop += offset - 8;
  }

  // ---- alerts (network loss, rate limits) with a retry button -------------------------------------------
  function showAlert(text, retry, waitSeconds) {
    const button = retry
      ? h(
          "button",
          {
            type: "button",
            class: "ac-action",
            on: {
              click: () => {
                clearAlert();
                retry();
              },
            },
          },
          t("retry"),
        )
      : null;
    if (button && waitSeconds > 0) {
      // Retrying before the server's Retry-After would only be refused again.
      button.disabled = true;
      setTimeout(() => {
        button.disabled = false;
      }, waitSeconds * 1000);
    }
    ui.alert.replaceChildren(h("p", { text }), button || "");
  }

  const clearAlert = () => ui.alert.replaceChildren();

  function explain(error) {
    if (error.kind === "rate_limited") {
      return error.retryAfter ? t("rateLimited", { seconds: error.retryAfter }) : error.message;
    }
    if (error.kind === "network") return t("offline");
    if (error.kind === "not_ready") return t("notReady");
    if (error.kind === "disabled") return error.message || t("notReady");
    if (error.kind === "rejected" && error.message && error.message !== error.kind) return error.message;
    return t("serverError");
  }

  // ---- a turn -------------------------------------------------------------------------------------------
  function setBusy(busy) {
    state.busy = busy;
    ui.log.setAttribute("aria-busy", String(busy));
    ui.typing.replaceChildren();
    if (busy) {
      ui.typing.append(
        h(
          "span",
          { class: "ac-dots", "aria-hidden": "true" },
          h("span", { class: "ac-dot" }),
          h("span", { class: "ac-dot" }),
          h("span", { class: "ac-dot" }),
        ),
        h("span", { class: "ac-typing-text", text: t("typing") }),
      );
    }
  }

  async function ensureSession(fresh) {
    if (state.sessionId && !fresh) return state.sessionId;
    const response = await postJson("sessions", {});
    const body = await response.json();
    state.sessionId = asText(body.session_id);
    state.lastEventId = null; // a new session: a new stream
    persist();
    return state.sessionId;
  }

  /** Show the question (unless resuming one) and get its answer. */
  function ask(text) {
    const message = text.trim();
    if (!message || state.busy) return;
    // The control that asked (a chip, a login button) may be removed by the answer: keep focus safe.
    ui.input.focus();
    clearAlert();
    const mine = { role: "user", text: message, private: Boolean(token()) };
    addMessage(mine);
    return turn(message, mine);
  }

  /** `mine`: the resident's message as shown; it is stored as the service kept it once answered. */
  async function turn(message, mine) {
    setBusy(true);
    await configReady; // links are checked against the bot's allow-list, which comes with the config
    const draft = h(
      "article",
      { class: "ac-msg ac-msg--bot ac-msg--streaming" },
      sr(t("bot") + " "),
      h("p", { class: "ac-text" }),
    );
    const authToken = token();
    try {
      const answer = await answerWithSession(message, authToken, (text, citation) => {
        if (!draft.isConnected) ui.log.append(draft);
        appendSentence(draft.lastChild, text, citation);
        ui.typing.replaceChildren(); // the first text replaces the typing indicator
        scrollToEnd();
      });
      draft.remove();
      if (mine) mine.stored = asText(answer.question);
      if (answer.status === "needs_login" && authToken) state.auth = null; // the token was refused
      if (!answer.relayed) addMessage(normalise(answer, Boolean(authToken)));
      else persist();
      if (answer.handoff && typeof answer.handoff === "object") onHandoff(answer.handoff);
      updateLogout();
    } catch (error) {
      draft.remove();
      const failure = error instanceof ChatError ? error : new ChatError("server");
      showAlert(
        explain(failure),
        failure.kind === "rejected" ? null : () => turn(message, mine),
        failure.retryAfter,
      );
    } finally {
      setBusy(false);
    }
  }

  /** A turn on the current session; an expired session is replaced once, transparently. */
  async function answerWithSession(message, authToken, onSentence) {
    try {
      return await streamChat(await ensureSession(), message, authToken, onSentence);
    } catch (error) {
      if (!(error instanceof ChatError) || error.kind !== "session") throw error;
      return streamChat(await ensureSession(true), message, authToken, onSentence);
    }
  }

  /** Keep only the fields we render (what is stored in sessionStorage). */
  function normalise(answer, isPrivate) {
    return {
      role: "bot",
      answer_id: asText(answer.answer_id),
      status: asText(answer.status),
      text: asText(answer.text),
      sentences: asList(answer.sentences),
      citations: asList(answer.citations),
      follow_ups: asList(answer.follow_ups),
      // asked again after the login; as the service keeps it, personal data masked
      question: answer.status === "needs_login" ? asText(answer.question) : undefined,
      feedback: null,
      private: isPrivate,
    };
  }

  function onSubmit(event) {
    event.preventDefault();
    const text = ui.input.value;
    if (!text.trim() || state.busy) return;
    ui.input.value = "";
    ask(text);
  }

  function onInputKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  }

  // ---- login (the city's identity provider; the dev one in the demo) ------------------------------------
  function showLogin(question) {
    const error = h("p", { class: "ac-login-error", role: "alert" });
    const user = h("input", {
      id: "ac-user",
      name: "username",
      autocomplete: "username",
      required: true,
      "aria-describedby": "ac-login-note",
    });
    const pass = h("input", {
      id: "ac-pass",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const submit = h("button", { type: "submit", class: "ac-action" }, t("loginButton"));
    const form = h(
      "form",
      {
        class: "ac-login",
        "aria-labelledby": "ac-login-title",
        on: { submit: (event) => onLogin(event, question, user, pass, error, submit) },
      },
      h("p", { id: "ac-login-title", class: "ac-login-title", text: t("loginTitle") }),
      h("p", { id: "ac-login-note", class: "ac-hint", text: t("loginNote") }),
      h("label", { for: "ac-user", text: t("username") }),
      user,
      h("label", { for: "ac-pass", text: t("password") }),
      pass,
      error,
      h(
        "div",
        { class: "ac-login-buttons" },
        submit,
        h("button", { type: "button", class: "ac-tool", on: { click: hideLogin } }, t("cancel")),
      ),
    );
    ui.login.replaceChildren(form);
    user.focus();
  }

  function hideLogin() {
    ui.login.replaceChildren();
    ui.input.focus();
  }

  async function onLogin(event, question, user, pass, error, submit) {
    event.preventDefault();
    if (!user.value.trim() || !pass.value) return;
    submit.disabled = true;
    error.textContent = t("loggingIn");
    try {
      state.auth = await login(asText(state.config.login_url), user.value.trim(), pass.value);
    } catch (failure) {
      pass.value = "";
      submit.disabled = false;
      error.textContent =
        failure.kind === "rate_limited"
          ? t("loginThrottled")
          : failure.kind === "network"
            ? t("offline")
            : t("loginFailed");
      pass.focus();
      return;
    }
    pass.value = "";
    hideLogin();
    updateLogout();
    for (const button of ui.log.querySelectorAll(".ac-msg--bot > .ac-action")) button.remove();
    if (question) await turn(asText(question));
  }

  function logout() {
    state.auth = null;
    updateLogout();
    addMessage({ role: "note", text: t("loggedOut") });
    ui.input.focus();
  }

  function updateLogout() {
    ui.logout.hidden = !token();
  }

  function clearConversation() {
    if (state.busy) return; // an answer is on its way; it would land in the cleared conversation
    if (state.handoff && state.sessionId) {
      request(endpoint("sessions/" + encodeURIComponent(state.sessionId) + "/handoff"), { method: "DELETE" }).catch(
        () => {},
      );
    }
    endHandoff();
    state.messages = [];
    state.sessionId = null;
    state.lastEventId = null;
    state.auth = null;
    store.clear();
    clearAlert();
    ui.login.replaceChildren();
    updateLogout();
    renderAll();
    ui.typing.textContent = t("cleared");
    ui.input.focus();
  }

  // ---- a person: the queue, then their messages, over the session's event stream ------------------------
  let follower = null; // the AbortController of the stream being read

  function showHandoff() {
    const live = state.handoff && (state.handoff.state === "waiting" || state.handoff.state === "active");
    ui.handoff.textContent = live ? asText(state.handoff.text) : "";
    ui.cancelRequest.hidden = !(state.handoff && state.handoff.state === "waiting");
  }

  /** A chat response said where the resident stands with a person. */
  function onHandoff(handoff) {
    const kind = asText(handoff.state);
    if (kind !== "waiting" && kind !== "active") {
      // With a request open, this turn ended it (the resident took it back: "never mind"). The answer
      // says so; the stream's `withdrawn` event, still read, ends the handoff, so that the next request
      // for a person resumes the stream after it.
      if (state.handoff) {
        state.handoff.state = "ended";
        persist();
        showHandoff();
      }
      return;
    }
    // A request made before the previous one's `withdrawn` arrived: that event must not end this one.
    const pending = state.handoff && state.handoff.state === "ended";
    state.handoff = { state: kind, text: asText(handoff.text), afterWithdrawn: pending || undefined };
    persist();
    showHandoff();
    follow();
  }

  function endHandoff() {
    if (follower) follower.abort();
    follower = null;
    state.handoff = null;
    showHandoff();
  }

  const HANDOFF_ENDS = new Set(["resolved", "abandoned", "left"]);

  /** [milliseconds, sequence] of an event id ("<ms>-<seq>", increasing within a session), else null. */
  function eventOrder(id) {
    const match = /^(\d{1,20})-(\d{1,20})$/.exec(typeof id === "string" ? id : "");
    return match ? [BigInt(match[1]), BigInt(match[2])] : null;
  }

  /** Whether the event `id` comes after the last one seen (anything else was shown already). */
  function isNew(id) {
    const seen = eventOrder(state.lastEventId);
    const order = eventOrder(id);
    if (!seen || !order) return true;
    return order[0] > seen[0] || (order[0] === seen[0] && order[1] > seen[1]);
  }

  function onEvent(kind, id, data) {
    if (!state.handoff) return;
    if (id) {
      if (!isNew(id)) return; // an earlier chat's event (or one already shown): never shown twice
      state.lastEventId = id;
    }
    const text = asText(data && data.text);
    if (kind === "queue" || kind === "transferred") {
      state.handoff.state = "waiting";
      state.handoff.text = text;
    } else if (kind === "agent_joined") {
      state.handoff.state = "active";
      state.handoff.text = text;
      addMessage({ role: "note", text });
    } else if (kind === "message") {
      addMessage({ role: "agent", name: asText(data.agent), text, answer_id: asText(data.answer_id), feedback: null });
    } else if (kind === "withdrawn") {
      // the resident took the request back; the chat's answer says so (no note here)
      if (state.handoff.afterWithdrawn) delete state.handoff.afterWithdrawn;
      else endHandoff();
    } else if (HANDOFF_ENDS.has(kind)) {
      addMessage({ role: "note", text });
      endHandoff();
    }
    persist();
    showHandoff();
  }

  /** Read the session's events until the handoff ends, reconnecting with the last event id. */
  async function follow() {
    if (follower || !state.sessionId) return;
    const controller = new AbortController();
    follower = controller;
    let delay = 1000;
    while (follower === controller && state.handoff) {
      const last = state.lastEventId;
      const url =
        endpoint("sessions/" + encodeURIComponent(state.sessionId) + "/events") +
        (last ? "?last_event_id=" + encodeURIComponent(last) : "");
      try {
        const response = await request(url, { method: "GET", signal: controller.signal });
        if (response.status === 404) {
          endHandoff(); // the session is gone; so is the conversation with the person
          return;
        }
        if (response.ok && response.body) {
          delay = 1000;
          for await (const { event, id, data } of readEvents(response.body)) {
            if (follower !== controller) return;
            onEvent(event, id, data);
          }
          continue; // the server ended the stream: resume at once
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  // ---- opening and closing ------------------------------------------------------------------------------
  function openPanel() {
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    scrollToEnd();
    ui.input.focus();
  }

  function closePanel() {
    if (state.inline) return;
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  // ---- start --------------------------------------------------------------------------------------------
  /** Colours from data- attributes become custom properties on the host (CSSOM, allowed under CSP). */
  function applyTheme(host) {
    const colors = { "--askcity-primary": options.color, "--askcity-on-primary": options.colorText };
    for (const [name, value] of Object.entries(colors)) {
      if (value && CSS.supports("color", value)) host.style.setProperty(name, value);
    }
  }

  function findMount(selector) {
    try {
      return selector ? document.querySelector(selector) : null;
    } catch {
      return null; // not a valid selector: fall back to the launcher
    }
  }

  function start() {
    const mount = findMount(options.mount);
    state.inline = Boolean(mount);
    const host = h("div", {
      id: state.inline ? null : "askcity-widget",
      class: "askcity-widget",
      lang: options.lang,
    });
    if (!state.inline) {
      // A landmark, so the launcher is not "content outside any region" for assistive technology.
      host.setAttribute("role", "complementary");
      host.setAttribute("aria-label", "Chat assistant");
    }
    applyTheme(host);
    const shadow = host.attachShadow({ mode: "open" });
    const root = buildShell(state.inline);
    const sheet = h("link", { rel: "stylesheet", href: options.css });
    const styled = new Promise((resolve) => {
      sheet.addEventListener("load", resolve);
      sheet.addEventListener("error", resolve); // unstyled but usable beats invisible
    });
    shadow.append(sheet, root);
    applyConfig();
    renderAll();
    updateLogout();
    showHandoff();
    if (state.handoff) follow();
    (mount || document.body).append(host);
    configReady = loadConfig().then((config) => {
      state.config = config && typeof config === "object" ? config : {};
      if (!state.inline) host.setAttribute("aria-label", t("title", { city: city() }));
      applyConfig();
      renderAll(); // links may now be allowed, and the welcome names the city
    });
    // Shown once styled and named, so nothing unstyled or unnamed flashes on the city's page.
    Promise.all([styled, configReady]).then(() => {
      root.hidden = false;
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
