"""The customer: one record per person across cases, how to reach them, the lawful basis for their data
(E3) and their support needs. Here: the model, the match keys (normalise.py), lookups (selectors.py) and
attaching a report to a record (services.py). Correcting and merging records change cases, so they live
in ``putright.cases.services.customers``. It may import only the base modules.
"""
