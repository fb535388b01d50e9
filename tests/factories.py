"""factory-boy factories for the sandbox blog, shared by the tests and ``seed_demo``."""

import factory
from django.utils import timezone
from django.utils.text import slugify


class UserFactory(factory.django.DjangoModelFactory):
    """Make a user whose password is ``password``."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        """Save the password hash that set_password() left on the instance."""
        if create and results:
            instance.save()


class AuthorFactory(factory.django.DjangoModelFactory):
    """Make an author with their own user."""

    class Meta:
        model = "blog.Author"
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    display_name = factory.LazyAttribute(lambda o: o.user.username.title())
    bio = factory.LazyAttribute(lambda o: f"{o.display_name} writes about Django.")


class ArticleFactory(factory.django.DjangoModelFactory):
    """Make a published article; its slug comes from its title."""

    class Meta:
        model = "blog.Article"

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    author = factory.SubFactory(AuthorFactory)
    body = factory.LazyAttribute(lambda o: f"This is the text of {o.title}.")
    published_at = factory.LazyFunction(timezone.now)


class CommentFactory(factory.django.DjangoModelFactory):
    """Make a comment on an article."""

    class Meta:
        model = "blog.Comment"

    article = factory.SubFactory(ArticleFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = "Thanks, that helped."
