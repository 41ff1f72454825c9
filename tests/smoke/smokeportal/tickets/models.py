from django.db import models


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title
