"""The demo organisation's content: Harbour & Hearth Ltd, a UK retailer of home goods and electricals.

Everything here is plain data and text composition: who works there, what they
sell, and the stories behind each demo case, written from templates and varied
fragments with a seeded ``random.Random`` so a few hundred cases do not repeat.
``manage.py demo_load`` drives each story through the case services.

All people, brands, model numbers and couriers are invented. Customer email
addresses use the reserved ``example.*`` domains and phone numbers the Ofcom
drama range (07700 900xxx), so nothing in the demo can reach a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from putright.vocab import JustificationFactor as F
from putright.vocab import RemedyType as R
from putright.vocab import SourceKind

ORGANISATION = "Harbour & Hearth Ltd"


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    password: str
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name.lower()}.{self.last_name.lower()}@harbourandhearth.example"


STAFF = [
    StaffMember("agent", "Amira", "Hussain", "agent", "putright-agent"),
    StaffMember("jodie", "Jodie", "Pritchard", "agent", "putright-jodie"),
    StaffMember("kwame", "Kwame", "Mensah", "agent", "putright-kwame"),
    StaffMember("owen", "Owen", "Rees", "agent", "putright-owen"),
    StaffMember("supervisor", "Fiona", "MacLeod", "supervisor", "putright-supervisor"),
    StaffMember("manager", "Daniel", "Okoro", "manager", "putright-manager"),
    StaffMember("admin", "Helen", "Carter", "administrator", "putright-admin", superuser=True),
]

CATEGORIES = [
    ("Delivery", "delivery", "Missed slots, damaged or wrong items, parcels that never arrived."),
    (
        "Faulty goods",
        "faulty-goods",
        "Products that broke or never worked; Consumer Rights Act remedies apply.",
    ),
    ("Refunds & returns", "refunds-returns", "Returns refused, refunds late or short."),
    ("Billing & payments", "billing-payments", "Double charges, finance plans, price matches, gift cards."),
    (
        "Installation",
        "installation",
        "Installers who did not come, damage while fitting, old appliances left.",
    ),
    (
        "Staff conduct",
        "staff-conduct",
        "How a colleague in store, on the phone or on a delivery treated someone.",
    ),
    ("Website & app", "website-app", "Checkout errors, promotion codes, accounts and the app."),
    ("Stock & availability", "stock-availability", "Orders cancelled for stock, click & collect not ready."),
]


# ---------------------------------------------------------------- fragments

FIRST_NAMES = [
    "Sarah",
    "James",
    "Priya",
    "Mohammed",
    "Emma",
    "Oliver",
    "Chloe",
    "Liam",
    "Aisha",
    "Thomas",
    "Hannah",
    "Daniel",
    "Sophie",
    "Ravi",
    "Megan",
    "Callum",
    "Zainab",
    "George",
    "Bethan",
    "Connor",
    "Niamh",
    "Arjun",
    "Grace",
    "Kieran",
    "Lucy",
    "Tariq",
    "Rebecca",
    "Ewan",
    "Fatima",
    "Jack",
    "Olivia",
    "Harvey",
    "Yasmin",
    "Rhys",
    "Eleanor",
    "Adebayo",
    "Molly",
    "Stuart",
    "Ayesha",
    "Martin",
    "Joanne",
    "Wojciech",
    "Carys",
    "Patrick",
    "Leanne",
    "Nadia",
    "Graham",
    "Shauna",
    "Imran",
    "Margaret",
    "Dylan",
    "Ffion",
    "Kofi",
    "Gemma",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Khan",
    "Patel",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Clarke",
    "Jackson",
    "Campbell",
    "Murray",
    "Begum",
    "Ali",
    "Kowalski",
    "Nowak",
    "O'Neill",
    "McAllister",
    "Okafor",
    "Adeyemi",
    "Chaudhry",
    "Davies",
    "Morgan",
    "Lloyd",
    "Fraser",
    "Sinclair",
    "Gallagher",
    "Doherty",
    "Kaur",
    "Singh",
    "Mistry",
    "Bennett",
    "Price",
    "Howells",
    "Reid",
    "Ferguson",
]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]

STORES = [
    "Leeds Kirkstall",
    "Bristol Cribbs Causeway",
    "Glasgow Braehead",
    "Cardiff Bay",
    "Norwich Riverside",
    "Milton Keynes",
    "Exeter Marsh Barton",
    "Manchester Trafford",
    "Nottingham Castle Marina",
    "Brighton Hove",
    "Reading Oxford Road",
    "Newcastle Metrocentre",
    "Southampton West Quay",
    "York Monks Cross",
    "Belfast Boucher",
]
SLOTS = ["7am–11am", "8am–1pm", "10am–2pm", "12pm–6pm", "2pm–6pm", "6pm–9pm evening"]
COURIERS = ["our two-person delivery team", "Northway Couriers", "Swiftpost", "our own van crew"]
ENGINEERS = ["Gareth", "Marek", "Sunil", "Dean", "Callum", "Lee", "Tomasz", "Andy"]
CARDS = [
    "Visa debit card ending 4417",
    "Mastercard ending 9032",
    "Amex ending 1005",
    "PayPal account",
    "Visa credit card ending 6621",
    "debit card ending 2280",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Product:
    name: str
    brand: str
    model: str
    price: Decimal
    fault_words: tuple[str, ...]

    @property
    def short(self) -> str:
        """The name without the brand, as people say it ("the washing machine")."""
        return self.name.split(" ", 1)[1] if " " in self.name else self.name


def _p(name, model, price, *faults) -> Product:
    return Product(name, name.split(" ")[0], model, Decimal(str(price)), tuple(faults))


LARGE_APPLIANCES = [
    _p(
        "Calder 9kg washing machine",
        "CWM914",
        "429.00",
        "stopped spinning and shows error E21",
        "leaks from the door seal on every wash",
        "makes a grinding noise on the spin cycle",
    ),
    _p(
        "Calder heat-pump tumble dryer",
        "CHP808",
        "549.00",
        "no longer heats up",
        "stops mid-cycle with the water-tank light on",
    ),
    _p(
        "Norland American-style fridge freezer",
        "NAF560X",
        "1199.00",
        "will not keep the freezer below -8°C",
        "leaks from the ice maker onto the floor",
        "lets the fridge section warm up by the evening",
    ),
    _p(
        "Norland 60cm fridge freezer",
        "NFF60W",
        "479.00",
        "clicks on and off all night",
        "ices up at the back of the fridge section",
    ),
    _p(
        "Kestrel integrated dishwasher",
        "KID45",
        "399.00",
        "leaves dishes dirty and gritty",
        "shows error F3 and will not drain",
    ),
    _p("Kestrel freestanding dishwasher", "KFD60S", "349.00", "will not drain", "trips the electrics"),
    _p(
        "Aster 60cm electric cooker",
        "AEC60",
        "529.00",
        "will not heat up in the main oven",
        "keeps the back-right ring on full whatever the dial says",
    ),
    _p(
        "Haverford range cooker",
        "HRC110",
        "1349.00",
        "has a cracked glass panel in the left-hand oven door",
        "has burnt out its grill element",
    ),
]
SMALL_APPLIANCES = [
    _p("Lumo 1.7L kettle", "LK17", "39.99", "switches itself off before boiling", "leaks from the base"),
    _p(
        "Lumo 4-slice toaster",
        "LT4",
        "44.99",
        "burns one side and leaves the other white",
        "will not keep the lever down",
    ),
    _p(
        "Brightwell bean-to-cup coffee machine",
        "BCM300",
        "299.00",
        "grinds but no coffee comes out",
        "shows 'descale' constantly, even straight after descaling",
    ),
    _p(
        "Brightwell 5.5L air fryer",
        "BAF55",
        "89.99",
        "is shedding its non-stick coating into the food",
        "rattles, and the display keeps cutting out",
    ),
    _p(
        "Kestrel cordless stick vacuum",
        "KSV20",
        "229.00",
        "runs flat after four minutes",
        "no longer turns its brush bar",
    ),
    _p("Lumo stand mixer", "LSM5", "179.00", "smells of burning on speed 3"),
    _p(
        "Brightwell 25L microwave",
        "BMW25",
        "119.00",
        "sparks inside even when empty",
        "no longer turns its turntable",
    ),
]
TECH = [
    _p(
        "Aster 55-inch 4K smart TV",
        "A55UHD",
        "499.00",
        "has a line of dead pixels down the left-hand side",
        "keeps rebooting every few minutes",
    ),
    _p(
        "Aster 65-inch OLED TV",
        "A65OLED",
        "1399.00",
        "has a green tint across the top third of the screen",
        "loses sound whenever the picture changes",
    ),
    _p("Haverford soundbar", "HSB300", "199.00", "drops the Bluetooth connection every few minutes"),
    _p(
        "Brightwell 14-inch laptop",
        "BL14",
        "649.00",
        "will not charge unless the lead is held at an angle",
        "has a cracked hinge on the right side",
    ),
    _p("Brightwell robot vacuum", "BRV9", "349.00", "cannot find its dock and dies in the hallway"),
]
FURNITURE = [
    _p(
        "Marlow 3-seater sofa in slate velvet",
        "MAR3-SLT",
        "899.00",
        "has sagged badly in the seat cushions",
        "has split along a seam on the back",
    ),
    _p(
        "Elmstead oak dining table",
        "ELM-DT6",
        "649.00",
        "wobbles because one leg is shorter",
        "the top has split along the grain",
    ),
    _p("Penrose king-size bed frame", "PEN-K", "529.00", "creaks, and a slat bracket has snapped"),
    _p("Thornbury memory-foam double mattress", "THB-D", "399.00", "has a dip in the middle already"),
    _p("Whitby 6-drawer chest", "WHB-6", "279.00", "has two drawers that will not close properly"),
]
DELIVERABLE = LARGE_APPLIANCES + TECH + FURNITURE
EVERYTHING = LARGE_APPLIANCES + SMALL_APPLIANCES + TECH + FURNITURE
INSTALLABLE = [p for p in LARGE_APPLIANCES if "fridge" not in p.name]

OPENERS = {
    "polite": [
        "Hello,",
        "Hi there,",
        "Good morning,",
        "Dear Harbour & Hearth,",
        "Hello, I hope you can help.",
        "Hi, I'm hoping you can sort something out for me.",
    ],
    "neutral": ["Hi,", "Hello,", "", "To whom it may concern,"],
    "angry": [
        "I am really not happy.",
        "This is the third time I've contacted you about this.",
        "I've had enough.",
        "Frankly this is a shambles.",
        "I can't believe I'm having to write this.",
        "I want this escalated, please.",
    ],
}
CLOSERS = {
    "polite": [
        "Many thanks for your help.",
        "Thanks in advance — a quick reply would be appreciated.",
        "Kind regards, {first}",
        "Thank you, {name}",
        "Thanks very much, {first}",
    ],
    "neutral": [
        "Thanks, {first}",
        "Please let me know what happens next.",
        "Regards, {name}",
        "Can you tell me what you will do about it?",
    ],
    "angry": [
        "I expect a proper answer this week, not another automated email.",
        "If this isn't sorted by Friday I'll be going to my bank for a chargeback.",
        "I've shopped with you for years and I'm seriously thinking about going elsewhere.",
        "Please don't send me another 'we value your feedback' email — just fix it.",
        "I want to speak to a manager if this isn't sorted.",
        "I've already spent over an hour on hold about this.",
    ],
}

ROUTE_CITIZENS_ADVICE = "Citizens Advice consumer helpline: 0808 223 1133 (free, independent advice)"
ROUTE_SMALL_CLAIMS = "The small claims court: you can start a claim online at www.gov.uk/make-money-claim"
ROUTE_SECTION_75 = "If you paid by credit card, your card provider may cover this under Section 75"
ROUTE_CHARGEBACK = "If you paid by debit card, ask your bank about a chargeback"
ROUTE_ADR = (
    "Retail ADR, an independent dispute resolution service that can review our decision: www.retailadr.org.uk"
)


def gbp(amount: Decimal | float | int) -> str:
    """£429 for whole pounds, £29.95 otherwise — how people write prices."""
    amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- the story of one case


@dataclass
class OptionSpec:
    """One way to put it right, with the appraisal an agent would write (P3) and why to pick it (P4)."""

    title: str
    remedy_type: str
    amount: Decimal
    cost: Decimal
    days: int
    description: str
    customer_advantages: str
    customer_disadvantages: str
    organisation_advantages: str
    organisation_disadvantages: str
    factors: tuple[str, ...]
    justification: str
    is_exception: bool = False
    steps: tuple[str, ...] = ()


@dataclass
class Story:
    """Everything said and done on one demo case, before any of it happens."""

    category: str
    subject: str
    description: str
    desired_outcome: str
    order_reference: str
    amount: Decimal | None
    summary: str
    options: list[OptionSpec]
    steps: list[str]
    promise: str
    correction: str = ""
    resummary: str = ""
    consult_question: str = ""
    consult_answer: str = ""
    questions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    decline_comment: str = ""
    reject_note: str = ""
    resolved_comment: str = ""
    not_resolved_comment: str = ""
    reopen_reason: str = ""
    reopen_option: OptionSpec | None = None
    unresolved_reasons: str = ""
    other_routes: list[str] = field(default_factory=list)
    escalation_reason: str = ""
    skip_reason: str = ""
    staff_written: bool = False


@dataclass
class Customer:
    first: str
    last: str
    email: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


class Ctx:
    """The seeded random source plus the particulars of one case (who, when, which order)."""

    def __init__(
        self, rng: random.Random, *, reported_on: date, tone: str, handler_first: str, spoken: str = ""
    ):
        self.rng = rng
        self.reported_on = reported_on
        self.tone = tone
        self.handler_first = handler_first
        # "phone" or "in_person": an agent typed the customer's words while they spoke.
        self.spoken = spoken
        self.customer = make_customer(rng)
        self.order = f"HH-{rng.randint(100000, 999999)}"
        self.store = rng.choice(STORES)

    @property
    def first(self) -> str:
        return self.customer.first

    def pick(self, seq):
        return self.rng.choice(seq)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def day(self, days_before: int) -> str:
        d = self.reported_on - timedelta(days=days_before)
        return f"{d.day} {d:%B}"

    def weekday(self, days_before: int) -> str:
        return WEEKDAYS[(self.reported_on - timedelta(days=days_before)).weekday()]

    def voice(self, core: str, *, extra_angry: str = "") -> str:
        """The customer's own words: a greeting, their account, and a sign-off in their tone.

        For a call or a visit the agent records what the customer said, so there is no greeting.
        """
        if self.spoken:
            where = "phoned" if self.spoken == "phone" else f"came into the {self.store} store"
            said = core if self.tone != "angry" or not extra_angry else f"{core} {extra_angry}"
            return f'Customer {where} and said: "{said}"'
        opener = self.pick(OPENERS[self.tone])
        closer = self.pick(CLOSERS[self.tone]).format(first=self.first, name=self.customer.name)
        parts = [opener] if opener else []
        parts.append(core)
        if self.tone == "angry" and extra_angry:
            parts.append(extra_angry)
        parts.append(closer)
        return "\n\n".join(parts)


def make_customer(rng: random.Random) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    local = f"{first}.{last}".lower().replace("'", "")
    style = rng.random()
    if style < 0.3:
        local = f"{first[0]}{last}".lower().replace("'", "")
    elif style < 0.55:
        local = f"{local}{rng.randint(1, 99)}"
    email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    phone = f"07700 900{rng.randint(0, 999):03d}"
    return Customer(first, last, email, phone)


# ---------------------------------------------------------------- option helpers


def _opt(
    title,
    remedy,
    amount,
    *,
    cost=None,
    days=0,
    desc="",
    cadv="",
    cdis="",
    oadv="",
    odis="",
    factors=(F.CUSTOMER_PREFERENCE, F.POLICY_FIT),
    why="",
    exception=False,
) -> OptionSpec:
    amount = _money(amount)
    return OptionSpec(
        title=title,
        remedy_type=remedy,
        amount=amount,
        cost=_money(cost if cost is not None else amount),
        days=days,
        description=desc,
        customer_advantages=cadv,
        customer_disadvantages=cdis,
        organisation_advantages=oadv,
        organisation_disadvantages=odis,
        factors=tuple(factors),
        justification=why,
        is_exception=exception,
    )


def goodwill(amount, reason: str) -> OptionSpec:
    return _opt(
        f"Apology and a {gbp(amount)} gift card",
        R.GOODWILL_CREDIT,
        amount,
        cost=_money(amount) * Decimal("0.6"),
        days=2,
        desc=f"A written apology and a {gbp(amount)} Harbour & Hearth gift card {reason}.",
        cadv="Quick, and acknowledges the inconvenience.",
        cdis="Store credit rather than money back.",
        oadv="Low cost; keeps the customer shopping with us.",
        odis="Does not fix the underlying cause.",
        factors=(F.RELATIONSHIP, F.COST, F.TIME_TO_DELIVER),
        why="A proportionate gesture that recognises the trouble caused and can be done today.",
    )


def apology_only(what: str) -> OptionSpec:
    return _opt(
        "Apology and a full explanation",
        R.APOLOGY,
        0,
        cost=0,
        days=1,
        desc=f"A personal apology and a clear explanation of {what}.",
        cadv="An honest answer about what happened.",
        cdis="No money or goods.",
        oadv="No cost; we own what went wrong.",
        odis="The customer may feel it is not enough.",
        factors=(F.POLICY_FIT, F.RELATIONSHIP),
        why="Nothing was lost in money terms; what the customer needs is an explanation and an apology.",
    )


# ---------------------------------------------------------------- customer-reported scenarios (a)


def delivery_missed(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    slot, courier = c.pick(SLOTS), c.pick(COURIERS)
    fee = _money(c.pick(["19.95", "29.95", "39.00", "24.50"]))
    when = c.weekday(c.rng.randint(1, 5))
    core = c.pick(
        [
            f"We booked delivery of our {p.name} (order {c.order}) for {when} in the {slot} slot and paid {gbp(fee)} "
            f"for it. I took the day off work and nobody came. No call, no text, nothing. When I rang at 4pm I was told "
            f"the van was 'running late', and then at 6pm that it wasn't coming at all.",
            f"Our {p.short} was meant to arrive on {when} between {slot}. The tracking said 'out for delivery' all day, "
            f"then at 7pm it changed to 'customer not in'. We were in all day — my husband was working from home and "
            f"sat by the window. Order number {c.order}.",
            f"Third missed delivery for order {c.order}. The {p.short} was booked for {when} ({slot}) with {courier}. "
            f"I have now lost three days' pay waiting in for it.",
        ]
    )
    return Story(
        category="delivery",
        subject=c.pick(
            [
                f"Missed delivery — {p.short}",
                f"Nobody turned up with my {p.short}",
                f"Delivery of order {c.order} never arrived",
            ]
        ),
        description=c.voice(core, extra_angry="Nobody has even bothered to apologise."),
        desired_outcome=c.pick(
            [
                f"Delivery on a day that suits me and my {gbp(fee)} delivery charge back",
                "A guaranteed delivery date and some compensation for the time off work",
                "Just get it delivered, first slot of the morning",
            ]
        ),
        order_reference=c.order,
        amount=fee,
        summary=f"{c.first} booked delivery of a {p.name} (order {c.order}) for {when}, {slot}, and paid "
        f"{gbp(fee)}. The delivery did not happen and nobody told them. They want a firm new date and the "
        f"delivery charge refunded.",
        correction=c.pick(
            [
                "Not quite — it's the second time it's been missed, not the first. And I want the "
                "charge back for both.",
                "It was booked for the morning slot, not the afternoon.",
            ]
        ),
        resummary=f"{c.first}'s delivery of a {p.name} (order {c.order}) has been missed twice. They want a "
        f"guaranteed first-slot delivery and the {gbp(fee)} delivery charge refunded.",
        options=[
            _opt(
                "Priority redelivery and the delivery charge refunded",
                R.REDELIVERY,
                fee,
                days=3,
                desc=f"Book the first slot on the customer's chosen day and refund the {gbp(fee)} delivery charge.",
                cadv="Gets the goods and the money back for the failed slot.",
                cdis="Another day waiting in.",
                oadv="Keeps the sale.",
                odis=f"{gbp(fee)} plus a second van run.",
                factors=(F.CUSTOMER_PREFERENCE, F.POLICY_FIT, F.FEASIBILITY),
                why="What the customer asked for, and our delivery promise says a missed slot is refunded.",
            ),
            goodwill(c.pick([20, 25, 30]), "for the day lost waiting in"),
            _opt(
                "Cancel the order with a full refund",
                R.REFUND,
                p.price + fee,
                days=5,
                desc="Cancel the order and refund everything paid, including delivery.",
                cadv="Money back if they no longer trust the delivery.",
                cdis="They still need the product.",
                oadv="Simple.",
                odis="We lose the sale.",
                factors=(F.CUSTOMER_BENEFIT, F.LEGAL_OBLIGATION),
                why="Delivery is part of the contract; if we cannot deliver, the customer may cancel.",
            ),
        ],
        steps=[
            f"Book first-slot redelivery of {c.order} with the {c.store} hub",
            f"Refund the {gbp(fee)} delivery charge to the original card",
            "Text the customer the driver's name the evening before",
        ],
        promise=c.pick(
            [
                "Call you the evening before delivery to confirm the time",
                "Confirm the new delivery slot by text by 5pm tomorrow",
            ]
        ),
        consult_question=f"Can the {c.store} hub guarantee a first slot for {c.order}? This is the customer's "
        "second missed delivery.",
        consult_answer="Yes — book it as a 'priority first drop' and I'll tell the driver personally.",
        questions=[
            "Can you confirm what time the van will come? I need to arrange to be in.",
            "Has the delivery charge been refunded yet? I can't see it on my statement.",
        ],
        replies=[
            f"Thanks for checking, {c.first}. You're the first drop, so expect the van between 7 and 8am. The "
            "driver will text 30 minutes before.",
            f"The {gbp(fee)} refund was processed yesterday; card refunds take 3–5 working days to show.",
        ],
        updates=[
            "Your redelivery is booked as the first drop of the day and the driver has your number.",
            f"We've refunded the {gbp(fee)} delivery charge to your card today.",
        ],
        decline_comment="A voucher is no good to me, I want a delivery date.",
        resolved_comment=c.pick(
            [
                "Arrived at 7.40am, thank you for sorting it.",
                "All delivered and refunded, thanks.",
                "Finally here. Took too long but you did what you said.",
            ]
        ),
        not_resolved_comment="The redelivery didn't turn up either.",
        reopen_reason="The redelivery also failed; we need a different approach.",
        reopen_option=_opt(
            "Dedicated delivery by the store team",
            R.REDELIVERY,
            fee,
            days=2,
            desc=f"Deliver from the {c.store} store with our own van, at a time the customer names.",
            cadv="A named team and time.",
            cdis="Another wait.",
            oadv="Removes courier risk.",
            odis="Uses store staff time.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="The courier route has failed twice; our own store team is reliable.",
        ),
        unresolved_reasons="We cannot offer the compensation for lost earnings you asked for: our delivery terms "
        "limit what we pay for a missed slot to the delivery charge, which we have refunded.",
        other_routes=[ROUTE_CITIZENS_ADVICE, ROUTE_ADR],
        escalation_reason="Second missed delivery; customer asking for a manager and compensation for lost pay.",
    )


def delivery_damaged(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    damage = c.pick(
        [
            "a large dent in the side",
            "a cracked front panel",
            "a deep scratch across the top",
            "a broken foot and a torn corner",
        ]
    )
    core = c.pick(
        [
            f"My {p.name} arrived today with {damage}. The driver had me sign the handheld before I could even take "
            f"the packaging off, and was gone by the time I saw it. Order {c.order}. I have photos.",
            f"The {p.short} (order {c.order}) was delivered on {c.weekday(2)}. When we unboxed it there was {damage}. "
            f"The box itself was crushed at that corner so it happened in transit.",
        ]
    )
    part = _money((p.price * Decimal("0.15")).quantize(Decimal("1")))
    return Story(
        category="delivery",
        subject=c.pick(
            [
                f"{p.short.capitalize()} arrived damaged",
                f"Damaged delivery, order {c.order}",
                f"{p.short.capitalize()} delivered with {damage}",
            ]
        ),
        description=c.voice(core, extra_angry=f"For {gbp(p.price)} I expect it to arrive in one piece."),
        desired_outcome=c.pick(
            [
                "A replacement, delivered undamaged",
                "Replace it or take it back for a refund",
                "A new one, and the damaged one taken away",
            ]
        ),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first}'s {p.name} (order {c.order}, {gbp(p.price)}) was delivered with {damage}, "
        f"noticed on unpacking. They want a replacement and the damaged one collected.",
        correction="The damage is on the left side, and the box was fine — it must have been damaged in the "
        "warehouse, not the van.",
        resummary=f"{c.first}'s {p.name} (order {c.order}) arrived with {damage}; the box was intact, so it was "
        "probably damaged before packing. They want a replacement.",
        options=[
            _opt(
                f"Replacement {p.short} delivered and the damaged one collected",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.45"),
                days=5,
                desc=f"Swap delivery: a new {p.model} in, the damaged one out, same visit.",
                cadv="Gets what they paid for.",
                cdis="Another delivery to wait in for.",
                oadv="Damaged unit can be sold as graded stock.",
                odis="Second delivery cost.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
                why="Goods must be of satisfactory quality on delivery (Consumer Rights Act); the customer wants "
                "a replacement.",
            ),
            _opt(
                f"Keep it with a {gbp(part)} price reduction",
                R.PARTIAL_REFUND,
                part,
                days=3,
                desc=f"Refund {gbp(part)} if the customer is happy to keep the marked item.",
                cadv="No second wait; money back today.",
                cdis="Lives with the mark.",
                oadv="Cheaper than a swap.",
                odis="Customer may feel pushed.",
                factors=(F.COST, F.TIME_TO_DELIVER),
            ),
            _opt(
                "Full refund and collection",
                R.REFUND,
                p.price,
                days=7,
                desc="Collect it and refund in full.",
                cadv="Money back.",
                cdis="No product.",
                oadv="Clean.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=[
            f"Book a swap delivery for a new {p.model}",
            "Collect the damaged unit on the same visit",
            "Log the damage with the warehouse for a packing check",
        ],
        promise=c.pick(
            ["Confirm the swap delivery date by phone tomorrow", "Email you the collection details"]
        ),
        consult_question=f"Is there a {p.model} in stock at the regional DC for a swap this week?",
        consult_answer="Two in stock at Daventry. I've reserved one against the case.",
        questions=["Do I need to keep the packaging for the collection?"],
        replies=["No need — the crew bring fresh packaging and take the damaged one as it is."],
        updates=[f"A new {p.short} is reserved for you and the swap is booked."],
        decline_comment="I don't want money off, I want one that isn't damaged.",
        reject_note="Offer the swap first; a price reduction this big needs a photo check by the warehouse.",
        resolved_comment=c.pick(
            ["New one arrived perfect. Thanks.", "All sorted, the crew were great.", "Happy now, thank you."]
        ),
        not_resolved_comment="The replacement has a scratch too.",
        reopen_reason="The replacement also arrived marked.",
        reopen_option=_opt(
            "Full refund and collection",
            R.REFUND,
            p.price,
            days=5,
            desc="Collect and refund.",
            cadv="Money back.",
            cdis="No product.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
            why="Two damaged deliveries: the customer now prefers their money back.",
        ),
        unresolved_reasons="The marks in the photos are inside the manufacturer's cosmetic tolerance and the "
        "customer has declined both a swap and a price reduction.",
        other_routes=[ROUTE_CITIZENS_ADVICE, ROUTE_ADR, ROUTE_SMALL_CLAIMS],
        escalation_reason="High-value item and the customer wants a manager's decision on a refund.",
    )


def delivery_not_received(c: Ctx) -> Story:
    p = c.pick(SMALL_APPLIANCES)
    courier = c.pick(["Northway Couriers", "Swiftpost"])
    core = c.pick(
        [
            f"The tracking for order {c.order} says my {p.name} was delivered on {c.weekday(3)} at 13:52 and 'left "
            f"with neighbour'. None of my neighbours have it. The photo on the tracking page shows a blue door — mine "
            f"is white.",
            f"{courier} say they delivered my {p.short} ({c.order}) but it never arrived. I've checked the bins, the "
            f"shed and asked next door.",
        ]
    )
    return Story(
        category="delivery",
        subject=c.pick(
            [
                f"Parcel marked delivered but not received ({c.order})",
                f"Where is my {p.short}?",
                "Tracking says delivered — it wasn't",
            ]
        ),
        description=c.voice(
            core, extra_angry="Don't tell me to contact the courier, my contract is with you."
        ),
        desired_outcome=c.pick(["Send another one", "A refund", "Resend it please, I need it this week"]),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first}'s {p.name} (order {c.order}) is shown as delivered by {courier} but they have not "
        "received it; the proof-of-delivery photo is not their door. They want it resent.",
        options=[
            _opt(
                f"Resend the {p.short} by tracked next-day delivery",
                R.REDELIVERY,
                p.price,
                cost=p.price * Decimal("0.6"),
                days=2,
                desc="Send a replacement today; claim from the courier.",
                cadv="Gets the item quickly.",
                cdis="None.",
                oadv="We recover the cost from the courier.",
                odis="Upfront cost.",
                factors=(F.LEGAL_OBLIGATION, F.TIME_TO_DELIVER),
                why="Goods stay at our risk until the customer has them; the photo shows the wrong address.",
            ),
            _opt(
                "Refund in full",
                R.REFUND,
                p.price,
                days=3,
                desc="Refund the order to the original card.",
                cadv="Money back.",
                cdis="No item.",
                oadv="Quick.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=[
            f"Dispatch a replacement {p.model} on a tracked service",
            f"Open a lost-parcel claim with {courier}",
        ],
        promise="Email you the new tracking number today",
        questions=["Is there a tracking number for the new one?"],
        replies=["Yes — it's in the email we sent at 3pm; the courier's site updates overnight."],
        updates=["Your replacement has left the warehouse and is due tomorrow."],
        decline_comment="I'd rather have the money back now.",
        resolved_comment=c.pick(["Got it this time, thanks.", "Arrived today, thank you."]),
        not_resolved_comment="The second one hasn't arrived either!",
        reopen_reason="The replacement parcel is also missing.",
        reopen_option=_opt(
            "Refund in full",
            R.REFUND,
            p.price,
            days=3,
            desc="Refund to the original card.",
            cadv="Money back.",
            cdis="No item.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.CUSTOMER_PREFERENCE, F.LEGAL_OBLIGATION),
            why="Two parcels lost on this route; the customer wants a refund.",
        ),
        unresolved_reasons="We have refunded the item, but we cannot pay the additional £50 you asked for, "
        "which is outside what our terms allow for a lost parcel.",
        other_routes=[ROUTE_CITIZENS_ADVICE, ROUTE_CHARGEBACK],
    )


def faulty_early(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    n = c.rng.randint(3, 26)
    fault = c.pick(p.fault_words)
    core = c.pick(
        [
            f"I bought a {p.name} from your {c.store} store on {c.day(n)} and after just {n} days it {fault}. "
            f"Receipt and order number {c.order}.",
            f"Our {p.short} {fault}. It's {n} days old! Order {c.order}, {gbp(p.price)}.",
            f"The {p.name} we bought online ({c.order}) {fault}. We've had it {n} days and followed the manual to "
            f"the letter. I've tried resetting it as your website suggests and it made no difference.",
        ]
    )
    return Story(
        category="faulty-goods",
        subject=c.pick(
            [
                f"{p.short.capitalize()} faulty after {n} days",
                f"Brand new {p.short} {fault}",
                f"Faulty {p.model} — want a refund",
            ]
        ),
        description=c.voice(
            core, extra_angry="I'm not waiting weeks for an engineer on something brand new."
        ),
        desired_outcome=c.pick(
            [
                "A full refund",
                "A replacement",
                "A refund — I've lost confidence in it",
                "Replace it straight away",
            ]
        ),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first}'s {p.name} (order {c.order}, {gbp(p.price)}) {fault} {n} days after purchase. "
        "They are within the 30-day short-term right to reject and want their money back or a replacement.",
        correction="I bought it in store, not online — and it's been faulty since day two, I just hoped it would "
        "settle down.",
        resummary=f"{c.first} bought a {p.name} in our {c.store} store {n} days ago; it has been faulty almost "
        f"from the start ({fault}). They want a refund.",
        options=[
            _opt(
                "Full refund under the short-term right to reject",
                R.REFUND,
                p.price,
                cost=p.price * Decimal("0.5"),
                days=3,
                desc="Collect (or take back in store) and refund in full within 14 days.",
                cadv="Full money back, no engineer visits.",
                cdis="Has to buy elsewhere.",
                oadv="Meets our legal duty; faulty unit goes back to the supplier.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
                why="Within 30 days the customer may reject faulty goods for a full refund (CRA 2015 s.22).",
            ),
            _opt(
                f"Replacement {p.model}",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.5"),
                days=4,
                desc="Swap for a new unit of the same model.",
                cadv="Keeps the product they chose.",
                cdis="Same model may have the same fault.",
                oadv="Keeps the sale.",
                odis="Swap logistics.",
                factors=(F.CUSTOMER_BENEFIT, F.TIME_TO_DELIVER),
            ),
            _opt(
                "Engineer repair visit",
                R.REPAIR,
                0,
                cost=85,
                days=10,
                desc="Manufacturer's engineer visit.",
                cadv="No need to return it.",
                cdis="Slow; customer has the right to reject instead.",
                oadv="Supplier pays.",
                odis="Customer unlikely to accept in the first 30 days.",
                factors=(F.COST, F.FEASIBILITY),
            ),
        ],
        steps=[
            f"Arrange collection of the faulty {p.short}",
            "Process the refund once the collection is scanned",
            f"Return the unit to {p.brand} with the fault report",
        ],
        promise=c.pick(
            [
                "Confirm your refund by email the day it is processed",
                "Call you back by 5pm tomorrow with the collection date",
            ]
        ),
        consult_question=f"Customer bought the {p.model} {n} days ago — still within the short-term right to reject?",
        consult_answer="Yes, 30 days from delivery. Refund in full, no deduction for use.",
        questions=[
            "When will the refund reach my account?",
            "Do I need the original box for the collection?",
        ],
        replies=[
            "Refunds reach your account 3–5 working days after we process them; we'll email the moment we do.",
            "No — the driver will wrap it. Just have it unplugged and accessible.",
        ],
        updates=["The collection is booked for Thursday, 8am–1pm.", "Your refund has been processed today."],
        decline_comment="I don't want the same model again, it's clearly a bad batch.",
        reject_note="Check with the customer first whether a repair suits them; it's their choice in 30 days "
        "but let's offer it.",
        resolved_comment=c.pick(
            [
                "Refund received, thank you for being so quick.",
                "Thanks, all sorted.",
                f"Replacement works perfectly. {c.handler_first} was really helpful.",
            ]
        ),
        not_resolved_comment="The replacement has exactly the same fault.",
        reopen_reason="The replacement unit shows the same fault.",
        reopen_option=_opt(
            "Full refund",
            R.REFUND,
            p.price,
            days=3,
            desc="Collect and refund.",
            cadv="Money back.",
            cdis="None.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
            why="A replacement that fails the same way: the customer is entitled to a refund.",
        ),
        unresolved_reasons="Our engineer found the fault was caused by the unit being installed without the "
        "transit bolts removed, which is not a manufacturing fault, so we cannot refund it.",
        other_routes=[
            f"{p.brand} customer care can give a second opinion on the engineer's report",
            ROUTE_CITIZENS_ADVICE,
            ROUTE_ADR,
        ],
        escalation_reason="Customer disputes the engineer's finding; needs a supervisor's decision.",
    )


def faulty_later(c: Ctx) -> Story:
    p = c.pick(LARGE_APPLIANCES + TECH + [x for x in SMALL_APPLIANCES if x.price > 100])
    months = c.rng.randint(2, 11)
    fault = c.pick(p.fault_words)
    eng = c.pick(ENGINEERS)
    core = c.pick(
        [
            f"My {p.name} {fault}. I bought it in {c.day(months * 30).split(' ')[1]} (order {c.order}) so it's "
            f"{months} months old. I booked an engineer through your website for {c.weekday(4)} and nobody came.",
            f"Our {p.short} is {months} months old and {fault}. An engineer called {eng} came out and said it needs a "
            f"new part, which would take 'three to four weeks'. We can't be without it that long.",
        ]
    )
    reduction = _money((p.price * Decimal("0.2")).quantize(Decimal("1")))
    return Story(
        category="faulty-goods",
        subject=c.pick(
            [
                f"{p.short.capitalize()} broken after {months} months",
                f"{p.model} fault — repair too slow",
                f"Engineer never came for my {p.short}",
            ]
        ),
        description=c.voice(core, extra_angry="We have two small children and this is not acceptable."),
        desired_outcome=c.pick(
            ["A replacement", "Repair it within a week or replace it", "A replacement, not another engineer"]
        ),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first}'s {p.name} (order {c.order}) developed a fault after {months} months: it {fault}. "
        "The repair is slow. They want a replacement rather than a long repair.",
        correction="The engineer did come, but said he couldn't fix it — the part is on back order.",
        resummary=f"{c.first}'s {p.short} ({months} months old) {fault}; the engineer needs a back-ordered part. "
        "They want a replacement.",
        options=[
            _opt(
                "Engineer repair with a priority part order",
                R.REPAIR,
                0,
                cost=120,
                days=10,
                desc=f"{p.brand} engineer fits the part; we chase a priority order.",
                cadv="Keeps their own unit.",
                cdis="Up to two weeks without it.",
                oadv="Supplier pays.",
                odis="Slow.",
                factors=(F.LEGAL_OBLIGATION, F.COST),
                why="After 30 days the law gives us one chance to repair or replace; repair is cheapest.",
            ),
            _opt(
                f"Replacement {p.model}",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.55"),
                days=4,
                desc="Deliver a new unit and collect the faulty one.",
                cadv="Back up and running in days.",
                cdis="None.",
                oadv="Ends the repair wait.",
                odis="Full unit cost.",
                factors=(F.CUSTOMER_PREFERENCE, F.TIME_TO_DELIVER, F.RELATIONSHIP),
                why="A repair within a reasonable time is not possible (CRA s.23); the customer asked for a "
                "replacement.",
            ),
            _opt(
                f"Price reduction of {gbp(reduction)}",
                R.PARTIAL_REFUND,
                reduction,
                days=3,
                desc="If the customer prefers to wait for the repair, refund part of the price.",
                cadv="Some money back.",
                cdis="Still waits.",
                oadv="Cheaper.",
                odis="Needs agreement.",
                factors=(F.COST, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=[
            f"Order a replacement {p.model} for delivery",
            "Book collection of the faulty unit",
            f"Cancel the outstanding {p.brand} engineer job",
        ],
        promise=c.pick(["Call you on Friday with the delivery date", "Text you when the part has arrived"]),
        consult_question=f"{p.brand} say the part is on back order for 3–4 weeks. Can we go straight to a "
        "replacement?",
        consult_answer="Yes — a four-week wait isn't a reasonable time. Replace it and claim from the supplier.",
        questions=["Any news on the part?", "Could the engineer come after 3pm? I do the school run."],
        replies=[
            "The part is due at our warehouse on Tuesday; we'll book the engineer the moment it lands.",
            "Yes, I've asked for an afternoon visit and noted it on the job.",
        ],
        updates=[
            "We've chased the supplier and the part is now on a priority order.",
            "Your replacement is booked for delivery.",
        ],
        decline_comment="A repair isn't good enough, I've been without it for two weeks already.",
        reject_note="Try the priority repair first — the part is available next week.",
        resolved_comment=c.pick(
            [
                f"New {p.short} installed and working. Thank you.",
                "Fixed at last, thanks for chasing it.",
                "All good now.",
            ]
        ),
        not_resolved_comment="The engineer fitted the part but the same fault came back after two days.",
        reopen_reason="Repair failed; the fault returned within days.",
        reopen_option=_opt(
            f"Replacement {p.model}",
            R.REPLACEMENT,
            p.price,
            cost=p.price * Decimal("0.55"),
            days=4,
            desc="Replace after the failed repair.",
            cadv="Working unit.",
            cdis="None.",
            oadv="Ends it.",
            odis="Unit cost.",
            factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
            why="A failed repair gives the customer the right to a replacement or refund.",
        ),
        unresolved_reasons=f"The fault report shows accidental damage, which is not covered by {p.brand}'s "
        "guarantee or by our own terms.",
        other_routes=[
            f"{p.brand} customer care (their guarantee may still cover parts)",
            ROUTE_CITIZENS_ADVICE,
            ROUTE_SMALL_CLAIMS,
        ],
        escalation_reason="Third contact about the same fault; customer asking for a replacement above my limit.",
    )


def faulty_repeat(c: Ctx) -> Story:
    p = c.pick(LARGE_APPLIANCES)
    fault = c.pick(p.fault_words)
    usage = _money((p.price * Decimal("0.1")).quantize(Decimal("1")))
    core = (
        f"This is the THIRD time my {p.name} has gone wrong — it {fault} again. "
        f"It's been repaired twice under guarantee (jobs in {c.day(70).split(' ')[1]} and "
        f"{c.day(25).split(' ')[1]}). Order {c.order}. I don't want another repair."
    )
    return Story(
        category="faulty-goods",
        subject=c.pick(
            [f"{p.short.capitalize()} failed again after two repairs", "Third fault — I want a refund"]
        ),
        description=c.voice(core, extra_angry="Every repair means another day off work."),
        desired_outcome="A full refund or a different model",
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first}'s {p.name} has failed a third time after two guarantee repairs ({fault}). They want "
        "a refund or a different model, not a third repair.",
        options=[
            _opt(
                f"Refund less {gbp(usage)} for use",
                R.REFUND,
                p.price - usage,
                cost=p.price - usage,
                days=5,
                desc="Final right to reject after a failed repair; a small deduction for months of use.",
                cadv="Most of their money back.",
                cdis="A deduction.",
                oadv="Ends a costly cycle.",
                odis="Refund cost.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
                why="After a failed repair the customer has the final right to reject (CRA s.24).",
            ),
            _opt(
                "Upgrade to a different model at no extra cost",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.6"),
                days=5,
                desc="A different brand's model of the same size and price band.",
                cadv="A unit without this history.",
                cdis="Different features.",
                oadv="Keeps the customer.",
                odis="Full unit cost.",
                factors=(F.RELATIONSHIP, F.RISK, F.CUSTOMER_BENEFIT),
                why="Avoids a fourth failure and keeps a long-standing customer.",
            ),
        ],
        steps=[
            "Collect the faulty unit",
            "Deliver the replacement model",
            "Report the repeated fault to the supplier",
        ],
        promise="Confirm the delivery date in writing today",
        questions=["Will you take the old one away when you deliver?"],
        replies=["Yes, the crew will take it on the same visit at no charge."],
        updates=["We've reported the repeated fault to the manufacturer as well."],
        decline_comment="I don't want the deduction, it's never worked properly.",
        reject_note="A no-deduction refund is an exception; offer the upgrade first.",
        resolved_comment="The new model is much better. Thank you for finally sorting it.",
        not_resolved_comment="The deduction is unfair, it's barely worked.",
        reopen_reason="Customer disputes the deduction for use.",
        reopen_option=_opt(
            "Refund in full without deduction",
            R.REFUND,
            p.price,
            days=5,
            desc="Exception approved.",
            cadv="All money back.",
            cdis="None.",
            oadv="Ends it.",
            odis="Full cost.",
            factors=(F.RELATIONSHIP, F.CUSTOMER_PREFERENCE),
            why="The unit has spent much of its life broken; a deduction would be unfair.",
            exception=True,
        ),
        unresolved_reasons="We have offered a refund with a deduction for use, which the law allows after "
        "several months, and an upgrade; you have declined both.",
        other_routes=[ROUTE_CITIZENS_ADVICE, ROUTE_ADR, ROUTE_SMALL_CLAIMS],
        escalation_reason="Repeat failure on a high-value appliance; refund above agent authority.",
    )


def refund_missing(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    days = c.rng.randint(16, 35)
    core = c.pick(
        [
            f"I returned my {p.name} to your {c.store} store on {c.day(days)} and was told the refund of "
            f"{gbp(p.price)} would take 3–5 days. It's now been {days} days and nothing. Order {c.order}.",
            f"Your courier collected the {p.short} on {c.day(days)} (return for order {c.order}). I've had an email "
            f"saying 'return received' but no refund. {gbp(p.price)} is a lot of money to be out of pocket.",
        ]
    )
    return Story(
        category="refunds-returns",
        subject=c.pick(
            [
                f"Refund not received — {gbp(p.price)}",
                f"Still waiting for refund on {c.order}",
                f"{days} days and no refund",
            ]
        ),
        description=c.voice(core, extra_angry="The law says 14 days. You are breaking it."),
        desired_outcome=c.pick(
            ["My refund, now", "The refund plus something for the hassle", "Refund to my card this week"]
        ),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first} returned a {p.name} (order {c.order}) {days} days ago and has not been refunded "
        f"the {gbp(p.price)}. They want the refund paid now.",
        correction="I paid partly with a gift card, so the refund should be split.",
        resummary=f"{c.first} returned a {p.name} (order {c.order}) {days} days ago; the {gbp(p.price)} "
        "refund — part card, part gift card — has not been paid.",
        options=[
            _opt(
                "Process the refund today",
                R.REFUND,
                p.price,
                days=1,
                desc="Find the stuck return and push the refund through manually.",
                cadv="Their money, today.",
                cdis="None.",
                oadv="Meets the 14-day legal deadline, albeit late.",
                odis="None — the money is owed.",
                factors=(F.LEGAL_OBLIGATION, F.TIME_TO_DELIVER),
                why="The refund is owed within 14 days of the return; it is already late.",
            ),
            goodwill(c.pick([10, 15, 20]), "for the delay"),
        ],
        steps=[
            "Locate the return in the returns system and release the refund",
            "Send the customer the refund confirmation",
        ],
        promise=c.pick(
            [
                "Email you the refund confirmation by the end of today",
                "Call you tomorrow to confirm the refund has gone through",
            ]
        ),
        consult_question=f"The return for {c.order} shows 'received' but no refund trigger. Can finance release it "
        "manually?",
        consult_answer="Released. It was stuck because the store scanned the wrong returns reason code.",
        questions=["I still can't see it — can you send me proof it was processed?"],
        replies=["Of course — attached is the refund reference. Your bank may take up to 5 working days."],
        updates=["Good news: your refund was released this morning."],
        resolved_comment=c.pick(["Money's in, thanks.", "Refund arrived. Thank you.", "Received, cheers."]),
        not_resolved_comment="Only half the refund arrived.",
        reopen_reason="Only the card part of the refund was paid; the gift-card part is missing.",
        reopen_option=_opt(
            "Re-issue the gift card balance",
            R.REFUND,
            p.price / 2,
            days=1,
            desc="Restore the gift-card share.",
            cadv="Whole refund.",
            cdis="None.",
            oadv="Closes the gap.",
            odis="None.",
            factors=(F.LEGAL_OBLIGATION, F.FEASIBILITY),
            why="The rest of the refund is owed.",
        ),
        unresolved_reasons="Our records show the refund was paid to the card used for the purchase on the date "
        "shown; your bank will need to trace it on their side.",
        other_routes=[ROUTE_CHARGEBACK, ROUTE_CITIZENS_ADVICE],
        escalation_reason="Refund over 28 days late; customer threatening a chargeback.",
    )


def return_refused(c: Ctx) -> Story:
    p = c.pick(SMALL_APPLIANCES + TECH)
    reason = c.pick(
        [
            "the box had been opened",
            "I didn't have the receipt (it was a gift)",
            "it was 33 days since I bought it",
            "I'd thrown the plastic wrapping away",
        ]
    )
    core = (
        f"I tried to return an unwanted {p.name} at {c.store} on {c.weekday(2)} and the assistant refused "
        f"because {reason}. It's unused and I have order {c.order} on my phone."
    )
    return Story(
        category="refunds-returns",
        subject=c.pick(
            ["Return refused in store", f"Won't take back my {p.short}", "Refused a refund at the till"]
        ),
        description=c.voice(core, extra_angry="She was very dismissive about it, too."),
        desired_outcome=c.pick(["Take it back and refund me", "An exchange at least"]),
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.first} was refused a return of an unused {p.name} at {c.store} because {reason}. They want "
        "a refund or exchange.",
        options=[
            _opt(
                "Accept the return as a goodwill exception",
                R.REFUND,
                p.price,
                days=3,
                desc="Outside our returns policy, so this needs a second person's approval.",
                cadv="Money back.",
                cdis="None.",
                oadv="Keeps a loyal customer.",
                odis="Policy precedent.",
                factors=(F.RELATIONSHIP, F.CUSTOMER_PREFERENCE),
                exception=True,
                why="Item is unused and resaleable; the customer is a regular.",
            ),
            _opt(
                "Exchange for store credit",
                R.GOODWILL_CREDIT,
                p.price,
                cost=p.price * Decimal("0.3"),
                days=1,
                desc="Take it back for a gift card of the same value.",
                cadv="Full value.",
                cdis="Not cash.",
                oadv="Keeps the money in store.",
                odis="Small.",
                factors=(F.POLICY_FIT, F.COST),
            ),
            apology_only("our returns policy and why the store applied it"),
        ],
        steps=[f"Tell the {c.store} store to accept the return", "Refund on return of the item"],
        promise="Let the store know before you go back in",
        questions=["Do I need to bring anything to the store?"],
        replies=["Just the item and this email; the store manager has been told to expect you."],
        updates=[f"The {c.store} store manager has your name and will process it."],
        decline_comment="Store credit is no use to me.",
        reject_note="Unwanted and outside policy — offer the store credit instead.",
        resolved_comment="Sorted at the till in two minutes, thanks.",
        not_resolved_comment="The store still said no when I went in.",
        reopen_reason="The store did not get the message; arrange it again.",
        reopen_option=_opt(
            "Refund by post",
            R.REFUND,
            p.price,
            days=5,
            desc="Send it to us with a prepaid label.",
            cadv="No second trip.",
            cdis="Postage wait.",
            oadv="No store mix-up.",
            odis="Label cost.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="Avoid another wasted trip to the store.",
        ),
        unresolved_reasons="The item was bought more than 30 days ago, is not faulty, and our returns policy, "
        "which was shown at checkout, does not cover change-of-mind returns after 30 days.",
        other_routes=[ROUTE_CITIZENS_ADVICE, "Resale through a second-hand marketplace"],
    )


def billing_double_charge(c: Ctx) -> Story:
    amount = _money(c.pick(["89.99", "249.00", "429.00", "1199.00", "44.99", "179.00"]))
    card = c.pick(CARDS)
    core = c.pick(
        [
            f"I've been charged twice for order {c.order} — two payments of {gbp(amount)} on my {card} on the same "
            "day. Only one order arrived.",
            f"My bank statement shows {gbp(amount)} taken twice for {c.order}. That's pushed me into my overdraft.",
        ]
    )
    return Story(
        category="billing-payments",
        subject=c.pick(["Charged twice", f"Double payment for {c.order}", f"{gbp(amount)} taken twice"]),
        description=c.voice(core, extra_angry="I've now got overdraft charges because of your mistake."),
        desired_outcome=c.pick(
            ["Refund the duplicate payment", "Refund the second charge and my overdraft fee"]
        ),
        order_reference=c.order,
        amount=amount,
        summary=f"{c.first} was charged {gbp(amount)} twice for order {c.order} on their {card}. They want the "
        "duplicate refunded.",
        correction="It also cost me a £25 overdraft fee.",
        resummary=f"{c.first} was charged twice for {c.order} ({gbp(amount)} each) and incurred a £25 overdraft "
        "fee. They want the duplicate and the fee refunded.",
        options=[
            _opt(
                "Refund the duplicate payment",
                R.REFUND,
                amount,
                days=1,
                desc="Reverse the second capture.",
                cadv="Money back.",
                cdis="None.",
                oadv="It's not our money.",
                odis="None.",
                factors=(F.LEGAL_OBLIGATION, F.TIME_TO_DELIVER),
                why="A duplicate charge must be returned; doing it today stops further bank charges.",
            ),
            _opt(
                "Refund the duplicate and pay the £25 overdraft fee",
                R.COMPENSATION,
                amount + 25,
                days=2,
                desc="Reverse the charge and reimburse the bank fee.",
                cadv="Fully out of pocket no more.",
                cdis="None.",
                oadv="Fair.",
                odis="Compensation needs approval.",
                factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
                why="The overdraft fee was caused directly by our error.",
            ),
        ],
        steps=["Reverse the duplicate card capture", "Send the refund reference to the customer"],
        promise="Email you the refund reference today",
        questions=["How long will the refund take to show?"],
        replies=["It was reversed today; most banks show it within 2–3 working days."],
        updates=["The duplicate payment has been reversed."],
        resolved_comment="Refund's back in my account, thanks.",
        not_resolved_comment="The refund came but not the overdraft fee.",
        reopen_reason="Customer also wants the overdraft fee covered.",
        reopen_option=_opt(
            "Pay the £25 overdraft fee",
            R.COMPENSATION,
            25,
            days=2,
            desc="Reimburse the bank fee.",
            cadv="Fully reimbursed.",
            cdis="None.",
            oadv="Fair.",
            odis="Small cost.",
            factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
            why="Direct consequence of our error.",
        ),
        unresolved_reasons="Our payment records show a single capture; the second entry on your statement is "
        "a pending authorisation your bank will release, which we cannot cancel ourselves.",
        other_routes=[ROUTE_CHARGEBACK, ROUTE_SECTION_75, ROUTE_CITIZENS_ADVICE],
    )


def billing_finance(c: Ctx) -> Story:
    p = c.pick([x for x in EVERYTHING if x.price > 300])
    monthly = _money(p.price / 12)
    core = (
        f"I bought a {p.name} on 12 months' interest-free credit (order {c.order}). Your finance partner "
        f"has taken the first payment of {gbp(monthly)} twice and charged me a £12 'late payment' fee even "
        f"though the direct debit was set up in the shop."
    )
    return Story(
        category="billing-payments",
        subject=c.pick(
            [
                "Interest-free credit — wrong charges",
                "Late payment fee I don't owe",
                f"Finance payments taken twice ({c.order})",
            ]
        ),
        description=c.voice(core, extra_angry="I was told this would be simple."),
        desired_outcome="The fee removed and the extra payment refunded",
        order_reference=c.order,
        amount=monthly + 12,
        summary=f"{c.first} bought a {p.name} on interest-free credit; the first {gbp(monthly)} instalment was "
        "taken twice and a £12 late fee applied wrongly. They want both put right.",
        options=[
            _opt(
                "Refund the extra instalment and the fee",
                R.REFUND,
                monthly + 12,
                days=5,
                desc="Ask the finance partner to reverse both; we refund the fee ourselves today.",
                cadv="All money back.",
                cdis="Finance partner takes up to 5 days.",
                oadv="Fixes our shop set-up error.",
                odis="Small.",
                factors=(F.LEGAL_OBLIGATION, F.POLICY_FIT),
                why="The direct debit was set up wrongly in store; the fee is ours to put right.",
            ),
            goodwill(15, "for the worry caused"),
        ],
        steps=[
            "Ask the finance partner to reverse the duplicate instalment",
            "Refund the £12 fee",
            "Check the direct-debit date is correct for future months",
        ],
        promise="Call you once the finance partner confirms the reversal",
        questions=["Will this affect my credit score?"],
        replies=["No — the finance partner has confirmed they will remove the late marker."],
        updates=["The finance partner has confirmed the reversal."],
        resolved_comment="All corrected, thank you.",
        not_resolved_comment="The late marker is still on my credit file.",
        reopen_reason="Late-payment marker still showing on the customer's credit file.",
        reopen_option=apology_only("the steps the finance partner is taking to remove the marker"),
        unresolved_reasons="The credit marker is held by the finance company, not by us; we have asked them to "
        "remove it and they have refused.",
        other_routes=[
            "The Financial Ombudsman Service (for the finance company's decision): "
            "www.financial-ombudsman.org.uk",
            ROUTE_CITIZENS_ADVICE,
        ],
    )


def billing_price_match(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    diff = _money(max(Decimal("10"), (p.price * Decimal("0.12")).quantize(Decimal("1"))))
    core = (
        f"I bought a {p.name} for {gbp(p.price)} on {c.day(5)} and a week later you're selling it for "
        f"{gbp(p.price - diff)}. Your website says you'll refund the difference within 14 days. I asked in "
        f"{c.store} and was told the price promise 'only applies online'."
    )
    return Story(
        category="billing-payments",
        subject=c.pick(
            [
                "Price promise not honoured",
                f"Refund the {gbp(diff)} price drop",
                "Price dropped a week after I bought it",
            ]
        ),
        description=c.voice(core),
        desired_outcome=f"The {gbp(diff)} difference refunded",
        order_reference=c.order,
        amount=diff,
        summary=f"{c.first} paid {gbp(p.price)} for a {p.name}; we reduced it by {gbp(diff)} within 14 days. "
        "The store would not apply our price promise. They want the difference.",
        options=[
            _opt(
                f"Refund the {gbp(diff)} difference",
                R.PARTIAL_REFUND,
                diff,
                days=2,
                desc="Our price promise covers in-store purchases too.",
                cadv="Money back.",
                cdis="None.",
                oadv="Honours our own promise.",
                odis="Small.",
                factors=(F.POLICY_FIT, F.CUSTOMER_PREFERENCE),
                why="Our price promise covers every channel; the store applied it wrongly.",
            ),
        ],
        steps=[
            f"Refund the {gbp(diff)} price difference",
            "Remind the store team how the price promise works",
        ],
        promise="Confirm the refund by email today",
        updates=["We've refunded the difference and briefed the store team."],
        resolved_comment="Thanks, that's what I expected in the first place.",
        not_resolved_comment="The refund hasn't arrived.",
        reopen_reason="The refund did not reach the customer.",
        reopen_option=goodwill(diff, "in place of the failed refund"),
        unresolved_reasons="The lower price was a marketplace seller's price, not ours, so our price promise "
        "does not apply to it.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def installation_no_show(c: Ctx) -> Story:
    p = c.pick(INSTALLABLE)
    fee = _money(c.pick(["45.00", "65.00", "85.00"]))
    core = c.pick(
        [
            f"I paid {gbp(fee)} for installation of my {p.name} (order {c.order}). The installer was booked for "
            f"{c.weekday(2)}, all day, and never arrived. The appliance is sitting in my hallway.",
            f"Installation no-show. {p.short.capitalize()} delivered fine but the fitter, who was due {c.weekday(3)} "
            f"morning, didn't come and didn't call. Order {c.order}.",
        ]
    )
    return Story(
        category="installation",
        subject=c.pick(
            [
                "Installer didn't turn up",
                f"Paid for installation — nobody came ({c.order})",
                f"Still no installation for my {p.short}",
            ]
        ),
        description=c.voice(core, extra_angry="I've had to use the launderette for a week."),
        desired_outcome=c.pick(
            [
                "Installed this week, and my installation fee back",
                "A fixed installation date and compensation",
            ]
        ),
        order_reference=c.order,
        amount=fee,
        summary=f"{c.first} paid {gbp(fee)} for installation of a {p.name} (order {c.order}); the installer "
        "did not arrive or call. They want it installed this week and the fee back.",
        options=[
            _opt(
                "Priority installation and the fee refunded",
                R.REDELIVERY,
                fee,
                days=3,
                desc="First job of the day with our own installer; refund the installation fee.",
                cadv="Installed quickly at no cost.",
                cdis="Another day in.",
                oadv="Fixes our failure.",
                odis=f"{gbp(fee)}.",
                factors=(F.CUSTOMER_PREFERENCE, F.TIME_TO_DELIVER),
                why="We failed to provide a paid-for service; re-perform it promptly and refund the charge.",
            ),
            _opt(
                "Compensation of £40 for the wasted day",
                R.COMPENSATION,
                40,
                days=2,
                desc="On top of a rebooked installation.",
                cadv="Recognises the lost day.",
                cdis="None.",
                oadv="Fair.",
                odis="Compensation needs approval.",
                factors=(F.RELATIONSHIP, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=[
            "Book our own installer for the first job of the day",
            f"Refund the {gbp(fee)} installation fee",
            "Feed back the no-show to the installation partner",
        ],
        promise=c.pick(
            [
                "Ring you by 6pm today with the installer's arrival time",
                "Text you the installer's name the night before",
            ]
        ),
        consult_question="Can our own team take this install? The partner has no-showed twice in this postcode.",
        consult_answer="Yes, Marek has a gap on Thursday morning — book him.",
        questions=["What time will the installer arrive?"],
        replies=["First job of the day: between 8 and 9am."],
        updates=["Your installation is booked as the first job of the day."],
        decline_comment="I want the compensation too, not just the rebooking.",
        reject_note="Compensation for a single missed slot isn't our practice; refund the fee instead.",
        resolved_comment=c.pick(
            ["Installed and working. Thanks for sorting it quickly.", "All fitted, cheers."]
        ),
        not_resolved_comment="The installer came but said he couldn't fit it because the pipes are the wrong size.",
        reopen_reason="Installer could not complete the job: the pipework needs an adaptor.",
        reopen_option=_opt(
            "Return visit with the adaptor fitted free",
            R.REDELIVERY,
            0,
            cost=30,
            days=3,
            desc="Installer returns with the right adaptor.",
            cadv="Finished job.",
            cdis="Another visit.",
            oadv="Small cost.",
            odis="Second trip.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="A small part completes the job we were paid for.",
        ),
        unresolved_reasons="Your kitchen needs plumbing work before the appliance can be installed safely, which "
        "our installers are not permitted to do.",
        other_routes=["A Gas Safe or WaterSafe registered plumber for the pipework", ROUTE_CITIZENS_ADVICE],
        escalation_reason="Second no-show; customer has been without a working appliance for over a week.",
    )


def installation_damage(c: Ctx) -> Story:
    p = c.pick(INSTALLABLE)
    what = c.pick(
        [
            "scratched the new oak floor",
            "chipped the worktop edge",
            "gouged the door frame",
            "left a water leak that stained the ceiling below",
        ]
    )
    cost = _money(c.pick(["180.00", "240.00", "320.00", "450.00"]))
    core = (
        f"Your installer fitted our {p.name} on {c.weekday(3)} (order {c.order}) and {what}. He said "
        f"'that was already there' — it was not, I have photos from the day before. A joiner has quoted "
        f"{gbp(cost)} to repair it."
    )
    return Story(
        category="installation",
        subject=c.pick(
            ["Installer damaged my kitchen", f"Damage during installation — {c.order}", f"Installer {what}"]
        ),
        description=c.voice(core, extra_angry="I'm furious — the kitchen is three months old."),
        desired_outcome=f"The {gbp(cost)} repair paid for",
        order_reference=c.order,
        amount=cost,
        summary=f"During installation of a {p.name} (order {c.order}) our installer {what}. {c.first} has a "
        f"{gbp(cost)} quote to repair it and photos from before the visit.",
        options=[
            _opt(
                f"Pay the {gbp(cost)} repair quote",
                R.COMPENSATION,
                cost,
                days=5,
                desc="Pay the customer's joiner directly on receipt of the invoice.",
                cadv="Their chosen tradesperson.",
                cdis="Arranges it themselves.",
                oadv="Claim from the partner.",
                odis=f"{gbp(cost)} upfront.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
                why="Damage caused while performing our service must be put right; the photos support the claim.",
            ),
            _opt(
                "Our own contractor repairs it",
                R.REPAIR,
                0,
                cost=cost * Decimal("0.8"),
                days=10,
                desc="Send our approved contractor.",
                cadv="No cost.",
                cdis="Slower; our choice of contractor.",
                oadv="Cheaper.",
                odis="Customer may not trust us.",
                factors=(F.COST, F.FEASIBILITY),
            ),
        ],
        steps=[
            "Ask the installation partner for their account and photos",
            "Pay the repair invoice",
            "Log the incident against the installer's record",
        ],
        promise="Confirm our decision on the claim by Friday",
        consult_question="The installer denies the damage but the customer has dated photos. Do we pay first and "
        "claim from the partner?",
        consult_answer="Pay first — the photos are clear. I'll raise it with the partner's account manager.",
        questions=["Do you need the joiner's invoice before you pay?"],
        replies=["Yes please — reply here with a photo of it and we'll pay within 3 working days."],
        updates=["We've accepted your claim and will pay the repair invoice."],
        decline_comment="I don't want your contractor in my house after this.",
        reject_note="Get a second quote before we approve this amount.",
        resolved_comment="Paid and repaired. Thanks for taking it seriously.",
        not_resolved_comment="You've paid the joiner but the floor still needs sanding — he found more damage.",
        reopen_reason="Further damage found during the repair.",
        reopen_option=_opt(
            "Pay the additional repair",
            R.COMPENSATION,
            120,
            days=5,
            desc="Additional sanding.",
            cadv="Finished repair.",
            cdis="None.",
            oadv="Ends it.",
            odis="Extra cost.",
            factors=(F.LEGAL_OBLIGATION, F.RELATIONSHIP),
            why="Same incident; same responsibility.",
        ),
        unresolved_reasons="The installer's photos taken on arrival show the marks were already present, so we "
        "cannot accept responsibility for them.",
        other_routes=[ROUTE_SMALL_CLAIMS, ROUTE_CITIZENS_ADVICE, ROUTE_ADR],
        escalation_reason="Damage claim above my authority; installer disputes it.",
    )


def installation_old_appliance(c: Ctx) -> Story:
    p = c.pick(LARGE_APPLIANCES)
    core = (
        f"I paid £20 for you to take away my old {p.short} when the new {p.name} was delivered "
        f"(order {c.order}). The crew said they 'didn't have room on the van' and left it on my drive."
    )
    return Story(
        category="installation",
        subject=c.pick(["Old appliance not taken away", "Paid for recycling — still on my drive"]),
        description=c.voice(core),
        desired_outcome="Collect it and refund the £20",
        order_reference=c.order,
        amount=Decimal("20.00"),
        summary=f"{c.first} paid £20 for removal of their old {p.short} with order {c.order}; the crew left it "
        "on the drive. They want it collected and the fee back.",
        options=[
            _opt(
                "Collect it this week and refund the £20",
                R.REDELIVERY,
                20,
                days=4,
                desc="Book a collection; refund the removal fee.",
                cadv="Gone, at no cost.",
                cdis="None.",
                oadv="Meets the WEEE take-back duty.",
                odis="Van run.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
                why="We must take back the old appliance when we sell a like-for-like new one (WEEE).",
            ),
        ],
        steps=["Book a collection of the old appliance", "Refund the £20 removal fee"],
        promise="Text you the collection date today",
        resolved_comment="Collected this morning, thanks.",
        not_resolved_comment="Nobody came for it.",
        reopen_reason="Collection missed.",
        reopen_option=_opt(
            "Collection by the store van",
            R.REDELIVERY,
            0,
            cost=25,
            days=2,
            desc="Store team collects.",
            cadv="Reliable.",
            cdis="None.",
            oadv="Ends it.",
            odis="Staff time.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="The courier route failed.",
        ),
        unresolved_reasons="The appliance left out had been damaged by weather and our crews may not lift it "
        "safely; the council's bulky-waste collection can take it.",
        other_routes=["Your council's bulky-waste collection service", ROUTE_CITIZENS_ADVICE],
    )


def staff_conduct_store(c: Ctx) -> Story:
    core = c.pick(
        [
            f"I was in your {c.store} store on {c.weekday(1)} asking about a fridge freezer and the assistant was "
            f"incredibly rude — rolled his eyes, said 'it's all on the website' and walked off mid-sentence.",
            f"At the {c.store} customer service desk on {c.weekday(2)} the supervisor shouted at my elderly mother "
            "in front of a queue of people because she didn't have her receipt.",
        ]
    )
    return Story(
        category="staff-conduct",
        subject=c.pick(
            [
                f"Rude member of staff at {c.store}",
                "Disgraceful customer service in store",
                "Complaint about a colleague's behaviour",
            ]
        ),
        description=c.voice(core, extra_angry="I will never set foot in that store again."),
        desired_outcome=c.pick(["An apology, and for the person to be spoken to", "A proper apology"]),
        order_reference="",
        amount=None,
        summary=f"{c.first} was treated rudely by a colleague at our {c.store} store. They want an apology and "
        "for it to be addressed with the colleague.",
        correction="It was a woman, not a man, at the customer service desk.",
        resummary=f"{c.first} was treated rudely by a female colleague at the {c.store} customer service desk. "
        "They want an apology and the matter addressed.",
        options=[
            apology_only("what the store manager found and what will change"),
            goodwill(c.pick([15, 20, 25]), "with a personal apology from the store manager"),
        ],
        steps=[
            f"Store manager at {c.store} reviews CCTV and speaks to the colleague",
            "Send the customer the store manager's written apology",
        ],
        promise="Call you after the store manager has looked into it",
        consult_question=f"Can the {c.store} store manager check CCTV for {c.weekday(1)} afternoon at the service desk?",
        consult_answer="Checked. The exchange is visible; I've spoken to the colleague and it's being handled formally.",
        questions=["Has anyone spoken to the person yet?"],
        replies=["Yes. We can't share the details of staff matters, but it has been dealt with formally."],
        updates=["The store manager has reviewed what happened and spoken to the colleague."],
        decline_comment="An apology from a call centre isn't enough.",
        resolved_comment=c.pick(
            ["Thank you for the apology, it's appreciated.", "Thanks for taking it seriously."]
        ),
        not_resolved_comment="I still haven't heard from the store manager.",
        reopen_reason="Customer wants to hear from the store manager directly.",
        reopen_option=apology_only("the store manager's review, by phone from the manager"),
        unresolved_reasons="We have apologised and addressed the matter with the colleague, but we cannot share "
        "the outcome of a staff disciplinary process or dismiss the colleague as you asked.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
        escalation_reason="Complaint about a colleague's conduct — needs a supervisor and the store manager.",
    )


def staff_conduct_callback(c: Ctx) -> Story:
    core = (
        f"I've been promised a call back three times about order {c.order} and nobody has ever rung. Each time "
        "I call I have to explain everything again from the start."
    )
    return Story(
        category="staff-conduct",
        subject=c.pick(
            ["Promised call backs never happen", "Nobody ever calls back", "Third broken call-back"]
        ),
        description=c.voice(core, extra_angry="I've spent hours on hold."),
        desired_outcome="Someone to own this",
        order_reference=c.order,
        amount=None,
        summary=f"{c.first} was promised three call-backs about order {c.order} and none happened; they want one "
        "person to own their problem.",
        options=[
            _opt(
                "A named handler and a scheduled call",
                R.APOLOGY,
                0,
                cost=0,
                days=1,
                desc="One agent owns the case, with a booked call.",
                cadv="No more repeating themselves.",
                cdis="None.",
                oadv="Ends repeat contacts.",
                odis="Agent time.",
                factors=(F.CUSTOMER_PREFERENCE, F.RELATIONSHIP),
                why="Exactly what the customer asked for.",
            ),
            goodwill(15, "for the broken call-backs"),
        ],
        steps=[
            "Book a call with the customer at their chosen time",
            "Resolve the original order query on the call",
        ],
        promise="Call you on Thursday at 10am",
        updates=["I'm your named contact for this now and I've booked our call."],
        resolved_comment="Thank you — first time anyone has actually done what they said.",
        not_resolved_comment="The call was missed again.",
        reopen_reason="The scheduled call was missed.",
        reopen_option=goodwill(25, "after another missed call"),
        unresolved_reasons="We have apologised and given you a named contact; we cannot offer the compensation "
        "you asked for time spent on the phone.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
        escalation_reason="Repeated broken call-backs; supervisor to own it.",
    )


def website_checkout(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    core = (
        f"I tried to order a {p.name} on your website. The payment of {gbp(p.price)} left my account but "
        f"the page said 'something went wrong' and I never got an order confirmation."
    )
    return Story(
        category="website-app",
        subject=c.pick(
            [
                "Payment taken but no order",
                "Website error at checkout took my money",
                f"{gbp(p.price)} taken, no order",
            ]
        ),
        description=c.voice(core, extra_angry="I tried twice so now it's gone out twice."),
        desired_outcome=c.pick(["Either place the order or give me my money back", "Refund please"]),
        order_reference="",
        amount=p.price,
        summary=f"{c.first} paid {gbp(p.price)} for a {p.name} online but the checkout failed and no order was "
        "created. They want the order placed or the money back.",
        options=[
            _opt(
                "Create the order manually at the price paid",
                R.OTHER,
                0,
                cost=0,
                days=1,
                desc="Raise the order by hand against the captured payment.",
                cadv="Gets what they wanted.",
                cdis="None.",
                oadv="Keeps the sale.",
                odis="Manual work.",
                factors=(F.CUSTOMER_PREFERENCE, F.FEASIBILITY),
                why="The customer still wants the item.",
            ),
            _opt(
                "Refund the payment",
                R.REFUND,
                p.price,
                days=2,
                desc="Reverse the orphaned payment.",
                cadv="Money back.",
                cdis="No item.",
                oadv="Clean.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.TIME_TO_DELIVER),
            ),
        ],
        steps=[
            "Match the orphaned payment to the customer",
            "Raise the order manually and send confirmation",
        ],
        promise="Email you the order confirmation within two hours",
        updates=["Your order is now confirmed and we've emailed the details."],
        resolved_comment="Order confirmed, thank you.",
        not_resolved_comment="Confirmation came but the delivery date is a month away.",
        reopen_reason="Customer needs an earlier delivery.",
        reopen_option=_opt(
            "Ship from store stock",
            R.REDELIVERY,
            0,
            cost=20,
            days=3,
            desc="Store stock, sooner.",
            cadv="Sooner.",
            cdis="None.",
            oadv="Uses stock.",
            odis="Small cost.",
            factors=(F.TIME_TO_DELIVER, F.CUSTOMER_PREFERENCE),
            why="Gets it to them in days.",
        ),
        unresolved_reasons="We can find no payment from you in our system, so your bank will need to confirm "
        "where it went.",
        other_routes=[ROUTE_CHARGEBACK, ROUTE_CITIZENS_ADVICE],
    )


def website_promo(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    pct = c.pick([10, 15, 20])
    saving = _money((p.price * Decimal(pct) / 100).quantize(Decimal("0.01")))
    code = c.pick(["HOME15", "WINTER20", "HEARTH10", "NEWHOME15", "BLACKFRI20"])
    core = (
        f"Your email said code {code} gives {pct}% off. I used it on my {p.name} (order {c.order}) but the "
        f"discount didn't come off at checkout and I paid full price."
    )
    return Story(
        category="website-app",
        subject=c.pick([f"Discount code {code} didn't work", "Promo code not applied", "Charged full price"]),
        description=c.voice(core),
        desired_outcome=f"The {gbp(saving)} discount refunded",
        order_reference=c.order,
        amount=saving,
        summary=f"{c.first}'s code {code} ({pct}% off) was not applied to order {c.order}; they paid full price "
        f"and want the {gbp(saving)} discount refunded.",
        options=[
            _opt(
                f"Refund the {gbp(saving)} discount",
                R.PARTIAL_REFUND,
                saving,
                days=2,
                desc="Apply the promotion retrospectively.",
                cadv="Gets the promised price.",
                cdis="None.",
                oadv="Honours our email.",
                odis="Small.",
                factors=(F.POLICY_FIT, F.CUSTOMER_PREFERENCE),
                why="The code was valid for this item; our site failed to apply it.",
            ),
        ],
        steps=[f"Refund {gbp(saving)} to the original card", "Report the code fault to the web team"],
        promise="Confirm the refund by email today",
        updates=["The web team have fixed the code for everyone else too."],
        resolved_comment="Thanks, refund received.",
        not_resolved_comment="I've only had 10% back, not 20%.",
        reopen_reason="Refund issued at the wrong percentage.",
        reopen_option=_opt(
            "Refund the remaining difference",
            R.PARTIAL_REFUND,
            saving / 2,
            days=2,
            desc="Top up.",
            cadv="Correct discount.",
            cdis="None.",
            oadv="Ends it.",
            odis="Small.",
            factors=(F.POLICY_FIT, F.FEASIBILITY),
            why="We refunded the wrong amount.",
        ),
        unresolved_reasons=f"Code {code} excluded clearance items, as the email's terms said, and this item was "
        "on clearance.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def website_app(c: Ctx) -> Story:
    core = c.pick(
        [
            "Your app logs me out every time I open it, and I've lost the wish list I'd built up for our new kitchen "
            "— about twenty items.",
            "The app says my click & collect order is 'ready' but the barcode won't load in store, so they can't "
            "find it.",
        ]
    )
    return Story(
        category="website-app",
        subject=c.pick(["App keeps logging me out", "App barcode won't load", "Lost my wish list"]),
        description=c.voice(core),
        desired_outcome="For it to work",
        order_reference="",
        amount=None,
        summary=f"{c.first} is having trouble with our app (log-outs / barcode not loading) and lost saved items.",
        options=[
            apology_only("the app fault and when the fix will be released"),
            goodwill(10, "for the trouble with the app"),
        ],
        steps=["Ask the app team to restore the customer's saved list", "Send the fix release date"],
        promise="Let you know when the app update is released",
        updates=["The app team have restored your saved list."],
        resolved_comment="It's working now, thanks.",
        not_resolved_comment="Still logging me out.",
        reopen_reason="App still logging the customer out.",
        reopen_option=apology_only("a workaround using the website until the fix"),
        unresolved_reasons="The fault is with an old phone operating system the app no longer supports.",
        other_routes=["Our website works on all browsers and has the same features"],
    )


def stock_cancelled(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    core = (
        f"Two days before delivery you cancelled my order {c.order} for a {p.name} 'due to stock "
        f"availability' — after taking the money and confirming a delivery date. We'd planned around it."
    )
    return Story(
        category="stock-availability",
        subject=c.pick(
            [
                "Order cancelled after confirmation",
                f"{p.short.capitalize()} order cancelled — no stock",
                "You cancelled my order two days before delivery",
            ]
        ),
        description=c.voice(core, extra_angry="It's still showing as in stock on your website!"),
        desired_outcome=c.pick(["Find me one", "An equivalent model at the same price"]),
        order_reference=c.order,
        amount=p.price,
        summary=f"We cancelled {c.first}'s confirmed order {c.order} for a {p.name} for lack of stock, two "
        "days before delivery. They want the item, or an equivalent at the same price.",
        options=[
            _opt(
                "Source one from another store",
                R.REDELIVERY,
                0,
                cost=40,
                days=5,
                desc="Transfer a unit from a store with stock.",
                cadv="The item they chose.",
                cdis="A few days.",
                oadv="Keeps the sale.",
                odis="Transfer cost.",
                factors=(F.CUSTOMER_PREFERENCE, F.FEASIBILITY),
                why="Two stores hold the model; a transfer meets what the customer asked for.",
            ),
            _opt(
                "Higher model at the same price",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.2"),
                days=3,
                desc="Price-match the next model up.",
                cadv="Better model, same price.",
                cdis="Not their choice.",
                oadv="Keeps the sale.",
                odis="Margin loss.",
                factors=(F.RELATIONSHIP, F.TIME_TO_DELIVER),
                exception=True,
                why="Fastest way to honour the order; an exception to our pricing.",
            ),
            _opt(
                "Full refund",
                R.REFUND,
                p.price,
                days=2,
                desc="Refund the order.",
                cadv="Money back.",
                cdis="No item.",
                oadv="Simple.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.COST),
            ),
        ],
        steps=["Transfer a unit from another store", "Book delivery once it arrives"],
        promise="Confirm the delivery date within 48 hours",
        questions=["Is it definitely coming this time?"],
        replies=["Yes — the unit is physically reserved with your name on it."],
        updates=["A unit has been reserved for you at another store and is on its way."],
        decline_comment="I don't want a different model.",
        reject_note="A same-price upgrade is too generous here; source it from another store.",
        resolved_comment="Delivered, thanks for finding one.",
        not_resolved_comment="Now the transfer has been cancelled too.",
        reopen_reason="Store transfer fell through.",
        reopen_option=_opt(
            "Full refund plus £20 gift card",
            R.REFUND,
            p.price,
            days=2,
            desc="Refund and apology.",
            cadv="Money back.",
            cdis="No item.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
            why="No stock anywhere now.",
        ),
        unresolved_reasons="The model has been discontinued by the manufacturer and no store or supplier holds "
        "one; we have refunded you in full.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def stock_click_collect(c: Ctx) -> Story:
    p = c.pick(SMALL_APPLIANCES + TECH)
    miles = c.rng.randint(15, 45)
    core = (
        f"I got a text saying my click & collect order {c.order} ({p.name}) was ready at {c.store}. I drove "
        f"{miles} miles and they couldn't find it — apparently it was 'never transferred'."
    )
    return Story(
        category="stock-availability",
        subject=c.pick(["Click & collect order not ready", "Wasted journey — order not in store"]),
        description=c.voice(core, extra_angry="That's a 90-minute round trip wasted."),
        desired_outcome=c.pick(["Deliver it free and pay my petrol", "Deliver it to me"]),
        order_reference=c.order,
        amount=Decimal("25.00"),
        summary=f"{c.first} drove {miles} miles to {c.store} after a 'ready to collect' text for order "
        f"{c.order}, but it had never been transferred. They want it delivered and their travel paid.",
        options=[
            _opt(
                "Free home delivery",
                R.REDELIVERY,
                0,
                cost=15,
                days=3,
                desc="Deliver it free of charge.",
                cadv="No second trip.",
                cdis="Waiting in.",
                oadv="Cheap.",
                odis="Courier cost.",
                factors=(F.CUSTOMER_PREFERENCE, F.FEASIBILITY),
                why="Saves a second wasted journey.",
            ),
            _opt(
                "Pay £25 towards travel costs",
                R.COMPENSATION,
                25,
                days=2,
                desc="For the wasted journey.",
                cadv="Covers the petrol.",
                cdis="None.",
                oadv="Fair.",
                odis="Compensation needs approval.",
                factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
            ),
        ],
        steps=["Send the order to the customer's home free", "Check why the 'ready' text was sent"],
        promise="Text you the delivery date today",
        updates=["Your order is on its way to you by courier."],
        resolved_comment="Arrived, thanks.",
        not_resolved_comment="Delivered, but I'm still out of pocket for fuel.",
        reopen_reason="Customer still wants travel costs covered.",
        reopen_option=_opt(
            "Pay £25 towards travel costs",
            R.COMPENSATION,
            25,
            days=2,
            desc="For the wasted journey.",
            cadv="Covers the petrol.",
            cdis="None.",
            oadv="Fair.",
            odis="Needs approval.",
            factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
            why="The journey was wasted by our text.",
        ),
        unresolved_reasons="We have delivered the order free of charge; our policy does not cover travel costs.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


# ---------------------------------------------------------------- expectation gaps (c)


def gap_next_day(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    place = c.pick(
        ["Inverness", "the Isle of Skye", "Kirkwall", "Stornoway", "Fort William", "the Isle of Man"]
    )
    core = (
        f"Your website says 'next-day delivery', so I ordered a {p.name} (order {c.order}). Now I'm told it's "
        f"5–7 working days to {place} and there's a £35 surcharge. Nowhere did it say that before I paid."
    )
    return Story(
        category="delivery",
        subject=c.pick(
            [
                "Next-day delivery — not to my postcode",
                "Surprise surcharge on delivery",
                f"'Next day' means a week in {place}?",
            ]
        ),
        description=c.voice(core),
        desired_outcome="Next-day delivery as advertised, or the surcharge removed",
        order_reference=c.order,
        amount=Decimal("35.00"),
        summary=f"{c.first} in {place} expected next-day delivery of a {p.name} as advertised; our carriers take "
        "5–7 days there with a £35 surcharge, which was not clear before payment.",
        options=[
            _opt(
                "Remove the £35 surcharge",
                R.PARTIAL_REFUND,
                35,
                days=1,
                desc="Refund the surcharge.",
                cadv="Pays the standard price.",
                cdis="Still 5–7 days.",
                oadv="Fair, as it wasn't shown.",
                odis="£35.",
                factors=(F.POLICY_FIT, F.CUSTOMER_BENEFIT),
                why="The surcharge was not shown before payment, so we should not charge it.",
            ),
            apology_only("which postcodes next-day delivery covers and why"),
        ],
        steps=["Refund the £35 surcharge", "Ask the web team to show postcode exclusions before checkout"],
        promise="Email you the delivery date once the carrier confirms",
        updates=["We've asked for the delivery restrictions to be shown on the product page."],
        decline_comment="I still need it next day, an apology doesn't help.",
        resolved_comment="Fair enough, thanks for refunding the charge.",
        not_resolved_comment="It's still going to take a week.",
        reopen_reason="Customer needs the item sooner.",
        reopen_option=_opt(
            "Cancel with a full refund",
            R.CANCELLATION,
            p.price,
            days=2,
            desc="Cancel the order.",
            cadv="Free to buy locally.",
            cdis="None.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.CUSTOMER_BENEFIT, F.LEGAL_OBLIGATION),
            why="Delivery in the advertised time is not possible.",
        ),
        unresolved_reasons=f"Our carriers cannot deliver to {place} faster than 5–7 working days, so we cannot "
        "offer next-day delivery there.",
        other_routes=["A local retailer may be able to deliver sooner", ROUTE_CITIZENS_ADVICE],
    )


def gap_installation_included(c: Ctx) -> Story:
    p = c.pick(INSTALLABLE)
    core = (
        f"I bought the {p.name} (order {c.order}) because the listing said 'delivered and fitted'. The crew "
        "said fitting only means putting it in place and connecting to an existing tap — not plumbing it in. "
        "That's not what 'fitted' means to anyone."
    )
    return Story(
        category="installation",
        subject=c.pick(["'Fitted' doesn't mean fitted?", "Installation not what was advertised"]),
        description=c.voice(core),
        desired_outcome="Full plumbing-in at no extra cost",
        order_reference=c.order,
        amount=Decimal("85.00"),
        summary=f"{c.first} expected 'delivered and fitted' to include plumbing in their {p.short}; our service "
        "only connects to existing fittings.",
        options=[
            _opt(
                "Plumbing-in by our partner at half price",
                R.PARTIAL_REFUND,
                42.50,
                days=7,
                desc="Our partner plumbs it in; we pay half.",
                cadv="Job done, cheaper.",
                cdis="Pays £42.50.",
                oadv="Shares the cost of an unclear listing.",
                odis="£42.50.",
                factors=(F.CUSTOMER_BENEFIT, F.COST),
                why="A fair split of the misunderstanding.",
            ),
            apology_only("what our fitting service covers, and the listing change we are making"),
        ],
        steps=["Book the plumbing partner", "Ask the product team to reword 'fitted'"],
        promise="Confirm the plumber's appointment by Wednesday",
        decline_comment="Half price isn't good enough when your listing was misleading.",
        resolved_comment="Plumbed in now, thanks.",
        not_resolved_comment="Still not connected.",
        reopen_reason="Plumber could not attend.",
        reopen_option=_opt(
            "Refund £85 so the customer can use their own plumber",
            R.PARTIAL_REFUND,
            85,
            days=2,
            desc="Cover a local plumber.",
            cadv="Their choice.",
            cdis="Arranges it.",
            oadv="Ends it.",
            odis="£85.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="Our partner cannot attend soon.",
        ),
        unresolved_reasons="Our fitting service, as described in the terms linked from the listing, does not "
        "include plumbing work; we have changed the wording so it is clearer.",
        other_routes=["A WaterSafe-registered plumber", ROUTE_CITIZENS_ADVICE, ROUTE_ADR],
    )


def gap_guarantee(c: Ctx) -> Story:
    p = c.pick(LARGE_APPLIANCES + TECH)
    core = (
        f"My {p.name} has broken after 2 years and 3 months. The salesperson at {c.store} told me it had a "
        f"'five-year guarantee'. Now I'm told the guarantee is two years and five years was the extended cover "
        "I didn't buy."
    )
    return Story(
        category="faulty-goods",
        subject=c.pick(["Told it had a five-year guarantee", "Guarantee not as sold"]),
        description=c.voice(core),
        desired_outcome="Repair it free as I was promised",
        order_reference=c.order,
        amount=_money("150.00"),
        summary=f"{c.first}'s {p.name} failed after 27 months; they were told in store it had a five-year "
        "guarantee, but the standard guarantee is two years.",
        options=[
            _opt(
                "Free repair as a goodwill exception",
                R.REPAIR,
                150,
                days=10,
                desc="Honour what the customer was told in store.",
                cadv="Free repair.",
                cdis="None.",
                oadv="Keeps trust.",
                odis="Repair cost.",
                factors=(F.RELATIONSHIP, F.CUSTOMER_PREFERENCE),
                exception=True,
                why="The customer relied on what our colleague told them.",
            ),
            _opt(
                "Repair at half price",
                R.PARTIAL_REFUND,
                75,
                days=10,
                desc="Share the repair cost.",
                cadv="Cheaper repair.",
                cdis="Pays half.",
                oadv="Shares cost.",
                odis="£75.",
                factors=(F.COST, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=[f"Book a {p.brand} engineer", "Brief the store team on how the guarantee is explained"],
        promise="Confirm the engineer's visit by Friday",
        decline_comment="I was promised five years, I'm not paying anything.",
        reject_note="No evidence of what was said; offer the half-price repair.",
        resolved_comment="Repaired, thank you for honouring it.",
        not_resolved_comment="Repair didn't work.",
        reopen_reason="The repair failed.",
        reopen_option=_opt(
            "Partial refund of £150",
            R.PARTIAL_REFUND,
            150,
            days=3,
            desc="In place of repair.",
            cadv="Money.",
            cdis="No repair.",
            oadv="Ends it.",
            odis="£150.",
            factors=(F.CUSTOMER_BENEFIT, F.COST),
            why="Repair not possible.",
        ),
        unresolved_reasons="We could find no record of a five-year guarantee being sold or promised, and the "
        "product is outside its two-year manufacturer guarantee.",
        other_routes=[
            f"{p.brand} customer care may offer a paid repair",
            ROUTE_CITIZENS_ADVICE,
            ROUTE_SMALL_CLAIMS,
        ],
    )


# ---------------------------------------------------------------- staff-found problems (b, d, e)


def found_qc_batch(c: Ctx) -> Story:
    p = c.pick(SMALL_APPLIANCES + LARGE_APPLIANCES[:4])
    batch = f"{c.pick(['B', 'L', 'K'])}{c.rng.randint(2400, 2699)}"
    return Story(
        category="faulty-goods",
        staff_written=True,
        subject=f"Proactive contact: {p.short} batch {batch} may be faulty",
        description=(
            f"Goods-in QC at Daventry DC found that {p.model} units from batch {batch} can "
            f"{c.pick(['overheat at the thermostat', 'leak from the door seal', 'fail the earth-continuity test'])}. "
            f"{c.customer.name} bought one on {c.day(c.rng.randint(5, 40))} (order {c.order}). They have "
            "not reported a problem yet. Contact them before it affects them."
        ),
        desired_outcome="Replace the unit before the customer is affected",
        order_reference=c.order,
        amount=p.price,
        summary=f"{c.customer.name} owns a {p.model} from suspect batch {batch}. We are contacting them to "
        "replace it before it fails.",
        skip_reason="Found internally — the customer is not yet aware; we are contacting them with the fix.",
        options=[
            _opt(
                "Swap the unit before it fails",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.4"),
                days=5,
                desc="Deliver a unit from a good batch; collect the suspect one.",
                cadv="No failure, no hassle.",
                cdis="A delivery to be in for.",
                oadv="Prevents a complaint and a safety risk.",
                odis="Swap cost (recovered from the supplier).",
                factors=(F.RISK, F.CUSTOMER_BENEFIT),
                why="Prevents a likely fault and any safety risk.",
            ),
            _opt(
                "Refund and collect",
                R.REFUND,
                p.price,
                days=5,
                desc="If the customer prefers.",
                cadv="Money back.",
                cdis="No product.",
                oadv="Removes the unit.",
                odis="Lost sale.",
                factors=(F.RISK, F.CUSTOMER_PREFERENCE),
            ),
        ],
        steps=[
            "Phone the customer to explain and book the swap",
            "Deliver the replacement and collect the old unit",
        ],
        promise="Call you back with a swap date today",
        updates=[
            f"We've found a possible fault with some {p.short}s from the same batch as yours. We'd like to "
            "swap yours for a new one, free, before it causes any trouble."
        ],
        resolved_comment="Thanks for letting me know before it went wrong.",
        not_resolved_comment="The new one has the same batch number.",
        reopen_reason="Replacement came from the same batch.",
        reopen_option=_opt(
            "Refund and collect",
            R.REFUND,
            p.price,
            days=3,
            desc="Refund instead.",
            cadv="Money back.",
            cdis="None.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.RISK, F.CUSTOMER_PREFERENCE),
            why="Warehouse cannot guarantee a good batch.",
        ),
        unresolved_reasons="The customer has declined a free swap and a refund and wishes to keep the unit; we "
        "have given them the safety advice in writing.",
        other_routes=[f"{p.brand} customer care for product safety questions"],
    )


def found_route_overbooked(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    return Story(
        category="delivery",
        staff_written=True,
        subject=f"Tomorrow's route overbooked — {c.order} will miss its slot",
        description=(
            f"The {c.store} hub route for tomorrow has 31 drops for a 24-drop van. {c.customer.name}'s "
            f"delivery of a {p.name} (order {c.order}) will not make its {c.pick(SLOTS)} slot. Rebook "
            "before they wait in for nothing."
        ),
        desired_outcome="Rebook at a time that suits the customer, before the slot is missed",
        order_reference=c.order,
        amount=None,
        summary=f"{c.customer.name}'s delivery (order {c.order}) will miss its slot because the route is "
        "overbooked; we are rebooking it with them in advance.",
        skip_reason="Found internally before the customer was affected; we are calling them proactively.",
        options=[
            _opt(
                "Rebook with the customer and refund the delivery charge",
                R.REDELIVERY,
                19.95,
                days=2,
                desc="Call, rebook, refund the delivery charge.",
                cadv="No wasted day.",
                cdis="A later date.",
                oadv="Prevents a missed-delivery complaint.",
                odis="£19.95.",
                factors=(F.RISK, F.RELATIONSHIP, F.CUSTOMER_BENEFIT),
                why="Telling them now saves them a wasted day.",
            ),
        ],
        steps=["Call the customer to rebook", "Refund the delivery charge"],
        promise="Confirm the new slot by text this afternoon",
        updates=["We've had to move your delivery and wanted to tell you before the day, not on it."],
        resolved_comment="Appreciated the heads-up, thanks.",
        not_resolved_comment="The new date doesn't work.",
        reopen_reason="New date does not suit the customer.",
        reopen_option=_opt(
            "Saturday delivery at no charge",
            R.REDELIVERY,
            0,
            cost=30,
            days=5,
            desc="Weekend slot.",
            cadv="Suits them.",
            cdis="None.",
            oadv="Keeps the sale.",
            odis="Weekend cost.",
            factors=(F.CUSTOMER_PREFERENCE, F.FEASIBILITY),
            why="The only time they can be in.",
        ),
        unresolved_reasons="The customer cancelled the order after the rebooking; the refund has been made.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def system_double_capture(c: Ctx) -> Story:
    amount = _money(c.pick(["89.99", "249.00", "429.00", "649.00", "179.00"]))
    return Story(
        category="billing-payments",
        staff_written=True,
        subject=f"Payment gateway double capture — {c.order}",
        description=(
            f"Payment gateway incident on {c.day(c.rng.randint(1, 6))}, 14:05–14:50: orders in that window "
            f"were captured twice. {c.customer.name}'s order {c.order} was charged {gbp(amount)} twice. "
            "Refund the duplicate and tell the customer before they notice."
        ),
        desired_outcome="Refund the duplicate capture and explain",
        order_reference=c.order,
        amount=amount,
        summary=f"A payment-gateway fault charged {c.customer.name} twice ({gbp(amount)}) for {c.order}. We are "
        "refunding the duplicate and telling them.",
        skip_reason="System failure found by finance reconciliation; the customer may not have noticed yet.",
        options=[
            _opt(
                "Refund the duplicate and apologise",
                R.REFUND,
                amount,
                days=1,
                desc="Reverse the second capture.",
                cadv="Money back before it hurts.",
                cdis="None.",
                oadv="Our error.",
                odis="None.",
                factors=(F.LEGAL_OBLIGATION, F.RISK),
                why="The money is not ours; prevents bank charges.",
            ),
        ],
        steps=["Reverse the duplicate capture", "Email the customer an explanation"],
        promise="Email you the refund reference today",
        updates=[
            "A fault with our payment provider charged you twice. We've already refunded the second payment."
        ],
        resolved_comment="Thanks for spotting it.",
        not_resolved_comment="I was charged an overdraft fee.",
        reopen_reason="Customer incurred a bank fee before the refund.",
        reopen_option=_opt(
            "Reimburse the bank fee",
            R.COMPENSATION,
            25,
            days=2,
            desc="Pay the fee.",
            cadv="Out of pocket no more.",
            cdis="None.",
            oadv="Fair.",
            odis="£25.",
            factors=(F.CUSTOMER_BENEFIT, F.RELATIONSHIP),
            why="Caused by our fault.",
        ),
        unresolved_reasons="The customer's bank has not released the reversed payment; we have sent them the "
        "reversal reference.",
        other_routes=[ROUTE_CHARGEBACK],
    )


def system_stock_error(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    return Story(
        category="stock-availability",
        staff_written=True,
        subject=f"Stock system error — {c.order} cannot be fulfilled",
        description=(
            f"The overnight stock sync showed {p.model} in stock at Daventry when the bay was empty. "
            f"{c.customer.name}'s order {c.order} ({gbp(p.price)}) was accepted against phantom stock "
            "and cannot ship on the promised date."
        ),
        desired_outcome="Offer the customer options before their delivery date",
        order_reference=c.order,
        amount=p.price,
        summary=f"A stock-sync fault accepted {c.customer.name}'s order {c.order} against stock we do not have. "
        "We are contacting them with options.",
        skip_reason="Found by the warehouse before dispatch; the customer has not been affected yet.",
        options=[
            _opt(
                "Next model up at the same price",
                R.REPLACEMENT,
                p.price,
                cost=p.price * Decimal("0.15"),
                days=3,
                desc="Ship a better model on the original date.",
                cadv="Better model, on time.",
                cdis="Not exactly what they chose.",
                oadv="Keeps the sale.",
                odis="Margin.",
                factors=(F.TIME_TO_DELIVER, F.RELATIONSHIP),
                exception=True,
                why="Keeps the promised date; an exception to pricing because the fault was ours.",
            ),
            _opt(
                "Wait for stock (10 days)",
                R.OTHER,
                0,
                cost=0,
                days=10,
                desc="Deliver when stock lands.",
                cadv="Gets their choice.",
                cdis="Waits.",
                oadv="No cost.",
                odis="Risk of cancellation.",
                factors=(F.CUSTOMER_PREFERENCE, F.COST),
            ),
            _opt(
                "Cancel and refund",
                R.REFUND,
                p.price,
                days=2,
                desc="Refund in full.",
                cadv="Money back.",
                cdis="None.",
                oadv="Simple.",
                odis="Lost sale.",
                factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_BENEFIT),
            ),
        ],
        steps=["Call the customer with the options", "Ship the chosen model"],
        promise="Confirm the delivery date of your order by phone",
        updates=["Our stock system got your item wrong — sorry. Here's what we can do instead."],
        decline_comment="I'll wait for the one I chose.",
        reject_note="Offer the wait first; the upgrade is a last resort.",
        resolved_comment="Happy with the upgrade, thanks.",
        not_resolved_comment="Stock still hasn't arrived.",
        reopen_reason="Stock delayed again.",
        reopen_option=_opt(
            "Cancel and refund",
            R.REFUND,
            p.price,
            days=2,
            desc="Refund.",
            cadv="Money back.",
            cdis="None.",
            oadv="Ends it.",
            odis="Lost sale.",
            factors=(F.LEGAL_OBLIGATION, F.CUSTOMER_PREFERENCE),
            why="No stock date.",
        ),
        unresolved_reasons="The model is no longer available and the customer declined the alternatives; the "
        "order has been refunded.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def system_booking_email(c: Ctx) -> Story:
    return Story(
        category="website-app",
        staff_written=True,
        subject=f"Booking system sent the wrong delivery date — {c.order}",
        description=(
            f"A template fault in the delivery-booking emails sent {c.customer.name} a date one day "
            f"early for order {c.order}. They may take a day off for nothing. Correct it and apologise."
        ),
        desired_outcome="Tell the customer the right date before they are affected",
        order_reference=c.order,
        amount=None,
        summary=f"Our booking email gave {c.customer.name} the wrong delivery date for {c.order}. We are "
        "correcting it and apologising.",
        skip_reason="System fault found by the web team; the customer has not been affected yet.",
        options=[apology_only("the booking-email fault and the correct date")],
        steps=["Send the correct date", "Confirm the web team has fixed the template"],
        promise="Send the correct date by email within the hour",
        updates=["Our earlier email gave you the wrong date — your delivery is the day after."],
        resolved_comment="Thanks for catching it.",
        not_resolved_comment="I'd already taken the day off.",
        reopen_reason="Customer had already booked the wrong day off work.",
        reopen_option=goodwill(20, "for the wasted day"),
        unresolved_reasons="We have apologised and corrected the date; we cannot pay for lost earnings.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def error_wrong_address(c: Ctx) -> Story:
    p = c.pick(DELIVERABLE)
    town = c.pick(["Bradford", "Swindon", "Wrexham", "Dundee", "Lincoln"])
    return Story(
        category="delivery",
        staff_written=True,
        subject=f"Keyed the wrong address — {c.order} sent to {town}",
        description=(
            f"When taking {c.customer.name}'s phone order {c.order} for a {p.name}, a colleague keyed "
            f"a {town} postcode by mistake. The van left this morning. Recall it and tell the customer."
        ),
        desired_outcome="Recover the item and deliver to the right address",
        order_reference=c.order,
        amount=p.price,
        summary=f"Human error: {c.customer.name}'s order {c.order} was addressed to {town}. We are recovering it "
        "and delivering to the right address.",
        skip_reason="Our own keying error found before delivery; the customer is being told proactively.",
        options=[
            _opt(
                "Recall and redeliver at the earliest slot",
                R.REDELIVERY,
                0,
                cost=45,
                days=3,
                desc="Recall the van load and rebook.",
                cadv="Gets the item soon.",
                cdis="A short delay.",
                oadv="Fixes our error.",
                odis="Extra run.",
                factors=(F.RISK, F.TIME_TO_DELIVER),
                why="Quickest way to get it to the right home.",
            ),
        ],
        steps=["Recall the item from the van", "Rebook delivery to the correct address"],
        promise="Call you with the new delivery date today",
        updates=["We made a mistake with your address — it's corrected and your delivery is rebooked."],
        resolved_comment="Arrived at the right house this time!",
        not_resolved_comment="Still not here.",
        reopen_reason="Redelivery delayed.",
        reopen_option=goodwill(25, "for the delay our error caused"),
        unresolved_reasons="The customer cancelled after the delay; the order has been refunded.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def error_engineer_shortage(c: Ctx) -> Story:
    p = c.pick(INSTALLABLE)
    region = c.pick(["the South West", "West Yorkshire", "North Wales", "Tayside"])
    return Story(
        category="installation",
        staff_written=True,
        subject=f"Engineer shortage in {region} — {c.order} installation at risk",
        description=(
            f"Three installers in {region} are off sick this week. {c.customer.name}'s installation of a "
            f"{p.name} (order {c.order}) cannot go ahead as booked. Contact them and rebook."
        ),
        desired_outcome="Rebook before the customer waits in for nothing",
        order_reference=c.order,
        amount=None,
        summary=f"Not enough installers in {region}: {c.customer.name}'s installation ({c.order}) must be rebooked.",
        skip_reason="Resourcing problem found by the planning team before the visit.",
        options=[
            _opt(
                "Rebook with a partner installer this week",
                R.REDELIVERY,
                0,
                cost=60,
                days=4,
                desc="Use a partner installer.",
                cadv="Installed this week.",
                cdis="A different installer.",
                oadv="Keeps the date close.",
                odis="Partner cost.",
                factors=(F.TIME_TO_DELIVER, F.FEASIBILITY),
                why="Gets the job done this week.",
            ),
            goodwill(20, "for the rebooking"),
        ],
        steps=["Call the customer to rebook", "Book the partner installer"],
        promise="Call you today with the new installation date",
        updates=["We're short of installers this week and have rebooked you with a partner installer."],
        resolved_comment="Installed, thanks for the warning.",
        not_resolved_comment="Partner installer didn't come.",
        reopen_reason="Partner installer missed the visit.",
        reopen_option=_opt(
            "Priority visit by our own team",
            R.REDELIVERY,
            0,
            cost=60,
            days=3,
            desc="Our installer.",
            cadv="Reliable.",
            cdis="None.",
            oadv="Ends it.",
            odis="Cost.",
            factors=(F.FEASIBILITY, F.RELATIONSHIP),
            why="Partner failed.",
        ),
        unresolved_reasons="The customer cancelled the installation and will fit it themselves; the installation "
        "fee has been refunded.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


def error_refund_wrong_amount(c: Ctx) -> Story:
    p = c.pick(EVERYTHING)
    short = _money((p.price * Decimal("0.1")).quantize(Decimal("1")))
    return Story(
        category="refunds-returns",
        staff_written=True,
        subject=f"Refund keyed short by {gbp(short)} — {c.order}",
        description=(
            f"A colleague at {c.store} refunded {c.customer.name}'s return of a {p.name} (order "
            f"{c.order}) {gbp(short)} short — the discount was deducted twice. Refund the difference."
        ),
        desired_outcome="Refund the shortfall and apologise",
        order_reference=c.order,
        amount=short,
        summary=f"Human error: {c.customer.name}'s refund for {c.order} was {gbp(short)} short. We are paying the "
        "difference.",
        skip_reason="Found by the store's end-of-day audit; we are correcting it proactively.",
        options=[
            _opt(
                f"Refund the {gbp(short)} shortfall",
                R.REFUND,
                short,
                days=1,
                desc="Top up the refund.",
                cadv="Full refund.",
                cdis="None.",
                oadv="Our error.",
                odis="None.",
                factors=(F.LEGAL_OBLIGATION, F.RISK),
                why="The money is owed.",
            ),
        ],
        steps=[f"Refund {gbp(short)} to the original card", "Retrain the colleague on discounted returns"],
        promise="Email you the refund confirmation today",
        updates=[f"We refunded you {gbp(short)} too little by mistake and have now paid the difference."],
        resolved_comment="Thanks for being honest about it.",
        not_resolved_comment="Not received.",
        reopen_reason="Top-up refund failed.",
        reopen_option=goodwill(short, "as the refund could not be re-sent"),
        unresolved_reasons="The card used has been closed and the customer has not replied with other details.",
        other_routes=[ROUTE_CITIZENS_ADVICE],
    )


CUSTOMER_SCENARIOS = [
    (delivery_missed, 5),
    (delivery_damaged, 4),
    (delivery_not_received, 3),
    (faulty_early, 6),
    (faulty_later, 5),
    (faulty_repeat, 2),
    (refund_missing, 4),
    (return_refused, 2),
    (billing_double_charge, 3),
    (billing_finance, 2),
    (billing_price_match, 2),
    (installation_no_show, 3),
    (installation_damage, 2),
    (installation_old_appliance, 1),
    (staff_conduct_store, 2),
    (staff_conduct_callback, 2),
    (website_checkout, 2),
    (website_promo, 2),
    (website_app, 1),
    (stock_cancelled, 2),
    (stock_click_collect, 2),
]
EXPECTATION_GAP_SCENARIOS = [(gap_next_day, 2), (gap_installation_included, 1), (gap_guarantee, 1)]
STAFF_SCENARIOS = {
    SourceKind.FOUND_INTERNALLY: [found_qc_batch, found_route_overbooked],
    SourceKind.SYSTEM_FAILURE: [system_double_capture, system_stock_error, system_booking_email],
    SourceKind.RESOURCES_OR_ERROR: [error_wrong_address, error_engineer_shortage, error_refund_wrong_amount],
}


def story_for(source_kind: str, ctx: Ctx) -> Story:
    """Pick and write one story that fits the problem source."""
    rng = ctx.rng
    if source_kind == SourceKind.CUSTOMER_REPORTED:
        funcs, weights = zip(*CUSTOMER_SCENARIOS, strict=True)
        scenario = rng.choices(funcs, weights=weights)[0]
    elif source_kind == SourceKind.EXPECTATION_GAP:
        funcs, weights = zip(*EXPECTATION_GAP_SCENARIOS, strict=True)
        scenario = rng.choices(funcs, weights=weights)[0]
    else:
        scenario = rng.choice(STAFF_SCENARIOS[source_kind])
    return scenario(ctx)


# ---------------------------------------------------------------- shared fragments for the lifecycle

SKIP_REASONS_CUSTOMER = [
    "Customer explained it clearly on the phone and asked us not to send a summary to confirm.",
    "Customer is hard of hearing and prefers not to use email; the summary was read back in store and agreed.",
    "Urgent: customer has no working fridge and a baby at home — moving straight to a fix.",
]
GENERIC_QUESTIONS = [
    "Any news on this? It's been a few days.",
    "Can someone call me after 5pm please? I'm at work until then.",
    "Just checking you got my photos.",
    "Who is dealing with this now?",
]
GENERIC_REPLIES = [
    "Thanks for checking in, {first}. I'm looking after your case and will update you by the end of tomorrow.",
    "Yes, I'll call you after 5pm today, {first}.",
    "We have your photos, thank you — they've been added to your case.",
    "I'm {handler} and I'm your contact for this case from now on.",
]
GENERIC_UPDATES = [
    "Just to let you know we're still working on this and haven't forgotten you.",
    "A quick update: we've asked the team involved and expect an answer by tomorrow.",
]
ESCALATION_REASONS = [
    "Customer is vulnerable (elderly, lives alone) and needs a supervisor to own this.",
    "Third contact about the same problem; customer has asked for a manager.",
    "Customer mentioned going to the press; needs senior handling.",
    "Complex case across delivery and installation; needs a supervisor to coordinate.",
]
MANAGER_ESCALATION_REASONS = [
    "Customer has written to the managing director; manager to respond personally.",
    "Potential pattern across several stores; manager to review.",
]
FOLLOW_UP_PROMISES = [
    "Call you with an update on progress",
    "Email you once the last step is done",
    "Ring you to confirm everything is on track",
]
CLOSE_NO_RESPONSE = (
    "We have tried to reach you three times by email and phone over two weeks without a reply, "
    "so we are closing this case for now. You can reopen it at any time by replying."
)
TONES = ["polite", "polite", "neutral", "neutral", "angry"]


def steps_for(story: Story, option: OptionSpec, *, primary: bool) -> list[str]:
    """The action plan for the option the customer agreed to.

    A story's own steps are written for its first (primary) option; any other
    option gets the plan its remedy type implies.
    """
    if option.steps:
        return list(option.steps)
    if primary:
        return list(story.steps)
    money = gbp(option.amount)
    by_type = {
        R.REFUND: [
            "Arrange return or collection of the item",
            f"Process the {money} refund to the original payment method",
        ],
        R.PARTIAL_REFUND: [f"Refund {money} to the original card"],
        R.REPLACEMENT: [
            "Order the replacement and book its delivery",
            "Collect the faulty item on the same visit",
        ],
        R.REPAIR: ["Book the engineer visit", "Check with the customer that the repair worked"],
        R.REDELIVERY: [
            "Book the new delivery or visit with the customer",
            "Confirm the slot by text the day before",
        ],
        R.GOODWILL_CREDIT: [f"Email the {money} gift card", "Send the written apology"],
        R.COMPENSATION: [
            f"Pay {money} to the customer's bank account",
            "Record the payment against the case",
        ],
        R.CANCELLATION: ["Cancel the order", f"Refund {money} to the original payment method"],
        R.APOLOGY: ["Send the written apology and explanation"],
    }
    return by_type.get(option.remedy_type, [f"Carry out: {option.title}"])


def with_exception(option: OptionSpec) -> OptionSpec:
    """The same option offered as an exception to usual practice, which always needs a second person (K4)."""
    return replace(
        option,
        is_exception=True,
        description=(
            option.description + " This goes beyond our usual policy, so a second person must approve it."
        ).strip(),
    )
