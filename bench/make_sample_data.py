#!/usr/bin/env python
"""Writes bench/data: a small synthetic sample in the shape of the text benchmark's development data.

Every complaint and review here is invented from the phrase lists below (companies, people and web
addresses are made up; addresses use the reserved example domains). The files have the same names and
columns as the development data, so ``bench/bench_text.py`` reads either the same way, and they are
built to take the same code paths:

- ``cfpb_narratives.csv``: over 400 labelled narratives (so TF-IDF grouping reduces them with SVD, as
  it does the real ones), several companies with at least 50 complaints (grouped on their own), exact
  repeats, near-copies of one template letter sent to three credit bureaus under different labels (the
  label ceiling), texts with nothing but masks, and product names that differ only in wording;
- ``comcast_complaints.csv``: short unlabelled complaint titles that repeat heavily, many naming the
  provider (the words most of a batch shares);
- ``amazon_alexa_reviews.tsv``: reviews rated 1–5 (tab-separated, with a byte-order mark and CRLF line
  ends, as the development file is), a few empty, some angry or distressed, some only courteous.

The runs of X in the texts ("$XXXX", "XX/XX/2023", "account XXXX") are not placeholders left to fill:
they are the redaction masks the CFPB writes over personal details in every narrative it publishes.
The text engine's preparation (step P1 in ``putright/engines/text/prep.py``) removes them, and the
sample carries them so that step, and the "nothing but masks" case, are exercised as on the real data.

Deterministic: the same seed writes the same bytes (``tests/test_bench_text.py`` checks the committed
files against it). Run ``.venv/bin/python bench/make_sample_data.py`` after changing it.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 2026
OUT = Path(__file__).resolve().parent / "data"

CFPB_COLUMNS = [
    "source",
    "Complaint ID",
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Company",
    "State",
    "Submitted via",
    "Company response to consumer",
    "Consumer complaint narrative",
]
COMCAST_COLUMNS = [
    "Ticket #",
    "Customer Complaint",
    "Date",
    "Date_month_year",
    "Time",
    "Received Via",
    "City",
    "State",
    "Zip code",
    "Status",
    "Filing on Behalf of Someone",
]
ALEXA_COLUMNS = ["rating", "date", "variation", "verified_reviews", "feedback"]

# ---------------------------------------------------------------- narratives (labelled)

# Issue → (sub-issue, openings, details). Each narrative is an opening, one to three details and some
# sentences any complaint might contain, so the issue's own words carry the grouping.
ISSUES: dict[str, tuple[str, list[str], list[str]]] = {
    "Unexpected fees or interest": (
        "Charged fees not in the agreement",
        [
            "I was charged interest far above the rate in my loan agreement.",
            "The lender added fees to my loan that nobody ever told me about.",
            "My loan balance keeps growing because of fees I never agreed to.",
            "They charged me a late fee and extra interest even though I paid on time.",
        ],
        [
            "The agreement says the rate is XX% but the statement shows much more.",
            "A processing fee of $XXXX appeared on my account on XX/XX/2023.",
            "When I asked what the fee was for, the agent could not explain it.",
            "I have now paid back more in fees and interest than I borrowed.",
            "The fees were never listed on the disclosure I signed.",
            "Every month a new charge shows up with a different name.",
        ],
    ),
    "Problem making payments": (
        "Payment not applied",
        [
            "My loan payment was taken twice from my checking account.",
            "I paid on the due date but the lender marked my payment as late.",
            "The online portal would not accept my payment and then they charged a late fee.",
            "My automatic payment was not applied to the loan this month.",
        ],
        [
            "My bank statement shows the payment left my account on XX/XX/2023.",
            "They say they never received it but my bank confirms it was sent.",
            "The double payment caused my account to go overdrawn.",
            "I have the confirmation number XXXX for the payment.",
            "I asked them to refund the duplicate payment and they refused.",
            "The portal showed an error every time I tried to pay.",
        ],
    ),
    "Struggling to repay": (
        "Payment plan refused",
        [
            "I lost my job and asked the lender for a payment plan but they refused.",
            "I cannot keep up with the loan payments and the lender will not work with me.",
            "After my hours were cut I asked for a lower payment and was told no.",
        ],
        [
            "They call me several times a day, including at work.",
            "I offered to pay a smaller amount every two weeks.",
            "They threatened to take me to court if I did not pay in full.",
            "I explained my situation in writing and never got an answer.",
            "The collector told my family about the debt.",
        ],
    ),
    "Loan payoff problem": (
        "Payoff amount wrong",
        [
            "I paid off my loan in full but the lender keeps taking money from my account.",
            "The lender will not give me a payoff amount for my loan.",
            "After paying the loan off they still report a balance.",
        ],
        [
            "I made the final payment on XX/XX/2023 and have the receipt.",
            "They took another $XXXX after the loan was paid off.",
            "Nobody will send me a letter saying the loan is closed.",
            "I asked for the extra payments back and they have not refunded them.",
        ],
    ),
    "Vehicle repossession": (
        "Repossessed while current",
        [
            "The title lender repossessed my car even though my payments were current.",
            "My vehicle was taken by the title loan company without any warning.",
            "They repossessed my truck two days after I made a payment.",
        ],
        [
            "I need the car to get to work and take my children to school.",
            "They want me to pay the whole balance plus towing fees to get it back.",
            "The repossession agent took my belongings that were inside the car.",
            "I was never sent a notice before they took the vehicle.",
        ],
    ),
    "Incorrect information on a report": (
        "Account not mine",
        [
            "My credit report shows an account that does not belong to me.",
            "There is a collection account on my credit report that I never opened.",
            "The balance reported for one of my accounts on my credit report is wrong.",
            "A late payment appears on my credit report although I always paid on time.",
        ],
        [
            "The account number ends in XXXX and I have never had an account with that company.",
            "This error lowered my credit score and I was denied an apartment.",
            "I have bank records showing every payment was on time.",
            "The reported balance is $XXXX but I owe nothing.",
            "The report also lists an address where I have never lived.",
        ],
    ),
    "Problem with an investigation": (
        "Dispute not investigated",
        [
            "I disputed an error on my credit report and the bureau never investigated it.",
            "The credit bureau closed my dispute as verified without looking at my documents.",
            "I sent a dispute with proof and the bureau replied with a form letter.",
        ],
        [
            "I mailed the dispute on XX/XX/2023 with copies of my statements.",
            "They did not contact the creditor or explain how they verified it.",
            "It has been more than 30 days and I have heard nothing.",
            "Their online dispute page would not let me upload my documents.",
        ],
    ),
    "Identity theft on a report": (
        "Fraudulent accounts",
        [
            "Someone opened credit accounts in my name and they are on my credit report.",
            "I am a victim of identity theft and the fraudulent accounts still show on my report.",
            "Accounts opened by an identity thief are hurting my credit.",
        ],
        [
            "I filed a police report and an identity theft report and sent both.",
            "The bureau asked for documents I already sent twice.",
            "I placed a fraud alert but new inquiries keep appearing.",
            "I have never lived in XXXX where these accounts were opened.",
        ],
    ),
    "Account closed without notice": (
        "Closure and held funds",
        [
            "The bank closed my checking account without any notice.",
            "My account was closed and the bank is holding my money.",
            "The bank froze and then closed my savings account without explanation.",
        ],
        [
            "They say a check will be mailed but it has been weeks.",
            "My paycheck was deposited the day before they closed the account.",
            "No one at the branch could tell me why it was closed.",
            "I cannot pay my rent while they hold my funds.",
        ],
    ),
    "Overdraft fees": (
        "Excessive overdraft fees",
        [
            "The bank charged me several overdraft fees in one day.",
            "I was charged overdraft fees even though I had opted out of overdraft coverage.",
            "The bank reordered my transactions so that I paid more overdraft fees.",
        ],
        [
            "Each fee was $XX and they charged five of them.",
            "A deposit was pending when the fees were charged.",
            "I asked for the fees to be reversed and they refused.",
            "The fees are more than the purchases that caused them.",
        ],
    ),
    "Billing dispute": (
        "Charge not authorised",
        [
            "I disputed a charge on my credit card and the card company sided with the merchant.",
            "There is a charge on my card statement for something I never bought.",
            "I returned an item but the refund never reached my credit card.",
        ],
        [
            "The merchant confirmed by email that the order was cancelled.",
            "The dispute was closed without anyone reading my evidence.",
            "They added interest on the disputed amount.",
            "I have the return tracking number XXXX.",
        ],
    ),
    "Escrow problem": (
        "Escrow shortage",
        [
            "My mortgage servicer says I have an escrow shortage that I do not understand.",
            "The servicer did not pay my property taxes from escrow.",
        ],
        [
            "My monthly payment went up by $XXXX with no explanation.",
            "The county sent me a late notice for taxes the servicer should have paid.",
            "I asked for an escrow analysis and have not received it.",
        ],
    ),
    "Debt is not mine": (
        "Debt belongs to someone else",
        [
            "A debt collector keeps contacting me about a debt that is not mine.",
            "I am being asked to pay a debt I do not owe.",
        ],
        [
            "I asked them to validate the debt and they never sent anything.",
            "They call about someone with a similar name.",
            "They reported it to the credit bureaus anyway.",
        ],
    ),
}

GENERIC = [
    "I have called customer service many times.",
    "Nobody has been able to help me.",
    "I want this fixed as soon as possible.",
    "I emailed help@example.com twice and got no answer.",
    "The representative was polite but nothing changed.",
    "I have attached my statements.",
    "Please look into this.",
    "My reference number is XXXX.",
]
FEELINGS = [
    "This is outrageous and I am furious.",
    "I am desperate and cannot afford my bills because of this.",
    "I am so stressed I cannot sleep.",
    "This is DISGUSTING and UNACCEPTABLE.",
]

# Company → (products, issues with their share of the company's complaints, number of complaints).
COMPANIES: dict[str, tuple[list[tuple[str, str]], list[str], int]] = {
    "Brightpath Lending": (
        [("Payday loan or title loan", "Payday loan"), ("Consumer loan", "Installment loan")],
        [
            "Unexpected fees or interest",
            "Problem making payments",
            "Struggling to repay",
            "Loan payoff problem",
        ],
        150,
    ),
    "Quickcash Title Loans": (
        [("Payday loan or title loan", "Title loan")],
        ["Vehicle repossession", "Unexpected fees or interest"],
        55,
    ),
    "Ledgerline Credit Bureau": (
        [
            ("Credit reporting, repair or other consumer reports", "Credit reporting"),
            ("Credit reporting or other consumer reports", "Credit reporting"),
        ],
        ["Incorrect information on a report", "Problem with an investigation", "Identity theft on a report"],
        60,
    ),
    "Northstar Consumer Reports": (
        [("Credit reporting or other consumer reports", "Credit reporting")],
        ["Incorrect information on a report", "Problem with an investigation", "Identity theft on a report"],
        60,
    ),
    "Keystone Credit Data": (
        [("Credit reporting, repair or other consumer reports", "Credit reporting")],
        ["Incorrect information on a report", "Problem with an investigation", "Identity theft on a report"],
        60,
    ),
    "Harbourline Bank": (
        [("Checking account", "Checking account"), ("Bank account or service", "Savings account")],
        ["Account closed without notice", "Overdraft fees"],
        40,
    ),
    "Summit Card Services": (
        [("Credit card", "General-purpose credit card"), ("Prepaid card", "General-purpose prepaid card")],
        ["Billing dispute"],
        30,
    ),
    "Meridian Home Mortgage": ([("Mortgage", "Conventional home mortgage")], ["Escrow problem"], 15),
    "Fairway Recovery Services": ([("Debt collection", "Other debt")], ["Debt is not mine"], 20),
}
BUREAUS = ["Ledgerline Credit Bureau", "Northstar Consumer Reports", "Keystone Credit Data"]
# One letter many consumers send, word for word, to every bureau: near-identical texts whose labels
# still differ (company always, issue often): the ceiling on what label purity can reach.
TEMPLATE_LETTER = (
    "I am writing to ask you to remove the following inaccurate items from my credit file. Account XXXX "
    "opened XX/XX/2019, account XXXX opened XX/XX/2020 and the inquiry from XXXX. I do not recognise these "
    "items and you must verify them within 30 days or delete them. Please send me an updated copy of my "
    "report to my address on file. Signed, {name}"
)
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Robin", "Drew"]
STATES = ["TX", "CA", "FL", "GA", "IL", "NY", "OH", "PA", "NC", "MI", "AZ", "WA"]
RESPONSES = [
    ("Closed with explanation", 16),
    ("Closed with non-monetary relief", 2),
    ("Closed with monetary relief", 1),
    ("Untimely response", 1),
]


def _narrative(rng: random.Random, issue: str) -> str:
    _, openings, details = ISSUES[issue]
    sentences = [rng.choice(openings), *rng.sample(details, rng.randint(1, 3))]
    sentences += rng.sample(GENERIC, rng.randint(0, 2))
    if rng.random() < 0.15:
        sentences.append(rng.choice(FEELINGS))
    if len(sentences) > 2 and rng.random() < 0.1:
        # Some narratives come in paragraphs: quoted fields with line breaks inside.
        return " ".join(sentences[:2]) + "\n\n" + " ".join(sentences[2:])
    return " ".join(sentences)


def _day(rng: random.Random, start: date, days: int) -> date:
    return start + timedelta(days=rng.randrange(days))


def cfpb_rows(rng: random.Random) -> list[dict[str, str]]:
    labelled: list[tuple[str, str, str, str]] = []  # company, product, sub-product, issue
    for company, (products, issues, count) in COMPANIES.items():
        for k in range(count):
            product, sub_product = products[k % len(products)]
            labelled.append((company, product, sub_product, issues[k % len(issues)]))
    texts = [_narrative(rng, issue) for *_, issue in labelled]
    # G2: a few complaints sent twice, once in capitals with extra spacing.
    for k in range(6):
        labelled.append(labelled[k * 7])
        texts.append("  " + texts[k * 7].upper() + "  " if k % 2 else texts[k * 7])
    # The template letter, signed by different people, sent to each bureau under the issue they chose.
    for k in range(9):
        issue = ["Incorrect information on a report", "Problem with an investigation"][k % 2]
        for bureau in BUREAUS:
            products = COMPANIES[bureau][0]
            labelled.append((bureau, products[0][0], products[0][1], issue))
            texts.append(TEMPLATE_LETTER.format(name=FIRST_NAMES[k]))
    # G1: nothing to compare once masks and numbers are set aside.
    for blank in ["XXXX XXXX XXXX", "XX/XX/XXXX XXXX", "$XXXX.00", "   "]:
        labelled.append(
            ("Brightpath Lending", "Payday loan or title loan", "Payday loan", "Problem making payments")
        )
        texts.append(blank)
    order = list(range(len(texts)))
    rng.shuffle(order)
    rows = []
    for number, i in enumerate(order):
        company, product, sub_product, issue = labelled[i]
        day = _day(rng, date(2021, 1, 1), 3 * 365)
        rows.append(
            {
                "source": "synthetic",
                "Complaint ID": str(9_100_000 + number),
                "Date received": f"{day.year}/{day.month}/{day.day}",
                "Product": product,
                "Sub-product": sub_product,
                "Issue": issue,
                "Sub-issue": ISSUES[issue][0],
                "Company": company,
                "State": rng.choice(STATES),
                "Submitted via": "Web",
                "Company response to consumer": rng.choices(
                    [r for r, _ in RESPONSES], weights=[w for _, w in RESPONSES]
                )[0],
                "Consumer complaint narrative": texts[i],
            }
        )
    return rows


# ---------------------------------------------------------------- titles (unlabelled)

PROVIDER = "Examplecast"
TITLE_TOPICS: dict[str, tuple[list[str], int]] = {
    "data caps": (
        [
            "data cap",
            "data caps",
            "unfair data caps",
            "data cap overage charges",
            "data usage meter is wrong",
        ],
        40,
    ),
    "speed": (
        [
            "internet speed",
            "slow internet speeds",
            "internet speeds not as advertised",
            "paying for speed I don't get",
        ],
        40,
    ),
    "billing": (["billing", "billing issues", "incorrect bill", "overbilled", "billing practices"], 40),
    "throttling": (["throttling", "internet throttling", "throttling streaming video"], 20),
    "outages": (["service outage", "internet keeps dropping", "constant internet outages", "no service"], 30),
    "service": (["poor customer service", "customer service", "rude customer service representatives"], 30),
    "equipment": (["modem rental fee", "equipment charges", "charged for a modem I returned"], 20),
}
ODD_TITLES = [
    "Technician missed three appointments",
    "Charged a cancellation fee after moving",
    "Cable box not working since the update",
    "Promotional price ended early",
    "Sold my phone number to marketers",
    "Contract renewed without my permission",
    "Can't reach anyone about a refund",
    "Installation damaged my wall",
]
CITIES = [
    ("Springfield", "Illinois"),
    ("Riverton", "Utah"),
    ("Fairview", "Georgia"),
    ("Greenville", "South Carolina"),
    ("Franklin", "Tennessee"),
    ("Madison", "Wisconsin"),
    ("Clinton", "Maryland"),
]


def _title(rng: random.Random, phrase: str) -> str:
    title = f"{PROVIDER} {phrase}" if rng.random() < 0.45 else phrase
    style = rng.random()
    if style < 0.35:
        title = title.title()
    elif style < 0.45:
        title = title.upper()
    elif style < 0.7:
        title = title[0].upper() + title[1:]
    return title + ("!!" if rng.random() < 0.08 else "")


def comcast_rows(rng: random.Random) -> list[dict[str, str]]:
    titles = [
        _title(rng, rng.choice(phrases)) for phrases, count in TITLE_TOPICS.values() for _ in range(count)
    ]
    titles += ODD_TITLES
    rng.shuffle(titles)
    rows = []
    for number, title in enumerate(titles):
        day = _day(rng, date(2015, 4, 1), 75)
        seconds = rng.randrange(24 * 3600)
        hour, minute, second = seconds // 3600, seconds // 60 % 60, seconds % 60
        city, state = rng.choice(CITIES)
        rows.append(
            {
                "Ticket #": str(380_000 + number * 7),
                "Customer Complaint": title,
                "Date": f"{day:%d-%m-%y}",
                "Date_month_year": f"{day:%d-%b-%y}",
                "Time": f"{(hour - 1) % 12 + 1}:{minute:02d}:{second:02d} {'AM' if hour < 12 else 'PM'}",
                "Received Via": rng.choice(["Customer Care Call", "Internet"]),
                "City": city,
                "State": state,
                "Zip code": f"{rng.randrange(10_000, 99_999)}",
                "Status": rng.choices(["Solved", "Closed", "Open", "Pending"], weights=[9, 7, 3, 1])[0],
                "Filing on Behalf of Someone": "Yes" if rng.random() < 0.09 else "No",
            }
        )
    return rows


# ---------------------------------------------------------------- reviews (rated 1–5)

REVIEWS: dict[int, list[str]] = {
    5: [
        "Love it!",
        "Works great, my kids ask it for jokes every morning.",
        "Easy to set up and the sound is great for the size.",
        "Perfect for music in the kitchen.",
        "Best purchase this year, I use it for timers and the news.",
        "Great little speaker, very happy with it.",
        "Amazing value and it answers everything I ask.",
        "I bought a second one for the bedroom. Excellent.",
    ],
    4: [
        "Really good, though the bass could be stronger.",
        "Works well most of the time and it was easy to set up.",
        "Good speaker for the price. Sometimes it mishears me.",
        "Nice device, I like the alarms and the weather.",
    ],
    3: [
        "It's okay. Does what it says but the speaker is tinny.",
        "Not bad, not great.",
        "Average. The older model sounded better.",
        "Fine for the price, nothing special.",
    ],
    2: [
        "The microphone rarely hears me from across the room.",
        "Disappointed, it keeps disconnecting from the wifi.",
        "Please can someone tell me why it will not pair with my phone? Thank you.",
        "Sound quality is poor and the app is confusing.",
    ],
    1: [
        "Stopped working after a week.",
        "Never connected to my network, returned it.",
        "Absolutely FURIOUS, this is the WORST purchase I have ever made.",
        "I'm desperate, I saved for months and can't afford to replace it now that it is broken.",
        "Terrible. It turns itself on in the middle of the night.",
        "Useless device and support was no help at all.",
    ],
}
RATING_COUNTS = {5: 150, 4: 35, 3: 18, 2: 12, 1: 25}
VARIATIONS = ["Black Dot", "Sandstone Fabric", "White Mini", "Walnut Finish", "Charcoal Plus"]


def alexa_rows(rng: random.Random) -> list[dict[str, str]]:
    ratings = [rating for rating, count in RATING_COUNTS.items() for _ in range(count)]
    rng.shuffle(ratings)
    rows = []
    for number, rating in enumerate(ratings):
        if rating == 5 and number % 25 == 0:
            text = ""  # a star rating with no words, as real reviews sometimes are
        else:
            pool = REVIEWS[rating]
            text = " ".join(rng.sample(pool, rng.randint(1, min(3, len(pool)))))
        day = _day(rng, date(2018, 5, 15), 75)
        rows.append(
            {
                "rating": str(rating),
                "date": f"{day:%d-%b-%y}",
                "variation": rng.choice(VARIATIONS),
                "verified_reviews": text,
                "feedback": "0" if rating <= 2 else "1",
            }
        )
    return rows


# ---------------------------------------------------------------- files


def write_sample(out: Path, seed: int = SEED) -> list[Path]:
    """Writes the three files into ``out``; the same seed always writes the same bytes."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    csv_format = {"encoding": "utf-8", "delimiter": ",", "lineterminator": "\n"}
    # Like the development file: a byte-order mark, tabs, CRLF line ends.
    tsv_format = {"encoding": "utf-8-sig", "delimiter": "\t", "lineterminator": "\r\n"}
    for name, columns, rows, file_format in (
        ("cfpb_narratives.csv", CFPB_COLUMNS, cfpb_rows(rng), csv_format),
        ("comcast_complaints.csv", COMCAST_COLUMNS, comcast_rows(rng), csv_format),
        ("amazon_alexa_reviews.tsv", ALEXA_COLUMNS, alexa_rows(rng), tsv_format),
    ):
        path = out / name
        with open(path, "w", encoding=file_format["encoding"], newline="") as fh:
            writer = csv.DictWriter(
                fh,
                fieldnames=columns,
                delimiter=file_format["delimiter"],
                lineterminator=file_format["lineterminator"],
            )
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (default: bench/data)")
    args = parser.parse_args()
    for path in write_sample(args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
