from django.contrib import admin

from smokeportal.tickets.models import Ticket

admin.site.register(Ticket)
