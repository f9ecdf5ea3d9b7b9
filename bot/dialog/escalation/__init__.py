"""Requests for a human: the hand-off, its ticket in a tracker, support's replies, review of resolved tickets.

- ``service.py``: ``EscalationService`` — one escalation per question, its ticket queued, the user and admins told.
- ``poller.py``: ``SupportPoller`` — support's public comments back to the chat, resolved tickets announced.
- ``tracker.py``: the ``Tracker`` port the adapters in ``bot/integrations/`` implement.
- ``ticket_text.py``: what a ticket says (Markdown and JSON), built from stored rows.
- ``review.py``: admins approve or reject resolved tickets before they enter the knowledge base.
"""

from bot.dialog.escalation.poller import PollReport, SupportPoller
from bot.dialog.escalation.review import REVIEW_DATA, Decision, decide, decide_many, pending, send_reviews
from bot.dialog.escalation.service import (
    EscalationService,
    Requester,
    RequestResult,
    admin_who,
    question_key,
)
from bot.dialog.escalation.ticket_text import TicketContent, load_content, ticket_request
from bot.dialog.escalation.tracker import (
    Comment,
    ResolvedTicket,
    Ticket,
    TicketNotFound,
    TicketRequest,
    TicketState,
    Tracker,
    TrackerError,
    TrackerSetupError,
    TrackerUnavailable,
)
from bot.store.escalation_models import TicketEntryStatus
from bot.store.models import EscalationStatus

__all__ = ["REVIEW_DATA", "Comment", "Decision", "EscalationService", "EscalationStatus", "PollReport",
           "RequestResult", "Requester", "ResolvedTicket", "SupportPoller", "Ticket", "TicketContent",
           "TicketEntryStatus", "TicketNotFound", "TicketRequest", "TicketState", "Tracker",
           "TrackerError", "TrackerSetupError", "TrackerUnavailable", "admin_who", "decide", "decide_many",
           "load_content", "pending", "question_key", "send_reviews", "ticket_request"]
