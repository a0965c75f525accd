"""Saved replies (issue 15 §3): wording kept by administrators (for everyone) and by teams (for their
members), with placeholders filled from the case, chosen by typing; the reply checker (K5) runs on what
they produce as on any reply.

May import: ``cases`` and the layers below it; imported by the interfaces.
"""
