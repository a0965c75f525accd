"""Procedures (PRODUCT.md K1, issue 14 §3): versioned procedure documents with an owner and a review date,
linked to categories and to the lifecycle stages where they apply, and the read receipts colleagues give
for a new version or for a change an improvement communicated (one mechanism for both).

May import: ``cases`` and the layers below it (categories, the case's status to find its stage); imported
by ``improvements`` (an improvement's step updates a procedure and asks colleagues to acknowledge a change)
and by the interfaces (the case workspace shows the procedure for the step a case is in).
"""
