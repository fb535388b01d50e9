"""Make the soak's users, each logged in through a session made directly.

``python -m tests.soak_site.seed USERS STAFF_EVERY`` prints one JSON object per user:
username, pk, staff, session. Every ``STAFF_EVERY``-th user is staff. Password hashing
is deliberately slow and logging in is not what the soak measures, so the users have no
usable password and their sessions are written as ``login()`` would write them.
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.soak_site.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    Group.objects.create(name="headline:first")

    users, staff_every = int(sys.argv[1]), int(sys.argv[2])
    for n in range(users):
        user = User(username=f"soak{n}", is_staff=n % staff_every == 0)
        user.set_unusable_password()
        user.save()
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        made = {"username": user.username, "pk": user.pk, "staff": user.is_staff}
        print(json.dumps({**made, "session": session.session_key}))


if __name__ == "__main__":
    main()
