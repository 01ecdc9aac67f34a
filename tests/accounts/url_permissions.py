from spaser.accounts.enums import Role
from tests.accounts.factories import MembershipFactory
from tests.permission_matrix import Expect

# "outsider" is an administrator of another organisation: it sees its own organisation's pages.
ADMIN_ONLY = {"anonymous": 302, "admin": 200, "outsider": 200, "*": 403}
MEMBERS = {"anonymous": 302, "staff": 403, "*": 200}


def _reader_membership(ctx):
    return {"pk": MembershipFactory(organisation=ctx.organisation, role=Role.READER).pk}


def _foreign_membership(ctx):
    return {"pk": MembershipFactory(organisation=ctx.other_organisation, role=Role.READER).pk}


EXPECTATIONS = [
    Expect("accounts:login", status={"anonymous": 200, "*": 302}),
    Expect("accounts:logout", method="post", status={"*": 302}),
    Expect("accounts:profile", status=MEMBERS),
    Expect("accounts:password_change", status={"anonymous": 302, "*": 200}),
    Expect("accounts:password_reset", status={"*": 200}),
    Expect("accounts:password_reset_done", status={"*": 200}),
    Expect("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "jeton-invalide"}, status={"*": 200}),
    Expect("accounts:password_reset_complete", status={"*": 200}),
    Expect("accounts:organisation_switch", method="post", status={"anonymous": 302, "staff": 403, "*": 302}),
    Expect("accounts:organisation", status=ADMIN_ONLY),
    Expect("accounts:organisation_edit", status=ADMIN_ONLY),
    Expect("accounts:direction_create", status=ADMIN_ONLY),
    Expect("accounts:member_create", status=ADMIN_ONLY),
    # The last step redirects the admin back to the organisation page after removing the role.
    Expect(
        "accounts:membership_delete",
        method="post",
        kwargs=_reader_membership,
        status={"anonymous": 302, "admin": 302, "outsider": 404, "*": 403},
    ),
    # Another organisation's membership does not exist for this admin: 404, never a removal;
    # the outsider administers that other organisation, so it may remove it.
    Expect(
        "accounts:membership_delete",
        method="post",
        kwargs=_foreign_membership,
        status={"anonymous": 302, "admin": 404, "outsider": 302, "*": 403},
    ),
]
