"""How we reach people: messages to and from the customer, alerts to colleagues, their email delivery
(with the worker's tasks) and the signed case links. Below the case core: it may import ``authority``, the
base modules and ``engines``, never ``cases``.
"""
