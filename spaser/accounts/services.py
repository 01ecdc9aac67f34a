"""Writes on accounts and organisations. Views and commands call these, never the models directly."""

import logging

from django.contrib.auth.tokens import default_token_generator as token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from spaser.accounts.enums import Role
from spaser.accounts.models import Direction, Membership, Organisation, User

logger = logging.getLogger(__name__)


@transaction.atomic
def organisation_update(*, organisation: Organisation, data: dict) -> Organisation:
    for name, value in data.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def direction_create(*, organisation: Organisation, code: str, name: str) -> Direction:
    direction = Direction(organisation=organisation, code=code.strip().upper(), name=name.strip())
    if Direction.objects.filter(organisation=organisation, code=direction.code).exists():
        raise ValidationError({"code": "Une direction de l'organisation porte déjà ce code."})
    direction.full_clean()
    direction.save()
    return direction


@transaction.atomic
def membership_add(*, organisation: Organisation, user: User, role: str, direction: Direction | None = None):
    if direction is not None and direction.organisation_id != organisation.pk:
        raise ValidationError({"direction": "Cette direction n'appartient pas à l'organisation."})
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, direction=direction
    )
    return membership


@transaction.atomic
def member_create(
    *,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    direction: Direction | None,
    request=None,
) -> User:
    """Creates an account and its first role; the person sets a password from an e-mailed link."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Un compte utilise déjà cette adresse électronique."})
    user = User.objects.create_user(email=email, password=None, first_name=first_name, last_name=last_name)
    membership_add(organisation=organisation, user=user, role=role, direction=direction)
    if request is not None:
        transaction.on_commit(lambda: _send_password_set_email(user=user, request=request))
    return user


def _send_password_set_email(*, user: User, request) -> None:
    """E-mails a link to choose a password (Django's reset form skips accounts without a password)."""
    context = {
        "user": user,
        "organisation": request.organisation,
        "link": request.build_absolute_uri(
            reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": token_generator.make_token(user),
                },
            )
        ),
    }
    subject = render_to_string("accounts/email/account_created_subject.txt", context).strip()
    body = render_to_string("accounts/email/account_created_body.txt", context)
    send_mail(subject, body, None, [user.email])
    logger.info("Lien de création de mot de passe envoyé à l'utilisateur %s", user.pk)


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.ADMIN:
        admins = Membership.objects.filter(organisation=membership.organisation, role=Role.ADMIN)
        if admins.count() <= 1:
            raise ValidationError("Impossible de retirer le dernier administrateur de l'organisation.")
    membership.delete()
