from putright.engines.deadlines.business_days import (
    BusinessCalendar,
    add_business_days,
    business_days_between,
    subtract_business_days,
)

__all__ = ["BusinessCalendar", "add_business_days", "business_days_between", "subtract_business_days"]
