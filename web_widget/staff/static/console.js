/*!
 * askcity agent console — the live parts of the staff pages (plain JavaScript, no framework).
 *
 * Rules this file keeps (it runs under `script-src 'self'`, and every string it shows may come from a
 * resident or a document): text only through textContent / text nodes, never innerHTML or any other
 * HTML parser; no inline handlers or styles; requests only to this origin, with the session's CSRF token.
 */
(() => {
  "use strict";

  const root = document.querySelector(".console");
  if (!root) return;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const alertBox = document.getElementById("console-alert");

  // ---- helpers --------------------------------------------------------------------------------------
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

  const asText = (value) => (value === null || value === undefined ? "" : String(value));
  const asList = (value) => (Array.isArray(value) ? value : []);

  function say(message) {
    if (alertBox) alertBox.textContent = message;
  }

  async function api(path, options) {
    const init = { method: "GET", credentials: "same-origin", cache: "no-store", headers: {} };
    if (options && options.body !== undefined) {
      init.method = options.method || "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (init.method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    let response;
    try {
      response = await fetch("/api/v1/staff/" + path, init);
    } catch {
      throw new Error("The connection was lost. Check your network and try again.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.status === 401) {
      keepReply(); // the reply being written comes back after the sign-in
      window.location.assign("/staff/login?next=" + encodeURIComponent(window.location.pathname));
      throw new Error("Your session has ended.");
    }
    if (!response.ok) {
      const error = new Error(asText(body && body.message) || "The request failed.");
      error.status = response.status;
      throw error;
    }
    return body;
  }

  const plural = (n, word) => n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s");

  // A live character count for a textarea with data-max-chars (its text in #<data-count>, announced
  // politely in #<data-count>-live only near the limit and over it). Nothing is cut: text over the
  // limit stays in the box, and the server refuses it with a message.
  function characterCount(box) {
    const max = Number(box.dataset.maxChars) || 0;
    const shown = document.getElementById(box.dataset.count || "");
    if (!max || !shown) return;
    const live = document.getElementById(box.dataset.count + "-live");
    let timer = null;
    let announced = "";
    function update() {
      const left = max - [...box.value.trim()].length; // code points, as the server counts
      const limit = " (the limit is " + max.toLocaleString("en") + ").";
      const text =
        left >= 0
          ? "You have " + plural(left, "character") + " left" + limit
          : "You have " + plural(-left, "character") + " too many" + limit;
      shown.textContent = text;
      shown.classList.toggle("over", left < 0);
      if (left < 0) box.setAttribute("aria-invalid", "true");
      else box.removeAttribute("aria-invalid");
      if (!live) return;
      clearTimeout(timer); // said once typing pauses, and only near the limit or over it
      const say = left < Math.max(20, Math.ceil(max / 10)) ? text : "";
      timer = setTimeout(() => {
        if (say !== announced) live.textContent = announced = say;
      }, 700);
    }
    box.addEventListener("input", update);
    update();
  }
  for (const box of document.querySelectorAll("textarea[data-max-chars]")) characterCount(box);
  const changed = (box) => box.dispatchEvent(new Event("input"));

  function minutes(seconds) {
    const n = Number(seconds) || 0;
    return n < 60 ? "less than a minute" : Math.round(n / 60) + " min";
  }

  function formatDate(value) {
    const text = asText(value);
    return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : "";
  }

  // ---- sources, suggestions and search results ---------------------------------------------------------
  function sourceLine(citation) {
    const parts = [asText(citation.title) || "Untitled document"];
    const section = asList(citation.section_path).map(asText).filter(Boolean).join(" › ");
    if (section) parts.push(section);
    const date = formatDate(citation.effective_date);
    if (date) parts.push("effective " + date);
    return parts.join(" — ");
  }

  function sources(citations) {
    const list = h("ul", { class: "card-sources" });
    for (const c of asList(citations)) list.append(h("li", { text: sourceLine(c || {}) }));
    return list;
  }

  const reply = document.getElementById("reply-text");
  let inserted = []; // citations of what was inserted into the reply box

  // A reply typed when the staff session ends is kept in this tab (sessionStorage, per page) while the
  // agent signs in again, put back in the box on return, and forgotten once put back.
  const KEPT_REPLY = "askcity-staff:reply:" + window.location.pathname;
  function keepReply() {
    if (!reply || !reply.value.trim()) return;
    try {
      sessionStorage.setItem(KEPT_REPLY, reply.value);
    } catch {
      /* storage off: nothing to keep it in */
    }
  }
  if (reply) {
    try {
      const kept = sessionStorage.getItem(KEPT_REPLY);
      if (kept && !reply.value.trim()) reply.value = kept;
      sessionStorage.removeItem(KEPT_REPLY);
      changed(reply);
    } catch {
      /* storage off */
    }
  }

  function insert(text, citations) {
    if (!reply) return;
    reply.value = reply.value.trim() ? reply.value.trimEnd() + "\n" + text : text;
    inserted = inserted.concat(asList(citations));
    changed(reply);
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
  }

  // Redraws the suggestions. Keyboard focus on one of them stays on the same control of the same
  // place (Insert suggestion 2), or the nearest one left, or the section's heading: never the page's
  // body. Returns what to say about it in the status line.
  function renderSuggestions(list, items) {
    const focused = list.contains(document.activeElement) ? document.activeElement.closest("li") : null;
    const place = focused ? [...list.children].indexOf(focused) : -1;
    list.replaceChildren();
    asList(items).forEach((s, index) => {
      const label = "Suggestion " + (index + 1);
      const confidence = Math.round((Number(s.confidence) || 0) * 100);
      list.append(
        h(
          "li",
          { class: "card", "aria-label": label },
          h("p", { class: "card-text", text: asText(s.text) }),
          h("p", {
            class: "card-meta",
            text:
              (s.source === "curated" ? "Curated answer" : "From a passage") + ", confidence " + confidence + "%",
          }),
          sources(s.citations),
          reply
            ? h(
                "button",
                {
                  type: "button",
                  "aria-label": "Insert " + label.toLowerCase() + " into your reply",
                  on: { click: () => insert(asText(s.text), s.citations) },
                },
                "Insert",
              )
            : null,
        ),
      );
    });
    if (place < 0) return "";
    const buttons = [...list.querySelectorAll("button")];
    const target = buttons[Math.min(place, buttons.length - 1)];
    if (target) {
      target.focus();
      const name = asText(target.getAttribute("aria-label")).replace(/ into your reply$/, "");
      return (Math.min(place, buttons.length - 1) === place ? " Focus stays on " : " Focus moved to ") + name + ".";
    }
    const title = document.getElementById("suggestions-title");
    if (!title) return "";
    title.setAttribute("tabindex", "-1");
    title.focus();
    return " Focus moved to the heading Suggested replies.";
  }

  async function suggest(conversation) {
    const list = document.getElementById("suggestions");
    const status = document.getElementById("suggestions-status");
    if (!list || !conversation.length) return;
    status.textContent = "Finding suggestions…";
    try {
      const body = await api("assist", { body: { conversation } });
      const items = asList(body && body.suggestions);
      const focus = renderSuggestions(list, items);
      status.textContent =
        (items.length
          ? plural(items.length, "suggestion") + " for the latest message."
          : "No suggestion: the documents do not seem to cover this.") + focus;
      return true;
    } catch (error) {
      status.textContent = "";
      say(error.message);
      return false;
    }
  }

  function setUpSearch() {
    const form = document.getElementById("search-form");
    if (!form) return;
    const input = document.getElementById("search-text");
    const list = document.getElementById("search-results");
    const status = document.getElementById("search-status");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (!q) {
        list.replaceChildren(); // results of an earlier search would read as this one's
        status.textContent = "Type what to search for: the search is empty.";
        input.focus();
        return;
      }
      status.textContent = "Searching…";
      try {
        const body = await api("search?q=" + encodeURIComponent(q));
        const results = asList(body && body.results);
        list.replaceChildren();
        results.forEach((r, index) => {
          const c = r.citation || {};
          list.append(
            h(
              "li",
              { class: "card" },
              h("p", { class: "card-meta", text: sourceLine(c) }),
              h("p", { class: "card-text", text: asText(c.quote) }),
              reply
                ? h(
                    "button",
                    {
                      type: "button",
                      "aria-label": "Insert result " + (index + 1) + " into your reply",
                      on: { click: () => insert(asText(c.quote), [c]) },
                    },
                    "Insert",
                  )
                : null,
            ),
          );
        });
        status.textContent = results.length + " result" + (results.length === 1 ? "" : "s") + ".";
      } catch (error) {
        list.replaceChildren();
        status.textContent = error.message;
      }
    });
  }

  // ---- the conversation page -----------------------------------------------------------------------------
  const WHO = { resident: "Resident", assistant: "Assistant", system: "Note" };
  const me = root.dataset.me || "";

  function who(role, author) {
    if (role === "agent") return asText(author);
    if (role === "note") return "Internal note from " + asText(author);
    return WHO[role] || "Note";
  }

  // An agent's reply is stored (and shown here) with personal data masked; the resident got it as written.
  function maskedNote(m) {
    if (asText(m.role) !== "agent" || !m.masked) return null;
    const as = asText(m.author) === me ? "you wrote it." : "written.";
    return h("span", { class: "msg-masked", text: "Personal data is masked in the record; the resident received it as " + as });
  }

  function conversationPage() {
    const ticket = root.dataset.ticket;
    const transcript = document.getElementById("transcript");
    const seen = new Set([...transcript.querySelectorAll("li[data-seq]")].map((li) => li.dataset.seq));

    function conversation() {
      return [...transcript.querySelectorAll("li[data-role]")]
        .filter((li) => li.dataset.role === "resident" || li.dataset.role === "agent")
        .slice(-12)
        .map((li) => ({ role: li.dataset.role, text: li.querySelector(".msg-text").textContent }));
    }

    function addMessage(m) {
      const seq = asText(m.seq);
      if (seen.has(seq)) return;
      seen.add(seq);
      const role = asText(m.role);
      transcript.append(
        h(
          "li",
          { class: "msg msg-" + role, "data-seq": seq, "data-role": role },
          h("span", { class: "msg-who", text: who(role, m.author) + ":" }),
          " ",
          h("span", { class: "msg-text", text: asText(m.text) }),
          maskedNote(m),
        ),
      );
      transcript.parentElement.scrollTop = transcript.parentElement.scrollHeight;
      if (role === "resident") suggestSoon();
    }

    // A burst of messages asks for suggestions once, for the latest.
    let pending = null;
    function suggestSoon() {
      clearTimeout(pending);
      pending = setTimeout(() => suggest(conversation()), 400);
    }

    const after = root.dataset.eventsAfter;
    const url =
      "/api/v1/staff/tickets/" + encodeURIComponent(ticket) + "/events" + (after ? "?last_event_id=" + encodeURIComponent(after) : "");
    const events = new EventSource(url);
    events.addEventListener("message", (event) => {
      try {
        addMessage(JSON.parse(event.data));
      } catch {
        /* not ours */
      }
    });
    events.addEventListener("status", (event) => {
      let data = {};
      try {
        data = JSON.parse(event.data) || {};
      } catch {
        return;
      }
      const status = document.getElementById("ticket-status");
      const before = status.textContent;
      status.textContent = asText(data.status) + (data.agent ? " (" + asText(data.agent) + ")" : "");
      const department = document.getElementById("ticket-department");
      const moved = Boolean(data.department) && department && department.textContent !== asText(data.department);
      if (moved) department.textContent = asText(data.department);
      if (moved || (status.textContent !== before && before.split(" ")[0] !== asText(data.status))) {
        // transferred, resolved or abandoned elsewhere: what this page offers no longer applies
        for (const button of document.querySelectorAll("#reply-form button, #transfer-form button, #resolve-form button")) {
          button.disabled = true; // look-ups (cases, search) stay
        }
        say(
          (moved ? "This conversation was transferred to " + asText(data.department) + ": it is now " : "This conversation is now ") +
            asText(data.status) +
            ". Reload the page to see what you can do.",
        );
      }
    });

    const form = document.getElementById("reply-form");
    if (form) {
      const status = document.getElementById("reply-status");
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = reply.value.trim();
        if (!text) {
          status.textContent = "The reply is empty: write something to send.";
          reply.focus();
          return;
        }
        const button = form.querySelector("button");
        button.disabled = true;
        status.textContent = "Sending…";
        try {
          const sent = await api("tickets/" + encodeURIComponent(ticket) + "/messages", { body: { text } });
          addMessage(sent);
          const question = conversation().filter((m) => m.role === "resident").pop();
          offerDraft(question ? question.text : "", text, inserted);
          reply.value = "";
          changed(reply);
          inserted = [];
          status.textContent = "Sent.";
        } catch (error) {
          // next to the reply, where the agent is looking; the reply stays in the box as written
          status.textContent = error.message + (error.status ? " Nothing was sent: your reply is still in the box." : "");
        } finally {
          button.disabled = false;
          reply.focus();
        }
      });
    }

    function offerDraft(question, answer, citations) {
      const slot = document.getElementById("draft-slot");
      if (!slot || !question) return;
      const status = h("p", { class: "hint", role: "status" });
      const button = h(
        "button",
        {
          type: "button",
          class: "link-button",
          on: {
            click: async () => {
              button.disabled = true;
              try {
                const body = await api("curated-drafts", {
                  body: { question, answer, ticket_id: ticket, citations },
                });
                status.textContent = "Saved as draft " + asText(body && body.id) + " for an editor to approve.";
                button.remove();
              } catch (error) {
                button.disabled = false;
                say(error.message);
              }
            },
          },
        },
        "Save this reply as a curated answer",
      );
      slot.replaceChildren(button, status);
    }

    setUpCases();
    setUpResolve();
    setUpTransfer();
    suggest(conversation());
  }

  // A note over the limit is not sent (the server would refuse it): the count beside it says by how much.
  function setUpTransfer() {
    const form = document.getElementById("transfer-form");
    const note = document.getElementById("transfer-note");
    if (!form || !note) return;
    form.addEventListener("submit", (event) => {
      if ([...note.value.trim()].length <= (Number(note.dataset.maxChars) || Infinity)) return;
      event.preventDefault();
      const live = document.getElementById("transfer-note-count-live");
      if (live) live.textContent = "Not transferred: " + document.getElementById("transfer-note-count").textContent;
      note.focus();
    });
  }

  // Resolve: an outcome must be chosen (no default: a slip would skew the figures), and text still in
  // the reply box goes to the server (hidden field), which asks before throwing it away; the text is
  // kept in this tab meanwhile, so "Back to the conversation" finds it in the box.
  function setUpResolve() {
    const form = document.getElementById("resolve-form");
    if (!form) return;
    const outcome = document.getElementById("resolve-outcome");
    const error = document.getElementById("resolve-error");
    const field = document.getElementById("resolve-field");
    function mark(invalid) {
      error.hidden = !invalid;
      field.classList.toggle("field-error", invalid);
      if (invalid) {
        outcome.setAttribute("aria-invalid", "true");
        outcome.setAttribute("aria-describedby", "resolve-error");
      } else {
        outcome.removeAttribute("aria-invalid");
        outcome.removeAttribute("aria-describedby");
      }
    }
    outcome.addEventListener("change", () => {
      if (outcome.value) mark(false);
    });
    form.addEventListener("submit", (event) => {
      if (!outcome.value) {
        event.preventDefault();
        mark(true);
        outcome.focus();
        return;
      }
      const unsent = reply ? reply.value.trim() : "";
      document.getElementById("resolve-unsent").value = unsent;
      if (unsent) keepReply();
    });
  }

  // ---- cases through the records service (with this staff member's own token) ------------------------
  // the records service's codes and field names, as staff read them ("awaiting_information", "national_id")
  const CASE_LABELS = { national_id: "National ID", date_of_birth: "Date of birth", email: "Email address" };
  function caseLabel(code) {
    const text = asText(code);
    if (CASE_LABELS[text]) return CASE_LABELS[text];
    const words = text.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function caseView(body) {
    const dl = h("dl", { class: "summary" });
    const row = (name, value) => dl.append(h("div", {}, h("dt", { text: name }), h("dd", { text: value })));
    row("Reference", asText(body.reference));
    row("Type", caseLabel(body.case_type));
    row("Status", caseLabel(body.status));
    row("Office", asText(body.office));
    row("Next step", asText(body.next_step));
    const resident = body.resident && typeof body.resident === "object" ? body.resident : {};
    for (const [key, value] of Object.entries(resident)) {
      const shown = value && typeof value === "object" ? Object.values(value).map(asText).join(", ") : asText(value);
      row(caseLabel(key), shown);
    }
    row("Personal data", body.masked ? "masked" : "shown (audited)");
    return h("div", { class: "case-view" }, dl);
  }

  function setUpCases() {
    const result = document.getElementById("case-result");
    const form = document.getElementById("case-form");
    if (!result || !form) return;
    const unmask = document.getElementById("unmask-form");
    let current = "";

    async function lookUp(reference) {
      result.textContent = "Looking up…";
      try {
        const body = await api("cases/" + encodeURIComponent(reference));
        current = asText(body.reference);
        result.replaceChildren(caseView(body));
        if (unmask) unmask.hidden = false;
      } catch (error) {
        result.textContent = error.message;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = document.getElementById("case-ref").value.trim();
      if (value) lookUp(value);
    });
    for (const button of document.querySelectorAll("button[data-case]")) {
      button.addEventListener("click", () => lookUp(button.dataset.case));
    }
    if (unmask) {
      unmask.addEventListener("submit", async (event) => {
        event.preventDefault();
        const category = document.getElementById("unmask-category").value;
        const reason = document.getElementById("unmask-reason").value.trim();
        if (!current) return; // a blank reason too goes to the server, which says what a reason needs
        try {
          const body = await api("cases/" + encodeURIComponent(current) + "/unmask", { body: { category, reason } });
          result.replaceChildren(caseView(body));
        } catch (error) {
          say(error.message);
        }
      });
    }
  }

  // ---- the queue and the supervisor's overview: refreshed every few seconds -----------------------------
  function claimForm(ticket) {
    const label = "Claim the conversation waiting " + minutes(ticket.waiting_seconds) + " for " + asText(ticket.department);
    return h(
      "form",
      { method: "post", action: "/staff/tickets/" + encodeURIComponent(asText(ticket.id)) + "/claim" },
      h("input", { type: "hidden", name: "csrf_token", value: csrf }),
      h("button", { type: "submit", "aria-label": label }, "Claim"),
    );
  }

  async function refreshQueue() {
    const rows = document.getElementById("waiting-rows");
    const status = document.getElementById("queue-status");
    if (!rows) return;
    try {
      const body = await api("tickets?status=waiting");
      const tickets = asList(body && body.tickets);
      // Rebuilding would move keyboard focus out of the table: wait while someone works in it.
      if (!rows.contains(document.activeElement)) {
        rows.replaceChildren(
          ...(tickets.length
            ? tickets.map((t) =>
                h(
                  "tr",
                  {},
                  h("td", { text: minutes(t.waiting_seconds) }),
                  h("td", { class: "question", text: asText(t.question) }),
                  h("td", { text: asText(t.department) }),
                  h("td", { text: asText(t.language) }),
                  h("td", { text: t.logged_in ? "Yes" : "No" }),
                  h("td", {}, claimForm(t)),
                ),
              )
            : [h("tr", {}, h("td", { colspan: "6", text: "Nobody is waiting." }))]),
        );
      }
      const text = tickets.length + " conversation" + (tickets.length === 1 ? "" : "s") + " waiting.";
      if (status.textContent !== text) status.textContent = text;
    } catch {
      /* try again next round */
    }
  }

  function since(iso) {
    const at = new Date(asText(iso));
    return isNaN(at) ? "" : at.toISOString().slice(11, 16);
  }

  // "Your conversations": a transfer or a supervisor's resolve elsewhere takes one away
  async function refreshMine() {
    const mine = document.getElementById("mine");
    if (!mine || mine.contains(document.activeElement)) return;
    try {
      const tickets = asList((await api("tickets?status=mine")).tickets);
      const next = tickets.length
        ? h(
            "ul",
            { class: "links", id: "mine" },
            ...tickets.map((t) =>
              h(
                "li",
                {},
                h("a", {
                  href: "/staff/tickets/" + encodeURIComponent(asText(t.id)),
                  text: asText(t.department) + ", since " + since(t.claimed_at) + " UTC (" + asText(t.language) + ", " + asText(t.id).slice(0, 8) + ")",
                }),
              ),
            ),
          )
        : h("p", { id: "mine", text: "You have no open conversations." });
      if (next.textContent !== mine.textContent) mine.replaceWith(next);
    } catch {
      /* try again next round */
    }
  }

  async function refreshOverview() {
    const box = document.getElementById("overview");
    if (!box) return;
    try {
      const o = await api("overview");
      const set = (field, value) => {
        const el = box.querySelector('[data-field="' + field + '"]');
        if (el && el.textContent !== value) el.textContent = value;
      };
      set("waiting", asText(o.waiting));
      set("active", asText(o.active));
      set("longest", Number(o.waiting) > 0 ? minutes(o.longest_wait_seconds) : "nobody is waiting");
      const byDepartment = document.getElementById("by-department");
      if (byDepartment) {
        const counts = o.waiting_by_department && typeof o.waiting_by_department === "object" ? o.waiting_by_department : {};
        const entries = Object.entries(counts);
        byDepartment.replaceChildren(
          ...(entries.length
            ? entries.map(([name, count]) => h("li", { text: asText(name) + ": " + asText(count) }))
            : [h("li", { text: "Nobody is waiting." })]),
        );
      }
      const agents = document.getElementById("agents");
      if (agents) {
        const list = asList(o.agents);
        agents.replaceChildren(
          ...(list.length
            ? list.map((a) => h("tr", {}, h("td", { text: asText(a.agent_name) }), h("td", { text: asText(a.active_tickets) })))
            : [h("tr", {}, h("td", { colspan: "2", text: "No agent is in a conversation." }))]),
        );
      }
    } catch {
      /* try again next round */
    }
  }

  // ---- phone calls --------------------------------------------------------------------------------------
  // The call's earlier questions go with each new one, as the conversation (oldest first), so that a
  // follow-up ("how much is it?") is read in context; "New call" forgets them. Nothing is stored.
  function assistPage() {
    const form = document.getElementById("ask-form");
    const input = document.getElementById("ask-text");
    const status = document.getElementById("ask-status");
    const section = document.getElementById("call-section");
    const list = document.getElementById("call-questions");
    const earlier = [];

    function clearSuggestions() {
      document.getElementById("suggestions").replaceChildren();
      document.getElementById("suggestions-status").textContent = "";
    }
    function showCall() {
      list.replaceChildren(...earlier.map((q) => h("li", { text: q })));
      section.hidden = earlier.length === 0;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) {
        clearSuggestions(); // suggestions for an earlier question would read as this one's
        status.textContent = "Type the caller's question: it is empty.";
        input.focus();
        return;
      }
      const context = earlier.filter((q) => q !== text).slice(-11);
      status.textContent = context.length
        ? "Asked with " + plural(context.length, "earlier question") + " of this call."
        : "";
      const conversation = context.map((q) => ({ role: "resident", text: q }));
      conversation.push({ role: "resident", text });
      if ((await suggest(conversation)) && earlier[earlier.length - 1] !== text) {
        earlier.push(text);
        showCall();
      }
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    document.getElementById("new-call").addEventListener("click", () => {
      earlier.length = 0;
      showCall();
      input.value = "";
      clearSuggestions();
      status.textContent = "New call: the question, the suggestions and the earlier questions are cleared.";
      input.focus();
    });
  }

  // After a resolve, a transfer or a lost claim the queue says what happened: focus goes there, the
  // address loses its query (a reload does not repeat it), and a reply kept for that ticket is dropped.
  function queueNotice() {
    const notice = document.getElementById("queue-notice");
    if (!notice) return;
    notice.focus();
    try {
      if (notice.dataset.ticket) sessionStorage.removeItem("askcity-staff:reply:/staff/tickets/" + notice.dataset.ticket);
    } catch {
      /* storage off */
    }
    window.history.replaceState(null, "", window.location.pathname);
  }

  // ---- start ----------------------------------------------------------------------------------------------
  setUpSearch();
  const page = root.dataset.page;
  if (page === "ticket") conversationPage();
  if (page === "assist") assistPage();
  if (page === "queue") {
    queueNotice();
    setInterval(refreshQueue, 3000);
    setInterval(refreshMine, 3000);
    if (root.dataset.supervisor === "yes") setInterval(refreshOverview, 3000);
  }
  if (page === "overview") setInterval(refreshOverview, 3000);
})();
