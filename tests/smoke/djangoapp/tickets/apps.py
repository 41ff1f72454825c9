from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "djangoapp.tickets"
    label = "tickets"
