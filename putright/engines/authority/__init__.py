from putright.engines.authority.limits import AuthorityDecision, Limit, OptionRequest, decide

__all__ = ["AuthorityDecision", "Limit", "OptionRequest", "decide"]
