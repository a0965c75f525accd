"""What meets a clock happens elsewhere: a message to the customer, a case closing or delivered.

These receivers pass each such moment to ``regulation.services``, inside the transaction of the
service that caused it (which holds the case lock). Every path that writes to the customer or moves
a case on, including ones other apps add later, meets the clocks without having to remember to.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from putright.regulation import services


@receiver(post_save, sender="channels.Message", dispatch_uid="regulation.message_saved")
def message_saved(sender, instance, created: bool, **kwargs) -> None:
    if created and instance.direction == "out":
        services.clocks_note_message(instance)


@receiver(post_save, sender="cases.Case", dispatch_uid="regulation.case_saved")
def case_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and "status" not in update_fields):
        return
    services.clocks_note_status(instance)
