from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class TransitionLogBase(models.Model):
    """One row per workflow transition: who, when, from which state to which, and why.

    Concrete logs add a ForeignKey to the object whose workflow they record.
    """

    transition = models.CharField("transition", max_length=50)
    from_state = models.CharField("état de départ", max_length=50)
    to_state = models.CharField("état d'arrivée", max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        on_delete=models.RESTRICT,  # RESTRICT: traçabilité
        related_name="+",
        null=True,
        blank=True,
    )
    comment = models.TextField("commentaire", blank=True)
    timestamp = models.DateTimeField("le", auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["timestamp", "pk"]

    def __str__(self):
        return f"{self.transition} : {self.from_state} → {self.to_state}"
