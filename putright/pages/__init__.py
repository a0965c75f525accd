"""The staff pages: the agent's desk (queues, approvals, escalations, alerts) and the case workspace,
which composes every room's sections of a case.

A top-layer room beside the customer portal (``portal``) and the API (``apiv1``): it may import any
room's services, selectors and forms; nothing imports it. Other rooms keep their own pages (the problem
board, deadlines, feedback, signals) and reach cases through ``putright.cases.access``.
"""
