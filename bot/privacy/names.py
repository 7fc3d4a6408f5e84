"""Names, where the message introduces one: "my name is Maria Lopez", "I'm Joshua Thompson, SSN ...",
"call me Jennifer Lopez", "I am called Sarah Connor", "the name on the account is Emily Davis",
"account holder: Mark Dorsey", "Contact: Luis Ramirez", "This is John Smith, ...", "John Snyder Jr.
here", "thanks, Ana", "Yours, Clark", "Signed, Tom Baker", "Thanks\n-- Bruce Wayne", a name after a
title ("Dr. Aisha Khan") or after the relative it is ("my husband is John Doe", "my daughter
Emily"), a contact block that starts with one ("Amanda Kim, 489 Wolfe Throughway, ..."), a
signature: a name alone on its line with only an email address or a phone number on the next, or after
a dash on the message's last line ("-Maria Lopez"), a sign-off perhaps a blank line before it ("Best
regards\n\nMaria Lopez"), a sender before a colon ("From Maria Lopez: my bin ..."); and a name in
structured text, a JSON key or a form field that names it ({"first_name": "Maria"}, "name=Maria+Lopez"
once decoded), or in capitals after "name:" ("Full name: LOPEZ, Maria"); a name before "is my name",
after "thanks" with no comma ("thanks Maria Lopez"), with initials ("signed M. Lopez"), and, where the
words alone cannot tell (in lower case after "i'm", "it's", "this is": "i'm maria lopez"; one word after a
spaced dash at the end: "... please - Maria"; "Last, First" opening the message: "Lopez, Maria - any
news"), when they are known first names and surnames (`bot.privacy.given_names`).

There is no named-entity model here (none ships with askcity), so a name is found only after (or, for
"... here", before) words that introduce one, and only in capitals: "i'm looking for" or "this is
Harbourview Community Centre?" stay as written. A name is one to three capitalised words, with a title
before it and a suffix after it; words that follow "I'm" without being names ("I'm Canadian", "I'm
Retired") are not taken. Names nobody introduces ("Contact: 555-0142 (Amy Mckenzie)") are missed: that
needs a model.

Plain `re`, no presidio: the detector's pre-filter (`detection._may_hold_pii`) asks the same question
as the recognizer (`recognizers/person.py`) before deciding to run the analyzer.
"""

from __future__ import annotations

import re

from bot.privacy.folding import fold_letters
from bot.privacy.given_names import is_first_name, is_surname

# A capitalised word of a name: "Maria", "O'Brien", "McDonald", "Jean-Luc", "O'Brien-Smith".
# An apostrophe inside a name takes a capital after it ("D'Angelo" is the prefix form): "Tom's" is
# "Tom" and a possessive.
_WORD = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:(?:-[A-Z]?[a-z]+|['’][A-Z][a-z]+)(?:[A-Z][a-z]+)?)*"
# An initial before a word of a name: "M. Lopez", "John F. Kennedy" (a space after it: "U.S. Citizen" and
# "P.S. Bins were missed" are no names).
_INITIAL = r"[A-Z]\.[ \t]+"
_NAME = (
    rf"(?P<name>(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?[ \t]+)?(?:{_INITIAL}){{0,2}}{_WORD}"
    rf"(?:[ \t]+(?:{_INITIAL})?{_WORD}){{0,2}}"
    r"(?:[ \t]+(?:Jr|Sr)\.?|[ \t]+(?:II|III|IV))?)"
)
# Words that introduce a name right after them (any case).
_BEFORE = (
    r"(?i:\b(?:my[ \t]+name[ \t]+is|my[ \t]+name's|name[ \t]*[:=]|name[ \t]+is|"
    r"name[ \t]+on[ \t]+(?:the|my|our|his|her|their)[ \t]+\w+|name|account[ \t]+holder|"
    r"under[ \t]+(?:the|my[ \t]+\w+'s)[ \t]+name(?:[ \t]+of)?|on[ \t]+behalf[ \t]+of|"
    r"(?:i[ \t]+am|i'?m)[ \t]+(?:called|named)|i[ \t]+am|i'?m|calls?[ \t]+me|"
    r"(?:hi|hello|hey)[,!]?[ \t]+(?:it'?s|this[ \t]+is)|signed|(?:kind[ \t]+|best[ \t]+)?regards,?|"
    r"thanks,|thank[ \t]+you,|cheers,|sincerely,?|best,|yours(?:[ \t]+(?:truly|sincerely|faithfully),?|,)|"
    r"(?:hi|hello|dear)))"
)
_INTRODUCED = re.compile(rf"{_BEFORE}(?:[ \t]*[:=,–-]|[ \t]+is)?[ \t]+{_NAME}")
# A label and a colon or dash before a name: "Contact: Luis Ramirez", "From: Tom Baker <tom@...>".
_LABELLED = re.compile(
    r"(?i:\b(?:contact|from|to|attn|attention|applicant|resident|tenant|landlord|owner|requester|caller|"
    r"customer|guardian|parent|mother|father|spouse|deceased|name[ \t]+of[ \t]+(?:the[ \t]+)?deceased|"
    r"(?:licen[cs]e|permit|card|policy)[ \t]*holder|submitted[ \t]+by|signed[ \t]+by|sent[ \t]+by|"
    r"full[ \t]+name|account[ \t]+name)[ \t]*[:–-])"
    rf"[ \t]*{_NAME}"
)
# "This is John Smith, ..." / "It's Ana." at the start of a sentence, the name closed by punctuation
# ("This is Harbourview Community Centre?" asks about a place and stays).
_THIS_IS = re.compile(
    rf"(?:^|[.!?][ \t]+)(?i:this[ \t]+is|it['’]?s)[ \t]+{_NAME}"
    r"(?=[ \t]*(?:[,;!]|\.(?:\s|$)|$|[ \t]+(?i:and|calling|speaking|writing|here)\b))",
    re.MULTILINE,
)
# Words that make the capitalised words after a label or "This is" a place, a service or a day, not a
# person ("Contact: Parking Services", "It's Riverside Park", "It's Christmas Day").
NOT_PERSON_WORDS = frozenset(
    (
        "Services", "Service", "Transit", "Utility", "Utilities", "Park", "Parks", "Centre", "Center",
        "Library", "Department", "Dept", "Office", "Hall", "Street", "Avenue", "Road", "Day", "Council",
        "Authority", "Agency", "Company", "Inc", "Ltd", "Bank", "School", "College", "University",
        "Hospital", "Clinic", "Church", "Market", "Store", "Shop", "Station", "Club", "Pool", "Arena",
        "Garden", "Gardens", "Board", "Court", "Police", "Fire", "Water", "Housing", "Works", "Group",
        "Association", "Society", "Committee", "Commission", "Ministry", "Bureau", "Division", "Desk",
        "Records", "Elections", "Permits", "Licensing", "Recreation", "Waste", "Parking", "Collection",
    )
)  # fmt: skip
# A title makes a name of the capitalised words after it ("this is Dr. Aisha Khan", "ask Mrs Patel"),
# unless it follows a capitalised word or a number, as "Dr" does in "14 Oak Dr".
_TITLED = re.compile(
    rf"(?P<before>\b[A-Z0-9][\w'’-]*[ \t]+)?\b(?P<name>(?i:dr|mr|mrs|ms|miss|mx|prof)\.?[ \t]+{_WORD}"
    rf"(?:[ \t]+{_WORD}){{0,2}})"
)
# A relative or someone close, named: "my husband is John Doe", "my daughter Emily", "our neighbour,
# Tom Reyes", "my son's name is Leo".
_PEOPLE = (
    r"husband|wife|spouse|partner|son|daughter|child|kid|mother|mom|mum|father|dad|brother|sister|"
    r"grandson|granddaughter|grandmother|grandma|grandfather|grandpa|aunt|uncle|nephew|niece|cousin|"
    r"neighbou?r|tenant|roommate|flatmate|friend|boyfriend|girlfriend|fianc[eé]e?|"
    r"caregiver|carer"
)
_RELATIVE = re.compile(
    rf"(?i:\b(?:my|our|his|her|their)[ \t]+(?:{_PEOPLE})(?:['’]s[ \t]+name)?"
    rf"(?:[ \t]*,|[ \t]+(?:is|named|called))?)[ \t]+{_NAME}"
)
# After "my name is" (and only there) a name may be written "Last, First", in lower case or in capitals
# ("Full name: LOPEZ, Maria", "name: MARIA LOPEZ").
_STRONG = r"(?i:\b(?:my[ \t]+name[ \t]+is|my[ \t]+name's|name[ \t]*[:=]))"
_CAPS_WORD = r"[A-Z][A-Z'’-]+(?![A-Za-z])"
_LAST_FIRST = re.compile(
    rf"{_STRONG}[ \t]+(?P<last>{_WORD}|{_CAPS_WORD}),[ \t]+(?P<first>{_WORD}|{_CAPS_WORD})"
)
_LOWER = re.compile(rf"{_STRONG}[ \t]+(?P<name>[a-z][a-z'’-]+(?:[ \t]+[a-z][a-z'’-]+){{0,2}})\b")
# "thanks" with no comma before a name ("thanks Maria Lopez", "thank you John"), which is also "Thanks
# Millbrook": a known first name, or two words none of which names a place or a service
_THANKS = re.compile(rf"(?i:\b(?:thanks|thank[ \t]+you))[ \t]+{_NAME}")
# Words that introduce a name, but also everyday words ("i'm moving", "it's broken", "thanks a lot"):
# after them a name in lower case is taken only when its words are known names
# (`given_names`: "i'm maria lopez whats the status", "hi it's maria lopez").
_WEAK = (
    r"(?i:\b(?:i['’]?m|i[ \t]+am|it['’]?s|this[ \t]+is|thanks,?|thank[ \t]+you,?|cheers,?|regards,?|"
    r"signed,?))"
)
_NEXT_WORD = re.compile(r"[ \t]+([a-z]+)", re.IGNORECASE)
_PLACE_WORDS = NOT_PERSON_WORDS | frozenset(
    ("Drive", "Dr", "Lane", "Ln", "Way", "Place", "Boulevard", "Blvd", "Crescent", "Close", "Terrace",
     "Square", "St", "Rd", "Ave", "Parkway", "Highway", "Bridge", "Plaza", "Building", "House", "Estate")
)  # fmt: skip
_LOWER_WEAK = re.compile(rf"{_WEAK}[ \t]+(?P<name>[a-z]+(?:[ \t]+[a-z]+){{1,2}})\b")
# "Last, First" opening the message before a dash or a colon: "Lopez, Maria - any news on my benefit"
_LAST_FIRST_OPENING = re.compile(rf"\A[ \t]*(?P<last>{_WORD}),[ \t]+(?P<first>{_WORD})[ \t]*(?:[:–—]|-[ \t])")
_CAPITALS = re.compile(rf"{_STRONG}[ \t]+(?P<name>{_CAPS_WORD}(?:[ \t]+{_CAPS_WORD}){{0,2}})")
# what a form says when it has no name
_NO_NAME = frozenset(("N/A", "NA", "TBD", "TBC", "NONE", "NULL", "UNKNOWN", "ANON", "ANONYMOUS"))
# Structured text: a JSON key or a form field that names a name, then its value, in any case:
# {"first_name": "Maria", "last_name": "Lopez"}, {"name": "John Smith"}, "name=Maria Lopez&phone=…" (the
# form's "+" is a space once `bot.privacy.decoding` has read it). "user_name", "file_name" name no one;
# nor does a place or a service ({"name": "Main Library"}), and a form's bare "name=" only in capitals
# ("?name=search&q=bins" is a web address's query).
_NAME_KEYS = (
    r"(?:(?:full|first|last|given|family|middle|maiden|sur|fore|contact|customer|applicant|"
    r"resident|account|card[ _-]?holder|holder|owner|display)[ _-]?)?name|fname|lname"
)
_VALUE_WORDS = r"[A-Za-z][A-Za-z'’.-]*,?(?:[ \t]+[A-Za-z][A-Za-z'’.-]*,?){0,3}"
_FIELD = re.compile(
    rf"(?P<key_quote>[\"'])(?i:{_NAME_KEYS})(?P=key_quote)[ \t]*:[ \t]*(?P<quote>[\"'])"
    rf"(?P<name>{_VALUE_WORDS})(?P=quote)"
    rf"|(?<![\w.-])(?i:{_NAME_KEYS})=(?P<form_name>{_VALUE_WORDS})(?=&|[ \t]*$)",
    re.MULTILINE,
)
# A sender before a colon at the start of a line: "From Maria Lopez: my bin was not collected".
_FROM = re.compile(
    r"^[ \t]*(?i:from|message[ \t]+from|sent[ \t]+by)[ \t]+"
    rf"(?P<name>{_WORD}(?:[ \t]+{_WORD}){{1,2}})[ \t]*(?=:|<)",
    re.MULTILINE,
)
# A signature after a dash, on the message's last line: "-Maria Lopez", "-- Maria Lopez", "— Maria"
# (a bullet has a space after a single dash, and a list more than one line: "- Old Sofa" is no name).
_DASH_SIGNATURE = re.compile(rf"\n[ \t]*(?:-(?=[A-Z])|--[ \t]*|[–—][ \t]*){_NAME}[ \t]*\Z")
# ... or at the end of the message's last sentence, the dash glued to the name
# ("… thanks -Maria Lopez"), or set apart when the name starts with a known first name ("… please - Maria")
_DASH_AT_END = re.compile(
    rf"(?:[.!?,][ \t]*|[ \t]+)(?:-(?=[A-Z])|--[ \t]*|[–—][ \t]*|(?P<spaced>-[ \t]+)){_NAME}[ \t]*\Z"
)
# At the start of a line, a name and the role the writer gives in brackets: "Maria Lopez (resident)
# asking about parking", "John Smith (tenant, flat 3): …"
_ROLES = (
    r"resident|tenant|owner|homeowner|home[ \t]+owner|landlord|landlady|leaseholder|renter|occupant|"
    r"parent|guardian|neighbou?r|applicant|caller|customer|member|volunteer|student|carer|caregiver|"
    r"business[ \t]+owner|property[ \t]+owner|ratepayer|taxpayer|citizen|local"
)
_NAME_AND_ROLE = re.compile(
    rf"^[ \t]*(?P<name>{_WORD}(?:[ \t]+{_WORD}){{1,2}})[ \t]*\((?i:{_ROLES})\b[^)\n]{{0,30}}\)",
    re.MULTILINE,
)
# A first name (or a full one) right before an e-mail address whose mailbox holds it: "contact maria
# maria.lopez@example.org", "Maria Lopez <maria.lopez85@gmail.com>" (in any case: the mailbox says it
# is a name)
_BEFORE_EMAIL = re.compile(
    r"(?P<name>(?<![\w'’.@-])[A-Za-z][a-z'’-]+(?:[ \t]+[A-Za-z][a-z'’-]+)?)[ \t]*[<(\[]?[ \t]*"
    r"(?P<local>[\w.+-]+)@"
)
_MAILBOX_PARTS = re.compile(r"[a-z]{2,}")
_BULLET = re.compile(r"^[ \t]*(?:[-–—*•]|\d+[.)])", re.MULTILINE)
# "John Snyder Jr. here", "Maria Lopez is my name"
_HERE = re.compile(
    rf"(?:^|[,.!?][ \t]+){_NAME}[ \t]+(?:here\b|(?i:is[ \t]+my[ \t]+(?:full[ \t]+)?name)\b)", re.MULTILINE
)
# A contact block: the name first, then a comma and an address or a number ("Amanda Kim, 489 Wolfe ...").
_CONTACT = re.compile(rf"^{_NAME},[ \t]+(?=[\d+(])", re.MULTILINE)
# A signature: a name alone on its line, and on the next line only contact details (`_contact_line`):
# "...thanks\nJohn Smith\njohn@example.org", "Best,\nBonnie\nPhone: 0033 6 71 95 57 11".
_SIGNATURE = re.compile(rf"^[ \t]*{_NAME}[ \t]*\n(?=(?P<next>[^\n]*))", re.MULTILINE)
# A sign-off on its own line, then a name alone on the next ("Thanks,\nRenée Dubois"), perhaps after a
# signature's dashes ("Thanks\n-- Bruce Wayne").
_SIGN_OFF = re.compile(
    r"(?i:\b(?:thanks(?:[ \t]+(?:again|so[ \t]+much|in[ \t]+advance))?|"
    r"thank[ \t]+you(?:[ \t]+(?:again|so[ \t]+much))?|"
    r"many[ \t]+thanks|with[ \t]+thanks|cheers|sincerely|respectfully|cordially|warmly|take[ \t]+care|"
    r"all[ \t]+the[ \t]+best|rgds|thx|"
    r"(?:with[ \t]+)?(?:kind[ \t]+|best[ \t]+|warm[ \t]+|warmest[ \t]+)?regards|best(?:[ \t]+wishes)?|"
    r"yours(?:[ \t]+(?:truly|sincerely|faithfully))?))[,.!]?[ \t]*(?:\n[ \t]*){1,3}(?:(?:--?|[–—])[ \t]*)?"
    rf"{_NAME}[ \t]*$",
    re.MULTILINE,
)
_AT = re.compile(r"@|[\[(]at[\])]|\bat\b", re.IGNORECASE)
_DOT = re.compile(r"\.|\bdot\b", re.IGNORECASE)
_NUMBER_RUN = re.compile(r"\+?\(?\d[\d ()./-]{5,}\d")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
# Capitalised words that follow "I'm", "name", "hi" without being a name.
NOT_NAMES = frozenset(
    (
        "A", "An", "The", "This", "That", "There", "Here", "Not", "So", "Very", "Just", "Still", "Also",
        "Only", "Really", "Sorry", "Looking", "Trying", "Going", "Calling", "Writing", "Asking",
        "Wondering", "New", "Retired", "Disabled", "Unemployed", "Pregnant", "Single", "Married",
        "Divorced", "Widowed", "Homeless", "Canadian", "American", "British", "English", "Irish",
        "Scottish", "Welsh", "French", "German", "Spanish", "Italian", "Chinese", "Indian", "Mexican",
        "Brazilian", "Japanese", "Korean", "Filipino", "Vietnamese", "Ukrainian", "Polish", "Russian",
        "Arabic", "Muslim", "Jewish", "Christian", "Catholic", "Monday", "Tuesday", "Wednesday",
        "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December", "Team", "All", "Everyone",
        "There", "Sir", "Madam", "Mam", "Ma'am", "Folks", "Guys", "City", "Council", "Department",
        "Office", "Staff", "Support", "Bot", "Hello", "Hi", "Hey", "Thanks", "Thank", "Please", "Yes",
        "No", "Ok", "Okay", "Good", "Great", "Fine", "Well", "Back", "Home", "Done", "Confused",
        "Interested", "Available", "In", "On", "At", "From", "With", "For", "To", "Of", "And", "Or", "But",
        "If", "When", "Where", "What", "Why", "How", "Who", "Which", "You", "Your", "We", "Our", "They",
        "Their", "He", "She", "His", "Her", "It", "Its", "My", "Me", "Us", "Can", "Could", "Would", "Will",
        "Should", "Is", "Are", "Was", "Were", "Do", "Does", "Did", "Have", "Has", "Had", "Let", "Sure",
        "Glad", "Happy", "Any", "Some", "Every", "Each", "Again", "Now", "Today", "Tomorrow", "Yesterday",
        # when, after "call me" ("call me Later", "call me After 5")
        "After", "Before", "Later", "Next", "Soon", "Tonight", "Anytime", "Asap", "Urgently", "Instead",
        # roles staff and residents sign with ("Supervisor here, stepping in.")
        "Supervisor", "Agent", "Manager", "Officer", "Clerk", "Inspector", "Admin", "Administrator",
        "Operator", "Receptionist", "Caseworker", "Resident", "Landlord", "Tenant", "Owner", "Neighbour",
        "Neighbor", "Parent", "Volunteer",
    )
)  # fmt: skip


# Lower-case words after "my name is" that do not start a name ("my name is on the lease").
_NOT_LOWER_NAMES = frozenset(
    (
        "listed", "spelled", "spelt", "written", "wrong", "missing", "misspelled", "different", "changed",
        "correct", "incorrect", "there", "here", "also", "still", "too", "as", "in", "on", "not", "under",
    )
)  # fmt: skip


def _contact_line(line: str) -> bool:
    """An email address (also written "name at host dot com") or a phone number (seven digits or more),
    perhaps after its label, and little else."""
    words = line.split()
    if not words or len(words) > 8:
        return False
    if _AT.search(line) and _DOT.search(line) and len(words) <= 6:
        return True
    letters = sum(ch.isalpha() for ch in line)
    return letters <= 12 and any(
        sum(ch.isdigit() for ch in run) >= 7 and not _DATE.match(run.strip("()+ "))
        for run in _NUMBER_RUN.findall(line)
    )


def _after_a_word(match: re.Match[str], words: list[str]) -> bool:
    """A title that is no title: after a capitalised word or a number ("Maple Dr Smithfield", "14 Oak
    Dr"), or before a word that is not a name ("Dr. Who")."""
    return bool(match.group("before")) or words[1] in NOT_NAMES


def introduced_names(text: str) -> list[tuple[int, int]]:
    """(start, end) of each name the text introduces, and of every other place the same name appears
    ("This is Robert Smith, ... Thanks, Robert Smith"). Names of any script's letters are read as
    their ASCII skeleton ("José Álvarez", "Nguyễn Văn An", "Łukasz Żółć"), which has the text's length."""
    text = fold_letters(text)
    found = _introduced(text)
    names = {text[start:end] for start, end in found}
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w'’-]){re.escape(name)}(?![\w'’-])", text):
            if not any(s <= match.start() < e or s < match.end() <= e for s, e in found):
                found.append(match.span())
    return sorted(set(found))


def _structured(text: str) -> list[tuple[int, int]]:
    """Names in JSON and form fields, in capitals after "name:", after "From" and a dash."""
    found = []
    for match in _FIELD.finditer(text):
        group = "name" if match.group("name") else "form_name"
        start, end = match.span(group)
        words = [word.strip(",.") for word in text[start:end].split()]
        bare_form_key = group == "form_name" and match.group().lower().startswith("name=")
        if (
            text[start:end].rstrip(",").strip().upper() not in _NO_NAME
            and not {word.capitalize() for word in words} & (NOT_NAMES | NOT_PERSON_WORDS)
            and not (bare_form_key and not all(word[:1].isupper() for word in words))
        ):
            found.append((start, end))
    for match in _CAPITALS.finditer(text):
        if match.group("name") not in _NO_NAME:
            found.append(match.span("name"))
    for match in _FROM.finditer(text):
        words = match.group("name").split()
        if not set(words) & (NOT_NAMES | NOT_PERSON_WORDS):
            found.append(match.span("name"))
    for match in _NAME_AND_ROLE.finditer(text):
        words = match.group("name").split()
        if not set(words) & (NOT_NAMES | NOT_PERSON_WORDS):
            found.append(match.span("name"))
    for match in _BEFORE_EMAIL.finditer(text) if "@" in text else ():
        parts = set(_MAILBOX_PARTS.findall(match.group("local").lower()))
        start, end = match.span("name")
        tokens = list(re.finditer(r"\S+", text[start:end]))
        last = tokens[-1].group()
        if len(last) > 2 and last.lower() in parts and last.capitalize() not in NOT_NAMES:
            first = tokens[0] if tokens[0].group().lower() in parts else tokens[-1]
            found.append((start + first.start(), end))
    end_dash = _DASH_AT_END.search(text) if "\n" not in text[-80:] else None
    if end_dash is not None:
        words = [w.rstrip(".") for w in end_dash.group("name").split()]
        # one word, or a dash set apart, only when it starts with a known first name ("… please - Maria";
        # not "… - Urgent", "… bins - Green Bin")
        known = is_first_name(words[0])
        if (known or (len(words) >= 2 and not end_dash.group("spaced"))) and not set(words) & (
            NOT_NAMES | NOT_PERSON_WORDS
        ):
            found.append(end_dash.span("name"))
    signature = _DASH_SIGNATURE.search(text)
    if signature is not None:
        lines = text[: signature.start()].rstrip("\n").split("\n")
        words = [w.rstrip(".") for w in signature.group("name").split()]
        if not _BULLET.match(lines[-1]) and not set(words) & (NOT_NAMES | NOT_PERSON_WORDS):
            found.append(signature.span("name"))
    return found


def _introduced(text: str) -> list[tuple[int, int]]:
    found = _structured(text)
    for match in _LAST_FIRST.finditer(text):
        for group in ("last", "first"):
            start, end = match.span(group)
            if text[start:end] not in NOT_NAMES:
                found.append((start, end))
    for match in _LAST_FIRST_OPENING.finditer(text):
        if is_first_name(match.group("first")) and not {match.group("last"), match.group("first")} & (
            NOT_NAMES | NOT_PERSON_WORDS
        ):
            found.append((match.start("last"), match.end("first")))
    for match in _LOWER_WEAK.finditer(text):
        found.extend(_known_lower_name(match))
    for match in _LOWER.finditer(text):
        start, end = match.span("name")
        last = start
        for word in re.finditer(r"\S+", text[start:end]):
            if word.group().capitalize() in NOT_NAMES or word.group() in _NOT_LOWER_NAMES:
                break
            last = start + word.end()
        if last > start:
            found.append((start, last))
    for pattern in (
        _INTRODUCED,
        _LABELLED,
        _THIS_IS,
        _TITLED,
        _RELATIVE,
        _SIGN_OFF,
        _HERE,
        _THANKS,
        _CONTACT,
        _SIGNATURE,
    ):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            words = [w.rstrip(".") for w in text[start:end].split()]
            if pattern is _SIGNATURE:
                # no cue before a signature: its next line must be contact details, and none of its
                # words one that is not a name ("Water Department\nemail: ...")
                if not _contact_line(match.group("next")) or set(words) & NOT_NAMES:
                    continue
            elif (
                words[0] in NOT_NAMES
                or (pattern is _TITLED and _after_a_word(match, words))
                or (pattern is _THANKS and not _thanked(words))
                # an initial before a word that is no name ("I'm A. Smith" stays, "It's B. Please help")
                or (any(len(word) == 1 for word in words) and set(words) & NOT_NAMES)
            ):
                continue
            elif pattern in (_LABELLED, _THIS_IS) and (
                set(words) & NOT_PERSON_WORDS or (pattern is _THIS_IS and len(words) < 2)
            ):
                continue  # a place, a service or a day; "It's Eastgate." names no one
            found.append((start, end))
    return found


def _thanked(words: list[str]) -> bool:
    """Whether the words after "thanks" with no comma are a name: a known first name, or two words or
    more, none of which names a place or a service ("thanks John", "thanks Maria Lopez"; not "Thanks
    Millbrook", "thanks Parking Services")."""
    return (is_first_name(words[0]) or len(words) >= 2) and not set(words) & NOT_PERSON_WORDS


def _known_lower_name(match: re.Match[str]) -> list[tuple[int, int]]:
    """The lower-case name after a weak cue: a known first name, then a known surname (or first name),
    perhaps a second surname ("maria lopez", "maria garcia lopez"); nothing if the words are not."""
    start = match.start("name")
    words = list(re.finditer(r"[a-z]+", match.group("name")))
    first, second = words[0].group(), words[1].group()
    if not is_first_name(first) or not (is_surname(second) or is_first_name(second)):
        return []
    end = words[1].end()
    if len(words) > 2 and is_surname(words[2].group()):
        end = words[2].end()
    if {word.group().capitalize() for word in words[:2]} & NOT_NAMES:
        return []
    after = _NEXT_WORD.match(match.string, start + end)
    if after is not None and after.group(1).capitalize() in _PLACE_WORDS:
        return []  # a street or a place named after someone: "it's martin luther king drive"
    return [(start, start + end)]
