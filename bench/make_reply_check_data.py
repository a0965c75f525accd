#!/usr/bin/env python
"""Writes the labelled replies for the reply-checker benchmark (K5): two halves, dev and held-out.

    .venv/bin/python bench/make_reply_check_data.py [--seed 15] [--out bench/data]

Each line of ``reply_check_dev.jsonl`` and ``reply_check_heldout.jsonl`` is one outgoing reply as a UK
retailer, energy or water supplier, bank or broadband provider would write it to a complaining
customer, with the rule ids it breaks (``labels``, empty when it is a good reply) and the context the
rules need (``context``: the sender's money authority in pounds, the customer's state angry, distressed
or calm, and the longest time ahead the sender may commit to, in days, or null for no such limit).

How the replies are written: every sentence below was written by hand for the purpose, in many
wordings. A reply is put together from the parts a real one has (greeting, acknowledgement of
feelings, what was found, an offer, what happens next and when, sign-off) and one or two faults are
put in on purpose, each from its own pool of faulty sentences; good replies get near-misses instead
(a refund within authority, "this was not your fault", an acronym, a policy quoted with its reason, a
hedged date). The label is known because the fault was put there.

The split is made first, on the **sentences**, not on the replies: every pool is shuffled with the
fixed seed and cut in two, and each half's replies are made only from that half's sentences. So the
held-out half holds wordings that the dev half never shows, and rules tuned on the dev half cannot
simply remember them. Customer names, amounts and dates are drawn at random for each reply.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "data"
PER_RULE = 24  # replies per rule in each half (with a second fault in some, more findings than that)
RULES = (
    "K5.blame",
    "K5.jargon",
    "K5.beyond_authority_money",
    "K5.beyond_authority_date",
    "K5.no_empathy",
    "K5.policy_without_reason",
    "K5.no_next_step",
    "K5.shouting",
)

CUSTOMERS = [
    "Mrs Okafor",
    "Mr Patel",
    "Ms Lindqvist",
    "Mr Hughes",
    "Priya",
    "Mrs Barnes",
    "Mr O'Neill",
    "Tomasz",
    "Ms Achterberg",
    "Mr Dlamini",
    "Aisha",
    "Mrs Fairweather",
    "Mr Kowalczyk",
    "Siobhan",
    "Mr Ahmed",
    "Ms Carter",
    "Dr Nwosu",
    "Mr Jenkins",
    "Mrs Whitfield",
    "Callum",
    "Ms Rahman",
    "Mr Evans",
]
AGENTS = [
    "Jordan Ellis",
    "Sam Whitaker",
    "Fatima Begum",
    "Gareth Lloyd",
    "Niamh Byrne",
    "Oliver Grant",
    "Chloe Martin",
    "Ravi Shah",
    "Hannah Price",
    "Marcus Cole",
]
GREETINGS = ["Dear {name},", "Hello {name},", "Hi {name},", "Dear {name}"]
SIGNOFFS = [
    "Kind regards,\n{agent}\nCustomer Relations",
    "Best wishes,\n{agent}",
    "Yours sincerely,\n{agent}, Complaints Team",
    "Thanks,\n{agent}",
    "Regards,\n{agent}\nCustomer Care",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October", "November"]

# ---------------------------------------------------------------- neutral parts (no fault, no cue)

BODIES = [
    "I have looked at your account and can see the two payments of the same amount taken in March.",
    "I've read through your emails and the notes from your call with my colleague last week.",
    "Your parcel was handed to the courier on the 4th and the tracking stopped updating two days later.",
    "I have checked the meter readings on your account against the photos you sent us.",
    "The engineer's notes say the line was tested from the exchange and showed a fault near your property.",
    "I've gone through the statement you mentioned and found the charge you are querying.",
    "Our records show the replacement part was ordered but not sent out.",
    "I have listened to the recording of your call on Tuesday.",
    "I can see that your direct debit amount went up after the annual review of your account.",
    "The order was split into two deliveries and only the first one reached you.",
    "I've checked your broadband speed records for the last month and they do drop every evening.",
    "Looking at your bill, the estimated reading was much higher than the reading you gave us.",
    "I have reviewed the transfer you made on the 12th and where it went.",
    "The leak you reported was logged, but the visit was cancelled without anyone telling you.",
    "Your card was declined because a fraud check stopped the payment.",
    "I looked at the returns record and your jacket did arrive at our warehouse.",
    "The new router was sent to your old address, which is still on one part of our system.",
    "I have compared the price you paid with the price on the shelf label you photographed.",
    "I can see the three calls you made and that nobody called you back as promised.",
    "The pipe repair outside your house took longer than it should have and left the road closed.",
    "Your mortgage payment was taken twice because of a problem when we moved your account.",
    "I've checked the order history and the sofa was marked as delivered even though it was not.",
    "The letter you received about arrears was sent to you by mistake.",
    "The smart meter stopped sending readings in January, so your bills since then were estimates.",
    "I have looked into why your savings account was closed without warning.",
    "The washing machine you bought was from a batch with a known fault in the door seal.",
    "I can confirm your complaint was passed between three teams before it reached me.",
    "The water pressure readings for your street were low for most of last week.",
    "Your loyalty points were removed when the account was merged with your partner's.",
    "I have read your letter about the engineer who did not turn up on Saturday.",
    "The price increase on your broadband contract came into effect in April.",
    "The chargeback you asked for was received by our disputes team on the 3rd.",
    "I've found that the online form you used did not save your cancellation request.",
    "The boiler service was booked, but the booking was deleted when the system was updated.",
    "I checked the delivery driver's photo, and it shows a different front door from yours.",
    "Your overdraft fees in February came from the payment that was held back by our system.",
    "I have looked at the complaint you made last year about the same problem.",
    "The tariff you were moved to was not the one you chose on the phone.",
    "The store manager has told me what happened at the till when you tried to return the lamp.",
    "I've checked the payment history and your account is now up to date.",
]

# Acknowledgements of feelings (what K5.no_empathy looks for).
EMPATHY = [
    "I'm really sorry for the worry this has caused you.",
    "I can understand why you are so frustrated after calling us three times.",
    "I am sorry that you have had to chase us for this.",
    "I can see how upsetting this has been, especially with everything else going on.",
    "I completely understand how annoying it is to be left waiting in all day.",
    "I'm so sorry to hear about the stress this has put on you and your family.",
    "That must have been really distressing, and I'm sorry.",
    "You have every right to be angry about how this was handled.",
    "I apologise for the upset this has caused.",
    "I'm sorry you've been let down, and I understand your frustration.",
    "I know how worrying it is to see money leave your account that you did not expect.",
    "It is clear from your email how upset you are, and I am sorry.",
    "I can only imagine how stressful the last few weeks have been.",
    "I'm sorry that our mistake has caused you so much inconvenience and worry.",
    "Thank you for telling me how this has affected you; I'm very sorry.",
    "I understand this has been a really difficult time for you.",
    "I am truly sorry for the distress our letter caused.",
    "I appreciate how frustrating it must be to explain the same thing again and again.",
    "I'm sorry - you should not have had to go through this.",
    "I can hear how fed up you are, and I don't blame you.",
    "Please accept my sincere apologies for how upsetting this has been.",
    "I understand why you feel let down by us.",
    "I'm sorry this has left you feeling anxious about your bills.",
    "It must have been very frustrating to find the parcel missing after waiting all week.",
    "I'm genuinely sorry for the trouble and the worry we've caused.",
    "I can see why you're angry, and I'd feel the same in your position.",
    "Being without hot water for a week with young children must have been awful, and I'm sorry.",
    "I'm sorry for the stress of dealing with this on top of your bereavement.",
    "I realise how much this has upset you.",
    "My apologies that you were treated this way when you called.",
    "I know you've been worried sick about this payment, and I'm sorry.",
    "I am sorry it has taken a complaint to get this put right.",
    "I understand how unsettling it is when a payment you rely on doesn't arrive.",
    "I'm sorry the engineer didn't turn up; I know you took the day off work for it.",
    "I can appreciate how upsetting it was to be spoken to like that.",
    "Sorry for the frustration this has caused - it should have been simple.",
    "I fully understand why this has made you so cross.",
    "I'm very sorry that you have been left feeling this way.",
    "I am sorry for how stressful you have found this.",
    "I understand that this has caused you real anxiety.",
    "I'm sorry you have had such a poor experience with us.",
    "You were right to complain, and I'm sorry it came to this.",
]

# Next steps with a time, each for something the sender does or controls (what K5.no_next_step looks for).
NEXT_STEPS = [
    "I will call you on {weekday} afternoon to talk you through it.",
    "I'll email you by the end of {weekday} with the corrected bill.",
    "I will write to you within 5 working days with our final response.",
    "I'll ring you tomorrow morning to confirm everything is sorted.",
    "I will update you by {weekday} {date}, even if there is nothing new to report.",
    "You will hear from me again within two working days.",
    "I'll check the account again on {weekday} and let you know the outcome the same day.",
    "I will send you the revised statement by the end of this week.",
    "Expect a call from me between 2pm and 4pm on {weekday}.",
    "I'll be in touch by {date} with an update on the investigation.",
    "I will confirm the new appointment slot to you by text by 5pm today.",
    "I'll send you a copy of the call recording within 3 working days.",
    "Next step: I will review the readings and email you by {weekday}.",
    "I am raising the refund today and I will email you tomorrow to confirm it has gone through.",
    "I will phone you within 48 hours to agree the next steps with you.",
    "By the end of {weekday} I'll have spoken to the warehouse and will let you know what they said.",
    "I will post the letter confirming this to you today, so it should reach you within a few days.",
    "I'll reply to you by {date} at the latest.",
    "I will check back in with you next {weekday}.",
    "If you reply to this email with your preferred time, I will call you within one working day.",
    "Please send me the photo of the damage and I will reply within 24 hours of receiving it.",
    "I'll let you know the outcome of my review by the end of next week.",
    "I will keep your case open and update you every Friday until it is resolved.",
    "I'll arrange the collection today and email you the booking reference by this evening.",
    "I will send you the final response by {date}, which is within the 8 weeks you are entitled to.",
    "I'll look at this again first thing on {weekday} and call you straight afterwards.",
    "Once you have checked the figures, please reply by {date} and I'll close the complaint then.",
    "I will ask the billing team to recalculate your account and report back to you by {weekday}.",
    "I'll send you a text tomorrow with the name of the person who will visit.",
    "You will receive my written summary of this call within two working days.",
    "I will call you back at 10am tomorrow, as we agreed.",
    "Within the next 3 working days I will send you our decision in writing.",
    "I'll email you on {weekday} with the options we talked about.",
    "I will be your single point of contact, and I'll update you by midday on {weekday}.",
    "I'm going to chase the courier today and I'll let you know what they say by tomorrow evening.",
    "I will come back to you with a full answer within 10 working days.",
    "I'll confirm the credit to your account in writing this afternoon.",
    "I will contact you again on {date} to make sure the new bill is right.",
    "I will review the account on {weekday} and send you a written update straight after.",
    "Please call me on 0161 496 0123 before {weekday} if that time doesn't suit, and I'll rearrange it.",
    "I'll write to you before the end of the month with the final figures.",
    "I'll check the payment has landed and message you on {weekday} to confirm.",
]

# Vague endings without what happens next and when (K5.no_next_step when nothing else gives a next step).
VAGUE_ENDINGS = [
    "We will be in touch in due course.",
    "Someone will contact you soon.",
    "I hope this helps.",
    "We will look into this further.",
    "Please let us know if there is anything else.",
    "We'll get back to you as soon as we can.",
    "The matter is now with the relevant team.",
    "Thank you for bringing this to our attention.",
    "We trust this answers your concerns.",
    "Your feedback has been passed on.",
    "We will try to resolve this shortly.",
    "We appreciate your patience while this is looked at.",
    "Hopefully this clears things up.",
    "Someone from the team will be in contact at some point.",
    "We'll keep you posted.",
    "Feel free to get in touch if you have any further questions.",
    "We consider this matter closed.",
    "Your comments have been noted.",
    "We will update you when we have more information.",
    "Rest assured we are looking into it.",
    "We'll aim to sort this out eventually.",
    "Thank you for your patience.",
    "I hope this goes some way to explaining things.",
    "Any further correspondence will be reviewed.",
    "We will reply once the investigation is complete.",
    "I have noted your comments on your account.",
    "We'll do our best to resolve it quickly.",
    "This has been logged for review.",
    "Do contact us again if the problem continues.",
    "We value your custom.",
    "I trust this is satisfactory.",
    "Someone will pick this up shortly.",
    "We will respond once we hear back.",
    "I'm afraid that's all we can say for now.",
    "We will consider your comments.",
    "We are working on it.",
    "The team will get to it when they can.",
    "We'll review this again later.",
    "We look forward to resolving this.",
    "Thanks again for your email.",
    "I hope you find this reply helpful.",
    "We will let you know.",
]

# Openers that do not acknowledge feelings (a reply to an angry or distressed customer made only of
# these and the facts breaks K5.no_empathy). The formula "any inconvenience" is not an acknowledgement.
COLD_OPENERS = [
    "Thank you for your email.",
    "We have received your complaint.",
    "We apologise for any inconvenience caused.",
    "Thank you for contacting us.",
    "Your complaint has been logged.",
    "Further to your recent correspondence,",
    "We acknowledge receipt of your letter.",
    "Apologies for any inconvenience this may have caused.",
    "Thank you for getting in touch about your account.",
    "I am writing in response to your complaint.",
    "We note your comments.",
    "Thanks for your message.",
    "I refer to your email of last week.",
    "I have been asked to respond to your complaint.",
    "We regret any inconvenience experienced.",
    "Thank you for your letter about your bill.",
    "This is a reply to your recent enquiry.",
    "We have now reviewed your complaint.",
    "Sorry for any inconvenience.",
    "With reference to your call,",
    "Thank you for raising this.",
    "I am responding on behalf of the complaints team.",
    "Please see our response below.",
    "We apologise if you feel this was not handled well.",
    "Thank you for your patience while we looked into this.",
    "I've picked up your complaint.",
    "We are sorry if you were inconvenienced.",
    "Thanks for getting back to us.",
    "Here is our reply to your complaint.",
    "We acknowledge your complaint.",
    "Thank you for taking the time to write to us.",
    "We have had a look at this.",
    "We regret that you feel dissatisfied.",
    "Our apologies for any inconvenience.",
    "I am replying to your email about the delivery.",
    "Your email has been passed to me.",
    "We have received your feedback.",
    "I am the complaint handler for your case.",
    "Thank you for your complaint, which we have considered.",
    "Thanks for the information you sent.",
    "We confirm receipt of your complaint.",
    "I'm writing about the issue you raised.",
]

# ---------------------------------------------------------------- faults

BLAME = [
    "Unfortunately you failed to submit a meter reading, so the bill was estimated.",
    "You should have checked the order confirmation before paying.",
    "This happened because you entered the wrong account number.",
    "If you had read the terms, you would have known about the fee.",
    "The parcel was returned because you were not in to sign for it.",
    "It was your responsibility to tell us that you had moved house.",
    "You did not follow the instructions in the installation guide.",
    "Our records show you ignored two reminder letters.",
    "The damage appears to be caused by misuse on your part.",
    "As you were told on the phone, the offer had already ended.",
    "You clearly didn't read the email we sent you in May.",
    "This is a case of user error rather than a fault with the router.",
    "The delay was caused by you sending the wrong documents.",
    "You should have reported the leak much sooner.",
    "You neglected to cancel the subscription before the renewal date.",
    "You must have typed your password wrongly three times, which locked the account.",
    "The late payment fee applies because you paid after the due date.",
    "Had you contacted us earlier, this could have been avoided.",
    "You chose the cheaper delivery option, which is not tracked.",
    "You were warned that the item could not be returned once opened.",
    "The charge is the result of your own overspending on the account.",
    "Sadly the fault lies with you for not keeping the receipt.",
    "You gave our engineer the wrong postcode, which is why he went elsewhere.",
    "It is down to you to make sure there are enough funds in your account.",
    "You failed to attend the appointment we booked.",
    "This problem would not have happened if you had updated the app.",
    "Because you didn't return the form, your account was closed.",
    "You agreed to these charges when you signed the contract.",
    "The missed payment was your mistake, not ours.",
    "You should really have kept the original packaging.",
    "You did not give us the correct meter serial number.",
    "The account was frozen because you provided false information.",
    "You left it too late to complain about the installation.",
    "You didn't bother to check your junk folder for our email.",
    "It's your fault that the engineer could not get into the property.",
    "You caused the overflow by fitting the washing machine incorrectly.",
    "If you had paid by direct debit like most customers, there would be no problem.",
    "You misunderstood the tariff you signed up to.",
    "Our advisor explained this to you, but you obviously weren't listening.",
    "The card was cancelled as you reported it lost by mistake.",
    "You did not take reasonable care of your security details.",
    "You overloaded the socket, which tripped the fuse.",
    "You didn't give us enough notice to stop the payment.",
    "You ordered the wrong size, so a refund isn't due.",
]

JARGON = [
    "Your ticket has been escalated to L2 for RCA.",
    "The fault has been raised as INC0048213 with the network team.",
    "Your account shows status code PND-07, which means the switch is held.",
    "The engineer recorded a DSLAM port fault and a REIN issue at the cabinet.",
    "We have applied a manual adjustment via the back office billing platform.",
    "This falls outside our SLA, so it is now with the tier 3 resolver group.",
    "The payment bounced with a BACS ARUDD code 0.",
    "Your MPAN was registered against the wrong MTD, which caused a D0010 rejection.",
    "I have raised a CHG ticket for the provisioning team to re-run the order.",
    "The order is stuck in the WMS with a pick exception.",
    "Your case has been moved to BAU and will be worked in the next sprint.",
    "The refund was blocked by a KYC/AML flag on the account.",
    "The system returned error E-4021 during the direct debit setup.",
    "A CRM sync issue meant the notes were not written back to your record.",
    "We've logged an RMA and the item will be processed via reverse logistics.",
    "Your complaint is classed as a P3 with a 10-day TTR.",
    "The account was flagged by the COLL-2 rule in our collections engine.",
    "I have actioned a re-bill with a CoS read as the opening read.",
    "This is a known issue in our OSS stack and has a JIRA against it.",
    "Your statement was generated by the batch run before the delta file was loaded.",
    "The porting request failed at the LNP stage because of a PAC mismatch in the gateway.",
    "Please note the dispute has been opened as a CB under reason code 13.1.",
    "The FTTC line failed the GEA test and an Openreach fault has been raised.",
    "We'll need to run a DPA pass before I can action your request.",
    "The parcel was returned to the hub with a DNR scan.",
    "I have asked QA to review the call against the CX framework.",
    "Your case has gone through triage and sits in the exceptions queue.",
    "Your tariff was migrated to the new rate card in the last bill run.",
    "The refund is pending in the AP system awaiting a BACS cycle.",
    "We have raised a vulnerability flag (PSR code 15) on your account.",
    "An NFF result came back from the repair centre.",
    "The order has an OOS status at the fulfilment centre.",
    "Our downstream workflow auto-closed the case on a timeout.",
    "Your direct debit was set up with an AUDDIS 0N instruction.",
    "The water meter read failed validation against the AQ.",
    "Your account had a hard block from the risk engine.",
    "I've escalated this to the second line team for a root cause analysis.",
    "There was a CRM write-back failure on the case.",
    "We've applied a goodwill adjustment code GW5 to the ledger.",
    "The complaint was routed under DISP 1.6 as a non-reportable.",
    "The order is on hold in the OMS until the stock is reallocated.",
    "Your case was picked up by the offshore team and reassigned in the queue.",
    "Your payment hit the velocity rule in our fraud engine.",
    "The loyalty points were reversed by the nightly reconciliation job.",
]

# {over}: an amount above the sender's authority, written in one of the ways below.
MONEY_OVER = [
    "I have arranged a refund of {over} to your card.",
    "As a gesture of goodwill, we will credit {over} to your account.",
    "We will pay you {over} in compensation for the trouble.",
    "I'm pleased to offer you {over} for the inconvenience.",
    "I'll reimburse the full {over} you spent on the hotel.",
    "We can refund you {over} today.",
    "I have approved compensation of {over}.",
    "You'll receive a cheque for {over}.",
    "I am putting {over} back into your account.",
    "Please accept {over} as a goodwill payment.",
    "We will cover the repair costs of {over}.",
    "I've agreed to write off {over} from your balance.",
    "To put this right, I'm offering a credit of {over}.",
    "I will make sure you get {over} back for the wasted day off work.",
    "We'll send {over} to your bank account as compensation.",
    "I can confirm we will refund the {over} in full.",
    "I have authorised a payment of {over} to you.",
    "I'd like to offer {over} off your next bill.",
    "We are happy to give you {over} for the distress caused.",
    "I'll transfer {over} to cover the overdraft charges.",
    "A refund of {over} will be made to you.",
    "I'm going to credit your account with {over} straight away.",
    "We will compensate you with {over}.",
    "We are refunding {over} plus interest.",
    "I've raised a goodwill credit of {over}.",
    "Our offer is {over} in full and final settlement.",
    "We'll reimburse {over} for the replacement you had to buy.",
    "I can give you {over} in vouchers to make up for it.",
    "I have reduced your bill by {over}.",
    "We will waive the {over} early exit fee and pay you {over2} on top.",
    "Your account will be credited {over} for the missed appointments.",
    "I am sending you {over} for the damaged items.",
    "I can offer a refund of {over} for the months the service was down.",
    "I'll pay {over} towards the cost of the plumber.",
    "We will reimburse you the sum of {over}.",
    "You are getting {over} back from us.",
    "We have agreed a settlement of {over}.",
    "I'll arrange {over} compensation for your lost food.",
    "I'm refunding {over} of the charges today.",
    "We'll give you a {over} credit as an apology.",
    "I have sent {over} to your PayPal account.",
    "I'll put through a refund for {over}.",
    "We will pay the {over} you asked for.",
    "We'll add {over} to your account to cover the fees.",
]

# {within}: an amount at or under the sender's authority; {big}: one above it that is not an offer.
MONEY_WITHIN = [
    "I have arranged a refund of {within} to your card.",
    "As a gesture of goodwill, I've added {within} to your account.",
    "I'd like to offer you {within} for the inconvenience.",
    "We'll reimburse the {within} delivery charge.",
    "I've credited {within} to your account today.",
    "Please accept {within} as an apology for the missed visit.",
    "I have refunded the {within} late payment fee.",
    "I'm sending you {within} in compensation for the wasted trip.",
    "I can confirm a credit of {within} has been applied.",
    "We will pay you {within} towards your phone calls.",
    "I've approved a goodwill payment of {within}.",
    "A refund of {within} is on its way to your card.",
    "I've taken {within} off your next bill.",
    "I am refunding the {within} you were overcharged.",
    "We'll cover the {within} taxi fare you paid.",
    "I've added a {within} credit for the days without service.",
    "I'll pay back the {within} in interest charged.",
    "We'll send you {within} in vouchers.",
    "I've reversed the {within} charge.",
    "We'll refund {within} for the missing item.",
]
MONEY_NOT_OFFERED = [
    "Your last bill was {big}, which included the estimated reading.",
    "I can see the {big} payment you made on the 3rd.",
    "The washing machine cost {big} when you bought it.",
    "Your balance is {big} in credit after the correction.",
    "The {big} transfer left your account on Friday.",
    "The sofa was priced at {big} in the sale.",
    "Your annual usage is around {big} at the current rates.",
    "The outstanding balance of {big} is now paused while I look into it.",
    "You mentioned the repair quote of {big} from your own plumber.",
    "The order total was {big} including delivery.",
    "Your overdraft limit is {big}.",
    "The disputed transaction was for {big}.",
    "Your contract has {big} left to pay over the remaining months.",
    "The direct debit went up to {big} a month.",
    "I saw the {big} charge on your statement.",
    "Your claim says the damage cost {big} to fix.",
    "The holiday you booked cost {big}.",
    "The {big} shown on the letter is the total for the year.",
    "Your savings balance was {big} when the account closed.",
    "You told us you spent {big} on the replacement.",
]

# Firm promises of an outcome by a date, for something the sender does not control.
DATE_THIRD_PARTY = [
    "Our engineer will definitely be with you on {weekday} morning.",
    "Your refund will be in your bank account by {weekday}.",
    "The courier will deliver your new fridge on {date}, guaranteed.",
    "I promise the fault on your line will be fixed by {weekday}.",
    "The replacement boiler will be fitted on {date}.",
    "Your new card will arrive tomorrow.",
    "The repair team will have the road reopened by {weekday} evening.",
    "I guarantee the sofa will be delivered by {date}.",
    "The billing team will have your account corrected by {weekday}.",
    "Your broadband will be back up and running by tomorrow.",
    "The money will be back with you by {date} at the latest.",
    "The contractor will finish the pipe repair by {weekday}.",
    "The warehouse will dispatch the missing parts today and they will reach you by {weekday}.",
    "The other bank will return the funds to you by {weekday}.",
    "Your smart meter will be replaced on {date}, no question.",
    "Openreach will definitely have the line working by {weekday}.",
    "The credit will show on your statement on {date}.",
    "I can promise that the technician will call you on {weekday}.",
    "The fraud team will unblock your account by the end of today.",
    "Your compensation cheque will arrive on {date}.",
    "The leak will be fixed by {weekday} without fail.",
    "The replacement washing machine will be delivered and installed on {weekday}.",
    "Your porting request will be completed by {date}.",
    "The mortgage team will have the payment reversed by tomorrow.",
    "The survey will be carried out on {date}.",
    "The supplier will have the part with us on {weekday}, guaranteed.",
    "Your pension transfer will be completed by {date}.",
    "The electrician will restore your power by 6pm today.",
    "The new router will be with you on {weekday} for sure.",
    "The scaffolding will be taken down by {weekday}.",
    "Your passport will be returned to you by {date}.",
    "The disputes team will decide in your favour by {weekday}.",
    "The manufacturer will collect the faulty cooker on {date}.",
    "The insurer will pay out by the end of the week.",
    "The water supply will be back on by 3pm tomorrow.",
    "Your refund will definitely clear by {date}.",
    "Your account will be reopened on {weekday}.",
    "The meter reading team will visit you on {date} without fail.",
    "The store will have your order ready to collect on {weekday}.",
    "The gas engineer will have your heating working again by {weekday} night.",
    "The landlord's contractor will complete the work by {date}.",
    "The credit reference agencies will remove the default by {weekday}.",
    "Your new phone will be delivered tomorrow before noon.",
    "Head office will approve your claim by {date}.",
]
# Promises further ahead than the sender's date limit ({far}: days or weeks past the limit).
DATE_TOO_FAR = [
    "I will have your complaint fully resolved within {far}.",
    "I'll send you our final decision within {far}.",
    "We will complete the repair within {far}.",
    "I can commit to sorting this out within {far}.",
    "I will get back to you with the outcome within {far}.",
    "You will have a full answer from me within {far}.",
    "We will fix the billing within {far}.",
    "I'll make sure everything is put right within {far}.",
]
# Hedged or own-action dates: not beyond authority.
DATE_HEDGED = [
    "Banks usually take 3 to 5 working days to show a refund, so it should reach you by {weekday}.",
    "The courier expects to deliver on {weekday}, though I can't promise that.",
    "We aim to have an engineer with you by {weekday}; I will confirm the slot once it is booked.",
    "Openreach have given us a target date of {date} for the repair, which I will keep checking.",
    "Your new card should arrive within 7 working days.",
    "The refund normally shows within 3 working days, depending on your bank.",
    "The warehouse hopes to send the part on {weekday}; I'll tell you as soon as it leaves.",
    "I have asked the billing team to correct the account, and they usually do this within a week.",
    "The repair is provisionally booked for {date}, and the team will confirm it with you.",
    "We expect the water supply to be back by tomorrow evening.",
    "The fitter is likely to be with you in the morning, but traffic can affect this.",
    "The credit may take one billing cycle to appear.",
    "I've requested the collection for {weekday}; the carrier will text you to confirm.",
    "The technician is scheduled for {date}, subject to parts being available.",
    "It can take up to 10 working days for the other bank to respond.",
    "We anticipate the road will reopen by the end of next week.",
    "Deliveries to your area normally take 2 to 3 days.",
    "The manufacturer estimates a repair time of about two weeks.",
    "If all goes to plan, the meter will be exchanged on {date}.",
    "The replacement should be with you early next week.",
]

POLICY_BARE = [
    "Our policy is that we do not refund delivery charges.",
    "In line with our terms and conditions, the fee stands.",
    "As per company policy, we cannot accept returns after 14 days.",
    "Company policy does not allow us to waive late payment charges.",
    "Under our terms, we are unable to reopen the account.",
    "It is not our policy to compensate for loss of earnings.",
    "Our procedures do not allow me to change the meter reading.",
    "Per our T&Cs, the discount cannot be applied retrospectively.",
    "Our guidelines state that we cannot discuss the account with a third party.",
    "I'm afraid the policy is clear: no refunds on sale items.",
    "Our rules say refunds can only go back to the original card.",
    "We are unable to do this as it goes against our policy.",
    "This is in accordance with our standard terms of business.",
    "Our returns policy states that items must be unused.",
    "The terms of your account do not allow overdraft fees to be refunded.",
    "Policy dictates that we cannot book appointments on weekends.",
    "I am not permitted to override the system under our procedures.",
    "Section 9.2 of your contract says the early termination charge applies.",
    "Our compensation policy only covers outages longer than 48 hours.",
    "The policy is that cancellations must be made in writing.",
    "As stated in our terms, we don't deliver to the door of flats above the ground floor.",
    "I can't change the due date because of company policy.",
    "Under the terms and conditions you accepted, the price may change.",
    "It's against our policy to refund in cash.",
    "Our policy prevents me from removing the marker from your credit file.",
    "Our standard process is that complaints are closed after 8 weeks.",
    "The rules of the promotion say the code cannot be used with other offers.",
    "We cannot accept photos by email, in line with our procedures.",
    "As per our policy, vouchers cannot be exchanged for cash.",
    "According to our terms, the warranty is void.",
    "Unfortunately our policy is not to accept returns on opened software.",
    "Our policy says we only send one replacement per order.",
    "Under clause 14 of the agreement, the charge is payable.",
    "Our process does not allow me to cancel the order at this stage.",
    "This is a policy decision and cannot be changed.",
    "Our terms state that a minimum term of 12 months applies.",
    "We don't offer goodwill payments, as per our policy.",
    "As this is company policy, I can't make an exception.",
    "The policy is that we deal only with the account holder.",
    "Our terms and conditions do not allow for partial refunds.",
    "We're unable to extend the deadline because of our policy.",
    "As per our guidelines, we cannot reconnect the supply until the debt is cleared.",
    "Our policy only allows one free engineer visit per year.",
    "The rules are that fees are non-refundable.",
]
POLICY_REASONED = [
    "We only refund to the card you paid with, because that protects you if someone else has your details.",
    "Our policy is to speak only to the account holder; this is to keep your information safe.",
    "Under our terms the price can change, but we must give you 30 days' notice so you can leave without a fee.",
    "Opened software can't be returned, because we can't check that a copy hasn't been kept.",
    "Our policy is not to visit on weekends, as our engineers need the suppliers' depots to be open.",
    "We ask for cancellations in writing so that there is a clear record of the date you asked.",
    "In line with our terms the fee applies, and the reason is that the courier charges us for the failed delivery.",
    "We can't reconnect until the meter is safe, because a faulty meter can be a fire risk.",
    "Our policy is to send refunds by bank transfer, which means the money reaches you faster than a cheque.",
    "Our terms say items must be unused, so that we can sell them again and keep prices down.",
    "We don't discuss accounts with third parties without consent, because the law on data protection requires it.",
    "The rules of the promotion stop codes being combined, as the offer was priced on one discount only.",
    "Our procedures need a photo of the meter, so that the reading can be checked and the bill is right first time.",
    "Under our policy fees aren't refundable, because they cover the cost of the checks already done - but I have looked at whether they should have been charged at all.",
    "Our policy is to close complaints after 8 weeks only if you agree, so nothing is closed behind your back.",
    "The warranty does not cover accidental damage; that is because it is priced only for manufacturing faults.",
    "We can only send one replacement per order, as the second one is taken from stock held for other customers - so I have checked stock for you instead.",
    "Our terms ask for 14 days' notice, which gives us time to stop the next payment before it is taken.",
    "Under our policy we hold the payment for 24 hours; this is to protect you against fraud.",
    "We don't deliver upstairs in flats, because our drivers can't lift heavy items on stairs safely.",
]

NOT_BLAME = [
    "This was not your fault in any way.",
    "We will not blame you for the late reading, because our meter had stopped sending them.",
    "You did nothing wrong here.",
    "Through no fault of your own, the payment was taken twice.",
    "You should have received a letter from us explaining the change, and I'm sorry that you didn't.",
    "You were right to question the charge.",
    "It wasn't anything you did; the mistake was ours.",
    "You followed the instructions correctly.",
    "You should have been told about the fee when you signed up.",
    "None of this was caused by you.",
    "You did everything we asked of you.",
    "It is not your responsibility to chase us for updates.",
    "You had every reason to expect the delivery on time.",
    "You should not have had to call us three times.",
    "The error was on our side, not yours.",
    "You gave us the right details; we entered them wrongly.",
    "Nobody is suggesting you were at fault.",
    "You were correct that the meter reading was wrong.",
    "You shouldn't have been charged this fee.",
    "You did the right thing by keeping the receipts.",
]
ACRONYM_SENTENCES = [
    "Your reference is {ref}, should you need it.",
    "The price includes VAT at 20%.",
    "If you are still unhappy, you can refer your complaint to the Financial Ombudsman Service (FOS).",
    "The charge was in GBP, so no foreign exchange fee applies.",
    "You can manage this in our app or at any UK branch.",
    "Please quote {ref} if you call us.",
    "I've sent a PDF of the corrected bill to your email address.",
    "We will never ask for your PIN.",
    "Your IBAN and sort code are unchanged.",
    "The NHS letter you sent has been added to your account so we can support you.",
    "You may also contact the Energy Ombudsman or ask Ofgem for advice.",
    "Citizens Advice can also help with bill disputes.",
    "We've sent an SMS with the details.",
    "This doesn't affect your rights under the Consumer Rights Act 2015.",
    "Your TV package is not affected.",
    "Please have your ID ready when you visit the branch.",
    "The CCTV footage from the store has been kept.",
    "I have updated your address for the DVLA letter you mentioned.",
    "Your ISA allowance is not affected by the refund.",
    "The FAQ page on our website explains how to submit a reading.",
]

SHOUTING = [
    "PLEASE NOTE that we cannot accept photos of receipts.",
    "This is the FINAL REMINDER about your account.",
    "We have NOT received any payment from you!!",
    "You MUST call us before 5pm.",
    "YOUR ACCOUNT WILL BE CLOSED if the balance is not paid.",
    "Thank you!! We really appreciate it!!",
    "We have checked this TWICE.",
    "DO NOT reply to this email.",
    "The engineer CANNOT be booked without a reading!",
    "We are doing EVERYTHING we can!!!",
    "IMPORTANT: the form must be signed.",
    "That is NOT what our records show!",
    "Your refund has been processed!!!",
    "We NEVER charge for this service.",
    "Please read this carefully!! The deadline is close!!",
    "Note that ALL returns need a receipt.",
    "Good news!!! Your order is on its way!",
    "The meter reading on the bill is WRONG.",
    "You need to send BOTH pages of the form.",
    "PLEASE READ THE ATTACHED LETTER.",
    "We will NOT be able to help further.",
    "ONLY the account holder can make changes.",
    "That is simply NOT TRUE.",
    "Great news - the fault is fixed!!",
    "We did NOT lose your parcel.",
    "KEEP THIS EMAIL for your records.",
    "Your case is now CLOSED.",
    "Under no circumstances should you pay this twice!!",
    "We have tried to call you SEVERAL TIMES.",
    "Sorry!!! We got it wrong!!!",
    "The offer ends TODAY.",
    "This is your LAST CHANCE to renew at this price.",
    "We are sorry, but NO refunds are given on gift cards.",
    "The payment is OVERDUE.",
    "URGENT ACTION REQUIRED on your account.",
    "Please ensure you are AT HOME for the visit.",
    "We can't stress this enough!!",
    "Your new contract is ready - ENJOY!",
    "The invoice is ATTACHED AGAIN for you.",
    "All sorted now!!",
    "The store manager was VERY clear about this.",
    "Do NOT throw away the packaging!",
    "We are thrilled to help!!!",
    "The invoice was ALREADY paid.",
]

REFS = ["PR-2026-000123", "PR-2026-004517", "PR-2025-019882", "PR-2026-000871", "PR-2026-010233"]


# ---------------------------------------------------------------- making replies


def money(amount: float, rng: random.Random) -> str:
    whole = float(amount).is_integer()
    style = rng.choice(["pound", "pound", "pound", "pence", "gbp", "words"])
    if style == "pence" or (not whole and style != "words"):
        return f"£{amount:,.2f}"
    if style == "gbp":
        return f"GBP {amount:,.0f}"
    if style == "words":
        return f"{amount:,.0f} pounds"
    return f"£{amount:,.0f}"


def split_pools(rng: random.Random) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    pools = {
        "bodies": BODIES,
        "empathy": EMPATHY,
        "next": NEXT_STEPS,
        "vague": VAGUE_ENDINGS,
        "cold": COLD_OPENERS,
        "blame": BLAME,
        "jargon": JARGON,
        "money_over": MONEY_OVER,
        "money_within": MONEY_WITHIN,
        "money_not_offered": MONEY_NOT_OFFERED,
        "date_third_party": DATE_THIRD_PARTY,
        "date_too_far": DATE_TOO_FAR,
        "date_hedged": DATE_HEDGED,
        "policy_bare": POLICY_BARE,
        "policy_reasoned": POLICY_REASONED,
        "not_blame": NOT_BLAME,
        "acronyms": ACRONYM_SENTENCES,
        "shouting": SHOUTING,
    }
    dev: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for key, pool in pools.items():
        items = list(dict.fromkeys(pool))
        rng.shuffle(items)
        half = len(items) // 2
        dev[key], held[key] = items[:half], items[half:]
    return dev, held


class Maker:
    def __init__(self, pools: dict[str, list[str]], rng: random.Random):
        self.pools = pools
        self.rng = rng
        self.cursor: dict[str, int] = {}

    def take(self, key: str) -> str:
        """The pool's sentences in turn (all used before any repeats), shuffled once."""
        pool = self.pools[key]
        i = self.cursor.get(key, 0)
        self.cursor[key] = i + 1
        return pool[i % len(pool)]

    def fill(self, sentence: str, limit: float | None, date_limit: int | None) -> str:
        rng = self.rng
        base = limit if limit is not None else 100.0
        over = round(base * rng.choice([1.5, 2, 2.5, 3, 4, 6, 10]) + rng.choice([0, 0, 0.5, 0.99, 25]), 2)
        within = round(base * rng.choice([0.1, 0.2, 0.25, 0.5, 0.75, 1.0]), 2)
        big = round(base * rng.choice([2, 3, 5, 8, 12]) + rng.choice([0, 0.4, 17.85]), 2)
        days = (date_limit or 14) + rng.choice([7, 14, 30, 46])
        far = f"{days} days" if rng.random() < 0.4 else f"{max(2, round(days / 7) + 1)} weeks"
        return sentence.format(
            weekday=rng.choice(WEEKDAYS),
            date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
            over=money(over, rng),
            over2=money(over, rng),
            within=money(within, rng),
            big=money(big, rng),
            far=far,
            ref=rng.choice(REFS),
        )

    def reply(self, faults: set[str], *, good_extras: int = 0) -> dict:
        rng = self.rng
        state = rng.choice(["angry", "distressed", "calm"])
        if "K5.no_empathy" in faults and state == "calm":
            state = rng.choice(["angry", "distressed"])
        limit = rng.choice([50, 100, 150, 250, 500, None])
        if "K5.beyond_authority_money" in faults and limit is None:
            limit = rng.choice([50, 100, 250])
        date_limit = rng.choice([None, None, 14, 20, 28, 30])
        date_kind = rng.choice(["third_party", "third_party", "third_party", "too_far"])
        if "K5.beyond_authority_date" in faults and date_kind == "too_far" and date_limit is None:
            date_limit = rng.choice([10, 14, 20])
        parts: list[str] = []
        opener = self.take("cold") if rng.random() < 0.5 or "K5.no_empathy" in faults else None
        if opener:
            parts.append(opener)
        if "K5.no_empathy" not in faults and (state != "calm" or rng.random() < 0.4):
            parts.append(self.take("empathy"))
        parts.append(self.take("bodies"))
        if "K5.blame" in faults:
            parts.append(self.take("blame"))
        if "K5.jargon" in faults:
            parts.append(self.take("jargon"))
        if "K5.policy_without_reason" in faults:
            parts.append(self.take("policy_bare"))
        if "K5.beyond_authority_money" in faults:
            parts.append(self.take("money_over"))
        if "K5.beyond_authority_date" in faults:
            parts.append(self.take("date_third_party" if date_kind == "third_party" else "date_too_far"))
        extras = ["not_blame", "acronyms", "policy_reasoned", "date_hedged", "money_not_offered"]
        if limit is not None:
            extras.append("money_within")
        if "K5.no_next_step" in faults:
            # Hedged dates and some offers say what happens next and when; they would make it a next step.
            extras = [e for e in extras if e not in ("date_hedged", "money_within")]
        for key in rng.sample(extras, k=min(good_extras, len(extras))):
            parts.append(self.take(key))
        if "K5.shouting" in faults:
            parts.insert(rng.randrange(1, len(parts) + 1), self.take("shouting"))
        if "K5.no_next_step" in faults:
            parts.append(self.take("vague"))
        else:
            parts.append(self.take("next"))
        text_parts = [self.fill(p, limit, date_limit) for p in parts]
        greeting = rng.choice(GREETINGS).format(name=rng.choice(CUSTOMERS))
        signoff = rng.choice(SIGNOFFS).format(agent=rng.choice(AGENTS))
        paragraphs = [greeting]
        body = text_parts
        while body:
            size = rng.choice([1, 2, 2, 3])
            paragraphs.append(" ".join(body[:size]))
            body = body[size:]
        paragraphs.append(signoff)
        text = "\n\n".join(paragraphs)
        return {
            "text": text,
            "labels": sorted(faults),
            "context": {
                "authority_limit": None if limit is None else f"{limit:.2f}",
                "customer_state": state,
                "date_limit_days": date_limit,
            },
        }


# Second faults that can go with each first one (not no_next_step with a dated promise, an offer or a
# shouted instruction with a time: each of those is a next step).
PAIRS = {
    "K5.blame": ["K5.no_empathy", "K5.policy_without_reason", "K5.shouting"],
    "K5.jargon": ["K5.no_next_step", "K5.no_empathy"],
    "K5.beyond_authority_money": ["K5.beyond_authority_date", "K5.jargon"],
    "K5.beyond_authority_date": ["K5.beyond_authority_money", "K5.shouting"],
    "K5.no_empathy": ["K5.policy_without_reason", "K5.no_next_step", "K5.blame"],
    "K5.policy_without_reason": ["K5.no_empathy", "K5.no_next_step"],
    "K5.no_next_step": ["K5.no_empathy", "K5.jargon", "K5.blame"],
    "K5.shouting": ["K5.blame", "K5.policy_without_reason"],
}


def make_half(pools: dict[str, list[str]], rng: random.Random, name: str) -> list[dict]:
    maker = Maker(pools, rng)
    rows: list[dict] = []
    for rule in RULES:
        for i in range(PER_RULE):
            faults = {rule}
            if i % 3 == 2:
                faults.add(rng.choice(PAIRS[rule]))
            rows.append(maker.reply(faults, good_extras=rng.choice([0, 0, 1])))
    bad = len(rows)
    for _ in range(bad):
        rows.append(maker.reply(set(), good_extras=rng.choice([0, 1, 1, 2])))
    rng.shuffle(rows)
    return [{"id": f"{name}-{i + 1:03d}", **row} for i, row in enumerate(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--half", choices=["dev", "heldout", "both"], default="both")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    dev_pools, held_pools = split_pools(rng)
    halves = {
        "dev": make_half(dev_pools, random.Random(args.seed * 1000 + 1), "dev"),
        "heldout": make_half(held_pools, random.Random(args.seed * 1000 + 2), "heldout"),
    }
    for name, rows in halves.items():
        if args.half not in (name, "both"):
            continue
        path = args.out / f"reply_check_{name}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{path}: {len(rows)} replies")


if __name__ == "__main__":
    main()
