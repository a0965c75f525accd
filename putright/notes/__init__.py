"""Internal notes on a case (issue 15 §2): what colleagues write for each other, never shown to the
customer (not on their page, in an e-mail or in their copy of the record), with @mentions that alert the
colleague named.

May import: ``cases`` and the layers below it; imported by the interfaces.
"""
