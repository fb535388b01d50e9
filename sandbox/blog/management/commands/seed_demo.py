"""Fill the demo database with users, authors, articles and comments."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from sandbox.blog.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CommentFactory, UserFactory

AUTHORS = ["alice", "bob", "carol"]
TOPICS = [
    "Panels",
    "Layouts",
    "Render queues",
    "Per-user caching",
    "Sitewide caching",
    "Partial rendering",
    "htmx and partials",
    "The panel registry",
    "Template tags",
    "Cache invalidation",
    "Deferred panels",
    "System checks",
]


class Command(BaseCommand):
    help = "Create demo users, authors, articles and comments (skipped if articles exist)."

    def handle(self, *args, **options):
        """Create the superuser if absent, then the blog content if there is none."""
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Superuser 'admin' already exists.")
        else:
            User.objects.create_superuser("admin", "admin@example.com", "admin")
            self.stdout.write("Created superuser 'admin' (password 'admin').")

        if Article.objects.exists():
            self.stdout.write("Articles already exist; no demo content added.")
            return

        authors = [
            AuthorFactory(user=UserFactory(username=name), display_name=name.title())
            for name in AUTHORS
        ]
        self.stdout.write(f"Created authors {', '.join(AUTHORS)} (password 'password' for each).")
        now = timezone.now()
        articles = [
            ArticleFactory(
                title=topic,
                author=authors[i % len(authors)],
                body=f"A few words about {topic.lower()}.\n\nThis article is demo content.",
                published_at=now - timedelta(days=len(TOPICS) - i),
            )
            for i, topic in enumerate(TOPICS)
        ]
        self.stdout.write(f"Created {len(articles)} articles.")
        comments = [
            CommentFactory(article=article, author_name=name, body=f"Nice one, {article.author}!")
            for article in articles[-3:]
            for name in ("Dana", "Eve")
        ]
        self.stdout.write(f"Created {len(comments)} comments.")
