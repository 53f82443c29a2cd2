from django.db import models


class Item(models.Model):
    """A post-like row: the page lists the first 30 of one thread, oldest first."""

    thread_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    author = models.CharField(max_length=40)
    body = models.TextField()

    class Meta:
        indexes = [
            models.Index(fields=["thread_id", "created_at", "id"], name="bare_item_thread_created")
        ]

    def __str__(self) -> str:
        return f"item {self.pk}"
