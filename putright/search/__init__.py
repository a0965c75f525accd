"""Search: the full-text index over cases and the one search the queue, the header's box and the API share.

The index is created by this room's migration and kept current by database triggers on cases, customers
and messages, so every writer keeps it right (bulk loaders and raw SQL included). ``query.cases_matching``
narrows and ranks a queryset of cases that the caller has already scoped to what its user may see.
``saved_filters`` keeps each member of staff's named queue filters (a saved search), cleaned to the queue's
own parameters.

May import: ``cases`` and the layers below it (it reads the case's tables); imported by the interfaces.
"""
