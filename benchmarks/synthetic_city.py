"""A synthetic city's knowledge base of about 10,000 chunks, outside the repository's sample knowledge base,
for the publish-switch benchmark (benchmarks/publish_switch.py).

1,000 service pages (100 services in 10 districts), each a Markdown file with a metadata sidecar: a title,
an introduction and nine short sections ("Who can apply", "Fees", "How to apply", ...) written from
templates with varied slots (amounts, days, rooms, phone numbers), so that every section is one chunk of
a realistic size (two or three sentences) and the sentences are mostly distinct. Deterministic (seeded).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SERVICES = [
    f"{thing} {kind}"
    for thing in (
        "parking",
        "building",
        "tree removal",
        "sidewalk cafe",
        "street party",
        "dog licence",
        "garage sale",
        "fence",
        "sign",
        "driveway",
        "pool",
        "demolition",
        "film shoot",
        "noise exemption",
        "market stall",
        "solar panel",
        "shed",
        "deck",
        "water meter",
        "septic tank",
    )
    for kind in ("permit", "application", "inspection", "renewal", "appeal")
]
DISTRICTS = [
    "Northgate",
    "Riverside",
    "Old Town",
    "Hillcrest",
    "Eastfield",
    "Lakeshore",
    "Westbrook",
    "Millbrook Centre",
    "Southport",
    "Greenway",
]
DEPARTMENTS = [
    "Planning and Building",
    "Transportation",
    "Parks and Recreation",
    "Licensing",
    "Public Works",
    "Environmental Services",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = ["January", "March", "April", "May", "June", "September", "October", "November"]
SECTIONS: dict[str, list[str]] = {
    "Who can apply": [
        "Residents and property owners in {district} may apply for a {service}.",
        "Tenants need the written consent of the owner, dated within the last {n} days.",
        "Businesses registered in {district} apply with their licence number.",
        "Applicants under 18 need a parent or guardian to sign the form.",
    ],
    "Fees": [
        "The {service} costs {fee} dollars, payable when you apply.",
        "A late fee of {small} dollars applies after {month} {day}.",
        "Seniors and people receiving income support pay {small} dollars instead.",
        "Fees are not refunded once the review has started.",
    ],
    "How to apply": [
        "Apply online at the city's {district} service portal or in person at City Hall room {room}.",
        "Bring photo identification and a site plan drawn to scale.",
        "Applications sent by mail must arrive {n} business days before the start date.",
        "You will get a reference number by email within {small} minutes.",
    ],
    "Documents you need": [
        "You need proof of address issued within the last {n} days.",
        "Attach a drawing that shows the property lines and distances in metres.",
        "Corporations also send a certificate of incorporation.",
        "Photos of the site from the street help the reviewer decide faster.",
    ],
    "Processing time": [
        "Most {service} requests in {district} are decided within {n} business days.",
        "Complex cases that need a site visit take up to {weeks} weeks.",
        "You can check the status with your reference number at any time.",
        "Decisions are sent by email and by post.",
    ],
    "Opening hours": [
        "The {district} service counter is open {day1} to {day2}, 8:30 to {close}:00.",
        "It is closed on statutory holidays and on the first {day1} of {month}.",
        "Phone lines open at 9:00 and close half an hour before the counter.",
    ],
    "Inspections": [
        "An inspector from {department} visits within {n} days of approval.",
        "Someone aged 18 or over must be present during the inspection.",
        "If the work fails inspection, a second visit costs {small} dollars.",
    ],
    "Appeals": [
        "You may appeal a refusal within {n} days by writing to the {department} review board.",
        "The board meets on the second {day1} of every month in room {room}.",
        "An appeal costs {small} dollars, refunded if the appeal succeeds.",
    ],
    "Contact": [
        "Call {department} at 555-{phone} from {day1} to {day2}.",
        "Write to {email}@millbrook.example with your reference number.",
        "For emergencies outside office hours call 311.",
    ],
}


def _mailbox(department: str) -> str:
    return department.lower().replace(" ", "-")


def _fill(template: str, rng: random.Random, service: str, district: str, department: str) -> str:
    day1, day2 = sorted(rng.sample(range(len(DAYS)), 2))
    return template.format(
        service=service,
        district=district,
        department=department,
        n=rng.randint(3, 60),
        fee=rng.randint(20, 900),
        small=rng.randint(5, 90),
        weeks=rng.randint(2, 24),
        month=rng.choice(MONTHS),
        day=rng.randint(1, 28),
        room=rng.randint(100, 450),
        day1=DAYS[day1],
        day2=DAYS[day2],
        close=rng.randint(15, 19),
        phone=rng.randint(1000, 9999),
        email=_mailbox(department),
    )


def write_city(folder: Path, seed: int = 13) -> int:
    """Write the 1,000 pages (and sidecars) into `folder`; returns the number of pages."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pages = 0
    for s, service in enumerate(SERVICES):
        for district in DISTRICTS:
            department = DEPARTMENTS[(s + len(district)) % len(DEPARTMENTS)]
            title = f"{service.capitalize()} in {district}"
            slug = f"{service}-{district}".lower().replace(" ", "-")
            lines = [
                f"# {title}",
                "",
                _fill(
                    "This page explains how to get a {service} in {district}, what it costs and how long "
                    "it takes.",
                    rng,
                    service,
                    district,
                    department,
                ),
                "",
            ]
            for heading, templates in SECTIONS.items():
                picked = rng.sample(templates, rng.randint(2, min(3, len(templates))))
                lines += [f"## {heading}", ""]
                lines.append(" ".join(_fill(t, rng, service, district, department) for t in picked))
                lines.append("")
            (folder / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")
            meta = {
                "title": title,
                "department": department,
                "contact": f"{department}, 555-{1000 + s}, {_mailbox(department)}@millbrook.example",
                "language": "en",
                "source_uri": f"https://www.millbrook.example/services/{slug}",
            }
            (folder / f"{slug}.md.meta.json").write_text(json.dumps(meta), encoding="utf-8")
            pages += 1
    return pages
