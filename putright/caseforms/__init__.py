"""The forms staff act on a case with (validation at the edge): the queue's filters, logging a call, the
understanding, options, the plan, promises, messages and closing. The staff pages and the rooms' own views
(regulation's letter, problems, resolution, search's saved filters) share them; the case services check
everything again, so a form is only ever the first, friendlier gate.

Split off the case core, whose line cap is for the lifecycle itself, not its forms.

May import: ``cases`` and the layers below it; imported by the rooms that extend the case and the interfaces.
"""
