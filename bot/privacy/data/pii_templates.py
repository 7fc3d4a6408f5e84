"""Message templates for `build_pii_dataset.py`.

UPPER-case slots are labelled entities: EMAIL, SPELLEDEMAIL ("ann dot lee at gmail dot com"), PHONE
(any written form), LOCALPHONE (seven digits), BAREPHONE (ten digits, no separators), CARD, SSN,
BARESSN (nine bare digits), IBAN, IP, CNID, PASSPORT.

Lower-case slots are plain text that must not be flagged: name, street, date, time, amount, ref,
permit, shortpermit (NNN-NNNN), order, parcel (NNN-NNN-NN), postcode, count, route, minutes, unit,
version, docref (passport-shaped, no "passport" nearby), badcard (fails Luhn), badiban (wrong check
digits), badcnid (wrong check character or impossible date), badssn (area 000/666/9xx, group 00).

Most templates are what the detector is built to find. `KNOWN_LIMITS` are known misses and a known
false alarm, each used a fixed number of times, so that the figures stay honest.
"""

from __future__ import annotations

POSITIVE: dict[str, list[str]] = {
    "EMAIL_ADDRESS": [
        "my email is {EMAIL}",
        "Please send the permit confirmation to {EMAIL}, thanks!",
        "{EMAIL} is the best way to reach me about case {ref}.",
        "Hi, I never got the reset link. The account is {EMAIL}",
        "Can you email the receipt for {amount} to {EMAIL} instead of posting it?",
        "I changed my address from {EMAIL} to {EMAIL} last week, which one do you have?",
        "hello its {name}, write to {EMAIL} pls",
        "The noise complaint from {date} was filed under {EMAIL}.",
        "Reply-to: {EMAIL} (I check it every evening)",
        "My landlord's email is {EMAIL} if you need to contact him about the repairs.",
        "Is {EMAIL} still subscribed to the street cleaning alerts for {street}?",
        "Send the bulky waste pickup slot for {date} to {EMAIL}.",
    ],
    "PHONE_NUMBER": [
        "call me on {PHONE} please",
        "You can reach me at {PHONE} after {time}.",
        "{PHONE} is my mobile, text me when the permit is ready.",
        "My number is {PHONE}, I live at {street}.",
        "Please have the inspector phone {PHONE} before coming on {date}.",
        "Best number to call is {PHONE}",
        "My landline is {PHONE} but I'm rarely home.",
        "Contact: {PHONE} ({name})",
        "If the line drops, ring me back on {PHONE}.",
        "Could someone from parking call {LOCALPHONE}? It's about ticket {ref}.",
        "call me at {LOCALPHONE} about the pothole",
        "My cell is {LOCALPHONE}, my work phone is {PHONE}.",
        "I'm a visitor, my phone is {PHONE}, is the museum open on {date}?",
    ],
    "CREDIT_CARD": [
        "I paid with card {CARD} and was charged twice",
        "The parking meter took my card {CARD} but printed no ticket.",
        "Charge the {amount} permit fee to {CARD}, expiry 09/27.",
        "{CARD} was billed {amount} for a ticket I already paid on {date}.",
        "My Visa {CARD} got declined on the water bill portal.",
        "refund please to card number {CARD}",
        "I see two payments of {amount} on {CARD} for one dog licence.",
        "Which card did I use? Probably {CARD}, or my other one.",
        "card: {CARD} / name: {name} / reason: duplicate charge",
        "Please cancel the recurring payment on {CARD} for the recycling bin.",
        "The kiosk at {street} rejected {CARD} three times.",
    ],
    "US_SSN": [
        "My SSN is {SSN}, do you need it for the tax relief form?",
        "social security number {SSN}",
        "For the senior discount they asked for my SSN: {SSN}",
        "{SSN} is my social security number, is it safe to send here?",
        "ssn {SSN} - is that needed for the housing application?",
        "My husband's SSN is {SSN} and mine is {SSN}.",
        "The form from {date} has my SSN wrong, it should be {SSN}.",
        "I typed {SSN} as the SSN on the utility assistance form, was that right?",
        "SSN: {BARESSN}",
        "my social security number is {BARESSN}, the clerk needs it by {date}",
        "I gave {SSN} when I signed up for the rent relief program.",
        "Do you store SSNs? I entered {BARESSN} for the rebate.",
    ],
    "IBAN_CODE": [
        "Please refund the deposit to my IBAN {IBAN}",
        "IBAN: {IBAN} (account holder {name})",
        "Can I pay the waste fee by transfer from {IBAN}?",
        "{IBAN} is the account for the rent subsidy.",
        "my bank account is {IBAN}, it is a European account",
        "The refund of {amount} went to {IBAN} but that account is closed.",
        "Use {IBAN} for the direct debit starting {date}.",
        "I moved here from Europe and my salary goes to {IBAN}, can I use it for city fees?",
        "transfer reference {ref}, sent from {IBAN} on {date}",
        "Does the city accept SEPA payments from {IBAN}?",
    ],
    "IP_ADDRESS": [
        "The portal blocked my IP {IP} after three failed logins.",
        "I'm connecting from {IP} and the payment page won't load.",
        "my router says {IP}, is the city site down?",
        "Library wifi gave me {IP} and I can't open the forms.",
        "Access denied for {IP} when I try to download the form for case {ref}.",
        "{IP} keeps getting a 403 on the permit portal since {date}.",
        "Your firewall banned {IP}, I only tried to pay {amount}.",
        "Login history shows {IP} on {date} at {time}, that wasn't me!",
        "Is {IP} on some block list? The bill page says forbidden.",
        "The error page showed my address {IP} and code 1020.",
    ],
    "CN_RESIDENT_ID": [
        "I'm a Chinese citizen living here; my resident ID number is {CNID}.",
        "Chinese ID card {CNID} - can I use it to register for the library?",
        "My wife's PRC identity card number is {CNID}, she needs a residence certificate.",
        "{CNID} is on my Chinese ID, is that enough for the bike share?",
        "For the foreign resident registration I have ID {CNID} and my visa.",
        "The form rejected {CNID}, it says 18 characters but that is what I typed.",
        "my id number {CNID} from China, appointment on {date}",
        "Hello, I am {name}'s mother, her ID is {CNID}.",
        "Can the city office verify a Chinese resident ID like {CNID}?",
        "身份证 {CNID}, I need the tenancy registration form in English.",
    ],
    "PASSPORT": [
        "My passport number is {PASSPORT}, can I use it as ID at the library?",
        "Passport: {PASSPORT}",
        "Is a passport like {PASSPORT} enough for the parking permit?",
        "{PASSPORT} is my passport number, it expires on {date}.",
        "I lost my passport ({PASSPORT}) on the tram, who do I report it to?",
        "passport no. {PASSPORT}, issued in Manila",
        "The clerk wrote down my passport number {PASSPORT} wrong.",
        "For the residence registration I have passport {PASSPORT} and a rental contract.",
        "my son's passport, number {PASSPORT}, expires next month",
        "Do I need to bring passport {PASSPORT} or just a copy to the appointment at {time}?",
        "I renewed my passport; the new one is {PASSPORT}.",
    ],
}

MIXED = [
    "Email {EMAIL} or call {PHONE} about case {ref}.",
    "I paid {amount} with {CARD}; send the receipt to {EMAIL}.",
    "Refund to {IBAN} please, questions to {PHONE}.",
    "My passport is {PASSPORT} and my email is {EMAIL}.",
    "Chinese ID {CNID}, phone {PHONE}, moving in on {date}.",
    "SSN {SSN}, email {EMAIL} - for the property tax exemption.",
    "Logged in from {IP} as {EMAIL} and got locked out.",
    "Card {CARD} was charged, my IBAN for the refund is {IBAN}.",
    "{EMAIL} / {PHONE} / passport {PASSPORT}",
    "The site blocked {IP}; text me at {PHONE} when it's fixed.",
    "Passport {PASSPORT} and resident ID {CNID} are both in the upload for permit {permit}.",
    "call {LOCALPHONE} or write to {EMAIL}",
]

NEGATIVE = [
    "Any update on case {ref}? I submitted it on {date}.",
    "My reference is {ref}, the fine was {amount}.",
    "I was charged {amount} on {date} at {time} for parking.",
    "The council meeting is on {date} at {time}, is it open to the public?",
    "The streetlight outside {street} has been out since {date}.",
    "Building permit {permit} was approved, when can work start?",
    "Permit number {permit} shows as pending since {date}.",
    "We have {count} trees on our block and none were trimmed this year.",
    "{count} households signed the petition about the bus route.",
    "Order {order} for the recycling bin hasn't arrived yet.",
    "Invoice {order} says {amount}, but the quote was lower.",
    "My postcode is {postcode}, which collection day is mine?",
    "Is {postcode} inside the snow emergency zone?",
    "Section {version} of the noise bylaw says quiet hours start at {time}.",
    "The permit app (version {version}) crashes when I upload photos.",
    "How much are passport photos at the service center? I have {amount}.",
    "Where do I renew a passport? The office on {street} was closed on {date}.",
    "My card {badcard} was declined at the pool, but that number looks off anyway.",
    "I typed {badcard} on the form and it said invalid.",
    "The bank form shows {badiban}, is that a valid account?",
    "Someone sent me {badiban} to pay a fine, is this a scam?",
    "The ID on the letter, {badcnid}, seems wrong to me.",
    "My friend's number {badcnid} was rejected by the online form.",
    "The letter lists SSN {badssn}, that can't be a real one.",
    "Is {badssn} a valid social security number? The form accepted it.",
    "Ticket {docref} was issued on {date} at {street}.",
    "My library card is {docref}, can I book a room for {date}?",
    "Vehicle registration {docref} got a ticket for {amount}.",
    "Tracking number {order} shows the bin was delivered on {date}.",
    "The hearing for case {ref} moved to {date} at {time}.",
    "Bus {route} was {minutes} minutes late again this morning.",
    "The water bill for {date} is {amount}, last year it was {amount}.",
    "Can I pay {amount} in installments for ticket {ref}?",
    "Route {route} stops at {street} every {minutes} minutes, right?",
    "Apartment {unit} at {street} has no heating since {date}.",
    "My dog licence {permit} expires on {date}.",
    "Zoning file {ref}, lot {order}, hearing on {date}.",
    "The property tax for parcel {parcel} went up to {amount}.",
    "In {count} the city planted {count} trees here, now half are dead.",
    "Is the form for permit {permit} the same as for {permit}?",
]

# Known misses and false alarms of the detector's design (see bot/privacy/recognizers.py).
KNOWN_LIMITS = [
    "write to me at {SPELLEDEMAIL}, I don't want bots scraping it",  # spelled out: not an address
    "my number is {BAREPHONE} (sorry, no dashes)",  # bare digits and no phone word
    "my social is {BARESSN} if you need it",  # "social" alone is not SSN context
    "Passport details: issued in Lagos in 2019, valid for ten years, the number is {PASSPORT}.",
    "Should I call the office about permit {shortpermit}?",  # false alarm: "call" + NNN-NNNN
]
