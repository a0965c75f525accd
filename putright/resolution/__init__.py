"""Deciding what to offer (P1, P3, K3): purchase facts and the statutory position, the remedy catalogue,
weighed options and negotiation. A room that extends the case: it may import ``cases`` and below.
"""
