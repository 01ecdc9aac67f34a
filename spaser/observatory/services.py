"""Writes of the observatory: contact requests to the TPE/PME cell, publication switches, report requests."""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from spaser.accounts.models import Membership
from spaser.core import ratelimit
from spaser.observatory.models import ContactRequest, ContactStatus, PublishedIndicator, SpaserReport
from spaser.observatory.perms import CELL_ROLES

logger = logging.getLogger(__name__)

CONTACT_RATE_LIMIT = 5  # accepted posts per address and window
# Refused posts (invalid form, honeypot) do not use up the quota above, so that a visitor correcting a mistake
# is not locked out; they have a higher limit of their own, which stops a flood of them.
CONTACT_REJECTED_LIMIT = 30
CONTACT_RATE_WINDOW = 3600  # seconds


def contact_rate_limited(*, address: str | None) -> bool:
    """Whether posts from `address` are refused for now: too many accepted, or too many refused, this hour.

    Counts in the Django cache (database or Redis in production), shared by every web process.
    """
    return (
        ratelimit.count(f"observatory:contact:{address}") >= CONTACT_RATE_LIMIT
        or ratelimit.count(f"observatory:contact-rejected:{address}") >= CONTACT_REJECTED_LIMIT
    )


def contact_post_count(*, address: str | None, accepted: bool) -> None:
    """Counts a post from `address` toward the limit of accepted posts, or of refused ones."""
    kind = "contact" if accepted else "contact-rejected"
    ratelimit.hit(f"observatory:{kind}:{address}", window=CONTACT_RATE_WINDOW)


def cell_member_emails(organisation) -> list[str]:
    memberships = Membership.objects.filter(organisation=organisation, role__in=CELL_ROLES, user__is_active=True)
    return sorted(set(memberships.values_list("user__email", flat=True)))


def contact_request_create(*, organisation, data: dict) -> ContactRequest:
    contact = ContactRequest(
        organisation=organisation,
        company=data["company"],
        siret=data.get("siret", ""),
        contact_name=data["contact_name"],
        email=data["email"],
        topic=data["topic"],
        subject=data["subject"],
        message=data["message"],
        consent=data["consent"],
    )
    contact.full_clean()
    contact.save()
    transaction.on_commit(lambda: _contact_notify(contact))
    return contact


def _contact_notify(contact: ContactRequest) -> None:
    context = {"contact": contact, "inbox_url": reverse("observatory:contact_detail", args=[contact.pk])}
    send_mail(
        render_to_string("observatory/email/contact_ack_subject.txt", context).strip(),
        render_to_string("observatory/email/contact_ack_body.txt", context),
        None,
        [contact.email],
    )
    recipients = cell_member_emails(contact.organisation)
    if recipients:
        send_mail(
            render_to_string("observatory/email/contact_new_subject.txt", context).strip(),
            render_to_string("observatory/email/contact_new_body.txt", context),
            None,
            recipients,
        )
    logger.info("contact request %s acknowledged, %d cell members notified", contact.pk, len(recipients))


def contact_request_update(*, contact: ContactRequest, user, status: str, internal_note: str) -> ContactRequest:
    if status not in ContactStatus.values:
        raise ValueError(status)
    contact.status = status
    contact.internal_note = internal_note
    if contact.handled_by_id is None and status != ContactStatus.NEW:
        contact.handled_by = user
    contact.save(update_fields=["status", "internal_note", "handled_by", "updated_at"])
    return contact


def indicator_publication_set(*, indicator, is_public: bool) -> PublishedIndicator:
    publication, _ = PublishedIndicator.objects.update_or_create(
        indicator=indicator, defaults={"is_public": is_public}
    )
    logger.info("indicator %s publication set to %s", indicator.pk, is_public)
    return publication


def demo_publication_ensure() -> int:
    """Publishes, once, the indicators with targets of the home organisation's adopted SPASER (demo mode)."""
    from spaser.observatory import selectors
    from spaser.referentiel.models import Indicator

    spaser = selectors.current_spaser(selectors.home_organisation())
    if spaser is None:
        return 0
    count = 0
    for indicator in Indicator.objects.filter(spaser=spaser, targets__isnull=False).distinct():
        _publication, created = PublishedIndicator.objects.get_or_create(
            indicator=indicator, defaults={"is_public": True}
        )
        count += created
    return count


def report_request(*, organisation, user, kind: str, year: int, introduction: str, conclusion: str) -> SpaserReport:
    from spaser.observatory.tasks import report_generate_task

    report = SpaserReport.objects.create(
        organisation=organisation,
        requested_by=user,
        kind=kind,
        year=year,
        introduction=introduction,
        conclusion=conclusion,
    )
    transaction.on_commit(lambda: report_generate_task(report.pk))
    return report
