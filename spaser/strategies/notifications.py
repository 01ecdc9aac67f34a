"""E-mails to the people who must act on a purchase project. Sent from services inside transaction.on_commit."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from spaser.accounts.enums import Role
from spaser.accounts.models import Membership, User

logger = logging.getLogger(__name__)


def _emails(organisation, role, *, direction_id=None) -> list[str]:
    memberships = Membership.objects.filter(organisation=organisation, role=role, user__is_active=True)
    if direction_id is not None:
        # A prescripteur without direction acts for every direction.
        memberships = memberships.filter(Q(direction_id=direction_id) | Q(direction__isnull=True))
    return sorted(set(memberships.values_list("user__email", flat=True)))


class ProjectNotification:
    template: str = ""

    def __init__(self, *, project, by: User | None = None, comment: str = ""):
        self.project = project
        self.by = by
        self.comment = comment

    def recipients(self) -> list[str]:
        raise NotImplementedError

    def _editors(self) -> list[str]:
        emails = set(_emails(self.project.organisation, Role.PRESCRIBER, direction_id=self.project.direction_id))
        if self.project.created_by_id:
            emails.add(self.project.created_by.email)
        return sorted(emails)

    def send(self) -> int:
        recipients = [email for email in self.recipients() if not self.by or email != self.by.email]
        if not recipients:
            return 0
        # SPASER_SITE_URL (e.g. https://spaser.example.fr) makes the link absolute; requested from the lead.
        site = getattr(settings, "SPASER_SITE_URL", "").rstrip("/")
        context = {
            "project": self.project,
            "by": self.by,
            "comment": self.comment,
            "url": site + reverse("strategies:project_detail", args=[self.project.pk]),
        }
        subject = render_to_string(f"strategies/email/{self.template}_subject.txt", context).strip()
        body = render_to_string(f"strategies/email/{self.template}_body.txt", context)
        sent = send_mail(subject, body, None, recipients)
        logger.info(
            "notification %s sent to %d recipients for project %s", self.template, len(recipients), self.project.pk
        )
        return sent


class ProjectSubmitted(ProjectNotification):
    """To acheteurs: a form waits for validation."""

    template = "project_submitted"

    def recipients(self):
        return _emails(self.project.organisation, Role.BUYER)


class OpinionRequested(ProjectNotification):
    """To the environment department: an opinion is expected."""

    template = "opinion_requested"

    def recipients(self):
        return _emails(self.project.organisation, Role.ENVIRONMENT)


class OpinionGiven(ProjectNotification):
    """To acheteurs: the environment opinion is in, the form can be validated."""

    template = "opinion_given"

    def recipients(self):
        return _emails(self.project.organisation, Role.BUYER)


class ChangesRequested(ProjectNotification):
    """To the author and the prescripteurs of the direction: the form must be reworked."""

    template = "changes_requested"

    def recipients(self):
        return self._editors()


class ProjectValidated(ProjectNotification):
    """To the author and the prescripteurs of the direction: the form is validated."""

    template = "project_validated"

    def recipients(self):
        return self._editors()
