"""All models; importing this module registers every table for Alembic autogenerate."""

from survey.models.audit import AuditEvent
from survey.models.base import Base, Model, db
from survey.models.invitation import DraftAnswer, Invitation
from survey.models.kiosk import KioskSession
from survey.models.organisation import Insats, OrgNode, OrgNodeName, OrgNodeParent, OrgSuccession
from survey.models.outbox import OutboxMessage
from survey.models.report_build import ReportBuild
from survey.models.response import Answer, FreeTextComment, SurveyResponse
from survey.models.results_link import ResultsLink
from survey.models.round import Round, round_unit
from survey.models.staging import StagedImport
from survey.models.target import Target
from survey.models.user import RoleGrant, User

__all__ = [
    "Answer",
    "AuditEvent",
    "Base",
    "DraftAnswer",
    "FreeTextComment",
    "Insats",
    "Invitation",
    "KioskSession",
    "Model",
    "OrgNode",
    "OrgNodeName",
    "OrgNodeParent",
    "OrgSuccession",
    "OutboxMessage",
    "ReportBuild",
    "ResultsLink",
    "RoleGrant",
    "Round",
    "StagedImport",
    "SurveyResponse",
    "Target",
    "User",
    "db",
    "round_unit",
]
