"""Create an API token for a user and print it once: only its hash is kept, so it cannot be shown again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from putright.authority.models import ApiToken
from putright.authority.selectors import is_staff_member


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print the raw token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'CRM integration'")

    def handle(self, *args, username: str, name: str, **opts):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be blank.")
        max_name = ApiToken._meta.get_field("name").max_length
        if len(name) > max_name:
            raise CommandError(f"--name must be at most {max_name} characters.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user with the username {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive; their token would be refused.")
        if not is_staff_member(user):
            # Allowed (the role may be granted later), but the API answers 403 until then.
            self.stderr.write(
                f"Warning: {username} has no staff role yet; the API refuses them (403) until they do."
            )
        raw, prefix, key_hash = ApiToken.generate()
        ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash)
        self.stdout.write(raw)
