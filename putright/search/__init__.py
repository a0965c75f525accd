"""Search: the full-text index over cases and the one search the queue, the header's box and the API share.

The index is created by this room's migrations and kept current by database triggers on cases, customers
and messages, so every writer keeps it right (bulk loaders and raw SQL included). ``query.cases_matching``
finds and ranks the cases of a queryset that the caller has already scoped to what its user may see: the
count and the page's ranking come from the index alone, then only that page's case rows are read.
``saved_filters`` keeps each member of staff's named queue filters (a saved search), cleaned to the queue's
own parameters.

May import: ``cases`` and the layers below it (it reads the case's tables); imported by the interfaces.
"""
