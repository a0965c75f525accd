"""Join the customer records made before reports were matched (one row per report): records with the
same normalised e-mail AND name become one, through the merge service, so each affected case records
it. Safe to run again: `make run` runs it after migrating."""

from django.core.management.base import BaseCommand

from putright.cases import services


class Command(BaseCommand):
    help = "Merge duplicate customer records (same normalised e-mail and name) into the oldest one."

    def handle(self, *args, **options) -> None:
        joined = services.customers_join_duplicates()
        self.stdout.write(f"Joined {len(joined)} duplicate customer record(s).")
