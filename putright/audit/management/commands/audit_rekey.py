from django.core.management.base import BaseCommand, CommandError

from putright.audit.events import case_model, chain_rekey
from putright.audit.keys import key_current
from putright.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Key every case's audit chain with AUDIT_KEY_FILE's key from now on: append an audit.rekeyed event "
        "to each chain not yet keyed with it. Run it after setting AUDIT_KEY_FILE in every process."
    )

    def handle(self, *args, **opts):
        key = key_current()
        if key is None:
            raise CommandError(
                "AUDIT_KEY_FILE is not set: name a file holding the new audit key (at least 32 random bytes, "
                "kept outside PUTRIGHT_VAR_DIR and its backups) and run this again"
            )
        case_pks = list(
            case_model().objects.filter(audit_seq__gt=0).order_by("pk").values_list("pk", flat=True)
        )
        bar = ProgressBar(
            len(case_pks),
            write=lambda s: self.stderr.write(s, style_func=lambda m: m, ending=""),
            flush=self.stderr.flush,
            label="Rekeying case timelines ",
            interactive=self.stderr.isatty(),
        )
        rekeyed = 0
        for done, pk in enumerate(case_pks, start=1):
            # One transaction per case, each under its case lock: staff keep working while it runs.
            rekeyed += chain_rekey(pk, key)
            bar.update(done)
        if case_pks:
            bar.finish()
        already = len(case_pks) - rekeyed
        self.stdout.write(
            self.style.SUCCESS(
                f"audit key {key.key_id}: {rekeyed} case timeline{'s' if rekeyed != 1 else ''} rekeyed, "
                f"{already} already keyed with it"
            )
        )
