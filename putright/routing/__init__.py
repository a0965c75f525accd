"""Routing: the assignment rules administrators keep, which send a new case to a team (issue 12 §3).

Keeping the rules changes no case, so they live outside the case core; routing a new case by them runs
inside the report's transaction, in ``cases.services.routing``, which reads ``cases.models.AssignmentRule``.

May import: ``cases`` and the layers below it; imported by the interfaces (the teams pages, the demo).
"""
