"""The case core: a case from report to closure (models, the one-way-in ``services``, ``selectors``,
``forms``, ``access`` for staff pages) and the lifecycle ``hooks`` through which it tells the rooms above
what happened. It may import ``channels``, ``authority``, ``audit``, ``customers``, the base modules and
``engines``; it never imports a room that subscribes to its hooks.
"""
