"""UK consumer-law remedies (uk-rules.md §1 CRA 2015 and §2 CCR 2013): facts in, remedies and rule ids out.

``appraisal`` (option appraisal, P3/P4) lives in this package too but is imported on its own.
"""

from putright.engines.remedies.engine import Assessment, RemedyOption, evaluate
from putright.engines.remedies.facts import Facts, FactsError, facts_from_dict
from putright.engines.remedies.rules import REMEDY_NAMES, RULES, RuleInfo, RulesConfig

__all__ = [
    "REMEDY_NAMES",
    "RULES",
    "Assessment",
    "Facts",
    "FactsError",
    "RemedyOption",
    "RuleInfo",
    "RulesConfig",
    "evaluate",
    "facts_from_dict",
]
