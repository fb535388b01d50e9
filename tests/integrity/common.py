"""Helpers shared by the integrity (attack) tests: real logins, layout templates."""

from django.contrib.auth.models import Permission, User
from django.test import AsyncClient, Client

# Prints every panel of the page, whatever its name (tests/testapp/templates/testapp).
EVERY_PANEL = "testapp/every_panel.html"
# Has {% panel "cart" %}<p>loading the cart</p>{% endpanel %}, for deferred panels.
SHOP_LAYOUT = "testapp/shop_layout.html"


def make_user(name, *, staff=False, perms=()):
    user = User.objects.create_user(name, is_staff=staff)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def logged_in(user_or_name, client_class=Client, **user_options):
    """Return a client of its own, logged in for real (a session in the database)."""
    user = user_or_name
    if isinstance(user_or_name, str):
        user = make_user(user_or_name, **user_options)
    client = client_class()
    client.force_login(user)
    return client


def logged_in_async(user_or_name, **user_options):
    return logged_in(user_or_name, AsyncClient, **user_options)


def with_session(**data):
    """Return an anonymous client whose session (in the database) holds ``data``."""
    client = Client()
    session = client.session  # creates the session and its cookie
    for key, value in data.items():
        session[key] = value
    session.save()
    return client


def body(response):
    return response.content.decode()
