"""E-mail invitations and reminders: compose a message (compose.py), hand it to SMTP or the
console (transport.py), and work through the outbox in bounded batches (worker.py).

The outbox rows and their rules live in survey/models/outbox.py, survey/operations/outbox.py
and survey/domain/mail_rules.py; the page is survey/staff/views_mail.py, the commands
survey/cli_mail.py.
"""
