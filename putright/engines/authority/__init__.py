from putright.engines.authority.limits import AuthorityDecision, Entitlement, Limit, OptionRequest, decide

__all__ = ["AuthorityDecision", "Entitlement", "Limit", "OptionRequest", "decide"]
