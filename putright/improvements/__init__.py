"""Improvements (PRODUCT.md I1–I4, issue 14 §1–§2): changes to the service proposed from evidence, run as
Plan–Do–Check–Act cycles whose baselines and results are metrics of the insights catalogue, compared by
the statistical test each metric declares.

May import: ``insights``, ``procedures`` and every room below them (problems, feedback and cases as
evidence); imported only by the interfaces.
"""
