from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "smokeportal.tickets"
    label = "tickets"
