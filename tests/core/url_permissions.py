from tests.permission_matrix import Expect

EXPECTATIONS = [
    # Anonymous visitors are sent to the login page; a superuser without membership sees an explanation.
    Expect("core:home", status={"anonymous": 302, "*": 200}),
    Expect("core:healthz", status={"*": 200}),
    Expect("core:theme_css", status={"*": 200}),
    Expect("core:accessibility", status={"*": 200}),
]
