from django.contrib import admin

from djangoapp.tickets.models import Ticket

admin.site.register(Ticket)
