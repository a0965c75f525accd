from __future__ import annotations

from django.db import models

from putright.customers.normalise import email_key, name_key, phone_key


class Customer(models.Model):
    """A person who reported a problem: one record across their cases. Usually has no account: they
    follow a case by its signed link. A record merged into another keeps its row (``merged_into``) so
    nothing that pointed at it is lost; everything it had now points at the one it joined."""

    class LawfulBasis(models.TextChoices):
        CONSENT = "consent", "Consent"
        CONTRACT = "contract", "Contract"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"

    name = models.CharField(max_length=200)
    email = models.EmailField(db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # The keys a report is matched on (see normalise.py); kept in step by save() and keys_refresh().
    email_key = models.CharField(max_length=254, blank=True, default="")
    name_key = models.CharField(max_length=200, blank=True, default="")
    phone_key = models.CharField(max_length=40, blank=True, default="")
    # What would help this person (a vulnerability), recorded only with their consent to keep it.
    support_needs = models.TextField(blank=True, default="")
    support_needs_consent_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["email_key", "name_key"], name="customer_match_keys")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.keys_refresh()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "email_key", "name_key", "phone_key"}
        super().save(*args, **kwargs)

    def keys_refresh(self) -> None:
        """For writers that skip save() (bulk_create): work the match keys out from the details."""
        self.email_key = email_key(self.email)
        self.name_key = name_key(self.name)
        self.phone_key = phone_key(self.phone)


class MergeSuggestion(models.Model):
    """Two records that may be one person (same e-mail, different name: families share addresses).
    Never merged automatically: a supervisor decides on the customer page."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merge_suggestions")
    similar_to = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "similar_to"], name="merge_suggestion_once_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} may be {self.similar_to_id}: {self.reason}"
