"""The console's pages and API over real HTTP (the real bot over the sample knowledge base, staff tokens
from the real dev identity provider): resolving needs a chosen outcome and asks before throwing away
an unsent reply, the queue says what happened and shows what each resident asked, transfers carry an
internal note, an agent's masked reply says so, and error pages keep the staff menu."""

from __future__ import annotations

import json
import re

import httpx

from bot.staff.desk import HandoffDesk
from bot.storage.database import session_ref
from tests.bot.staff.console_harness import Resident, read_stream
from tests.bot.staff.staff_harness import StaffStack
from tests.web_widget.harness import ServedApp

MENU = '<nav class="console-nav site-nav" aria-label="Staff console">'
SIGN_IN = 'href="/staff/login"'


def staff(stack: StaffStack, served: ServedApp, subject: str, name: str, role: str = "agent") -> httpx.Client:
    token = stack.token(role, subject=subject, name=name)
    return httpx.Client(base_url=served.origin, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def desk_of(stack: StaffStack) -> HandoffDesk:
    assert stack.runtime.desk is not None
    return stack.runtime.desk


def waiting_ticket(stack: StaffStack, person: Resident, *said: str) -> str:
    for text in (*said, "talk to a person"):
        person.say(text)
    ticket = desk_of(stack).store.open_for_session(session_ref(person.session_id))
    assert ticket is not None
    return ticket.id


def claimed_ticket(stack: StaffStack, person: Resident, by: httpx.Client, *said: str) -> str:
    ticket = waiting_ticket(stack, person, *said)
    assert by.post(f"/api/v1/staff/tickets/{ticket}/claim").status_code == 200
    return ticket


def test_resolve_has_no_default_outcome_and_refuses_without_one(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-outcome", "Ann Outcome")
    ticket = claimed_ticket(stack, resident, ann)
    page = ann.get(f"/staff/tickets/{ticket}").text
    select = re.search(r'<select id="resolve-outcome"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None and "required" in select.group(0)
    options = re.findall(r"<option([^>]*)>", select.group(1))
    assert options[0] == ' value="" selected' and all("selected" not in o for o in options[1:])

    refused = ann.post(f"/staff/tickets/{ticket}/resolve", data={"outcome": ""})
    assert refused.status_code == 422 and "Choose how the conversation ended" in refused.text
    assert f'href="/staff/tickets/{ticket}"' in refused.text  # back to the conversation
    assert desk_of(stack).store.get(ticket).status.value == "active"  # nothing happened
    assert ann.post(f"/staff/tickets/{ticket}/resolve", data={}).status_code == 422


def test_resolve_with_unsent_text_asks_first_and_the_queue_confirms_it(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-unsent", "Ann Unsent")
    ticket = claimed_ticket(stack, resident, ann)
    unsent = "Call the depot at 555-0100 <b>before</b> noon."
    asked = ann.post(
        f"/staff/tickets/{ticket}/resolve", data={"outcome": "referred", "unsent": f"  {unsent}\n"}
    )
    assert asked.status_code == 200 and "Resolve without sending your reply?" in asked.text
    assert "Call the depot at 555-0100 &lt;b&gt;before&lt;/b&gt; noon." in asked.text  # shown, escaped
    assert "<b>before" not in asked.text and "Referred elsewhere" in asked.text
    assert '<input type="hidden" name="confirmed" value="yes">' in asked.text
    assert '<input type="hidden" name="outcome" value="referred">' in asked.text
    assert f'href="/staff/tickets/{ticket}"' in asked.text and MENU in asked.text
    assert desk_of(stack).store.get(ticket).status.value == "active"  # not resolved yet

    done = ann.post(
        f"/staff/tickets/{ticket}/resolve",
        data={"outcome": "referred", "unsent": unsent, "confirmed": "yes"},
    )
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/staff/queue?notice=resolved&ticket={ticket}",
    )
    assert desk_of(stack).store.get(ticket).outcome is not None
    queue = ann.get(done.headers["location"])
    assert "Ticket resolved: Referred elsewhere." in queue.text and 'role="status"' in queue.text
    # the notice is read from the ticket as stored, never from the address
    assert "Ticket resolved" not in ann.get("/staff/queue?notice=resolved&ticket=" + "0" * 32).text
    assert ann.get("/staff/queue?notice=<script>&ticket=x").status_code == 422


def test_without_unsent_text_resolve_ends_the_chat_at_once(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-quick", "Ann Quick")
    ticket = claimed_ticket(stack, resident, ann)
    done = ann.post(f"/staff/tickets/{ticket}/resolve", data={"outcome": "callback_arranged", "unsent": "  "})
    assert done.status_code == 303
    assert "Ticket resolved: Call-back arranged." in ann.get(done.headers["location"]).text


def test_error_pages_keep_the_staff_menu_for_signed_in_staff(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-errors-menu", "Ann Errors")
    missing = ann.get(f"/staff/tickets/{'f' * 32}")
    assert missing.status_code == 404 and "There is no such conversation." in missing.text
    assert MENU in missing.text and SIGN_IN not in missing.text
    ticket = claimed_ticket(stack, resident, staff(stack, served, "agent-holder", "Hal Holder"))
    conflict = ann.post(f"/staff/tickets/{ticket}/transfer", data={"department": "Contact centre"})
    assert conflict.status_code in (409, 422)
    assert MENU in conflict.text and SIGN_IN not in conflict.text
    anonymous = httpx.get(f"{served.origin}/staff/login", timeout=30)
    assert MENU not in anonymous.text  # and no menu for someone who is not signed in


def test_the_queue_and_the_api_show_each_residents_latest_question_redacted_and_cut(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    asked = (
        "<b>Urgent</b> my email is jane.doe@example.com, how much does a residential parking permit "
        "cost for a second car in the north district, and can I pay it online?"
    )
    ticket = waiting_ticket(stack, resident, asked)
    ann = staff(stack, served, "agent-preview", "Ann Preview")
    listed = ann.get("/api/v1/staff/tickets").json()["tickets"]
    question = next(t for t in listed if t["id"] == ticket)["question"]
    assert question.startswith("<b>Urgent</b> my email is [EMAIL], how much")  # not "talk to a person"
    assert len(question) <= 120 and question.endswith("…") and "jane.doe" not in question
    page = ann.get("/staff/queue").text
    assert "&lt;b&gt;Urgent&lt;/b&gt; my email is [EMAIL]" in page and "<b>Urgent" not in page
    assert '<th scope="col">Question</th>' in page


def test_a_transfer_note_goes_to_the_next_agent_redacted_and_never_to_the_resident(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-note", "Ann Note")
    ticket = claimed_ticket(stack, resident, ann, "How much does a residential parking permit cost?")
    current = desk_of(stack).store.get(ticket).department
    target = next(d.name for d in desk_of(stack).directory.all() if d.name != current)
    too_long = ann.post(
        f"/api/v1/staff/tickets/{ticket}/transfer", json={"department": target, "note": "x" * 501}
    )
    assert too_long.status_code == 422 and "note" in too_long.json()["message"]
    refused = ann.post(f"/staff/tickets/{ticket}/transfer", data={"department": target, "note": "y" * 600})
    assert refused.status_code == 413 and "600 characters long; the limit is 500" in refused.text
    assert desk_of(stack).store.get(ticket).department == current  # nothing moved

    note = "She already paid; call her back on 212-555-0187 about the refund."
    moved = ann.post(f"/staff/tickets/{ticket}/transfer", data={"department": target, "note": note})
    assert (moved.status_code, moved.headers["location"]) == (
        303,
        f"/staff/queue?notice=transferred&ticket={ticket}",
    )
    assert f"Ticket transferred to {target}." in ann.get(moved.headers["location"]).text

    detail = ann.get(f"/api/v1/staff/tickets/{ticket}").json()
    notes = [m for m in detail["messages"] if m["role"] == "note"]
    assert [(m["author"], "[PHONE]" in m["text"], "212-555-0187" in m["text"]) for m in notes] == [
        ("Ann Note", True, False)
    ]
    bea = staff(stack, served, "agent-next", "Bea Next")
    page = bea.get(f"/staff/tickets/{ticket}").text
    assert "Note from Ann Note, with the transfer" in page and "call her back on [PHONE]" in page
    stream = read_stream(resident.events_url, until=lambda s: "transferred" in s.kinds())
    assert "refund" not in json.dumps([e.data for e in stream.events])  # the resident never sees it


def test_an_agents_reply_with_masked_data_says_the_resident_got_it_as_written(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-masked", "Ann Masked")
    ticket = claimed_ticket(stack, resident, ann)
    sent = ann.post(f"/api/v1/staff/tickets/{ticket}/messages", json={"text": "Call 212-555-0187 today."})
    plain = ann.post(f"/api/v1/staff/tickets/{ticket}/messages", json={"text": "Anything else?"})
    assert (sent.json()["masked"], plain.json()["masked"]) == (True, False)
    assert "[PHONE]" in sent.json()["text"]
    own = ann.get(f"/staff/tickets/{ticket}").text
    assert own.count("Personal data is masked in the record") == 1
    assert "the resident received it as you wrote it." in own
    boss = staff(stack, served, "supervisor-masked", "Sam Masked", role="supervisor")
    assert "the resident received it as written." in boss.get(f"/staff/tickets/{ticket}").text


def test_the_reply_box_cuts_nothing_and_counts_characters(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    ann = staff(stack, served, "agent-count", "Ann Count")
    ticket = claimed_ticket(stack, resident, ann)
    page = ann.get(f"/staff/tickets/{ticket}").text
    box = re.search(r'<textarea id="reply-text"[^>]*>', page)
    assert box is not None and "maxlength" not in box.group(0)
    assert 'aria-describedby="reply-hint reply-count"' in box.group(
        0
    ) and 'data-max-chars="2000"' in box.group(0)
    assert 'id="reply-count-live" class="visually-hidden" aria-live="polite"' in page
