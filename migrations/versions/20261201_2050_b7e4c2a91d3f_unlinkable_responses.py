"""unlinkable responses: no channel, no serial answer id, no rowid, pending submission id

Revision ID: b7e4c2a91d3f
Revises: 9fa70a8875dc
Create Date: 2026-12-01 20:50:00

- invitation.pending_response_id: set only while a submission is half-way (three steps).
- survey_response.channel dropped (with beställare it singles people out in small units).
- answer: keyed by (survey_response_id, question_code); the serial id is gone.
- On SQLite the response-side tables become WITHOUT ROWID, so no rowid keeps their
  insertion order. PostgreSQL alters in place.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e4c2a91d3f"
down_revision = "9fa70a8875dc"
branch_labels = None
depends_on = None

RESPONSE_TABLES = ("survey_response", "answer", "free_text_comment")


def _response_tables(new: bool) -> list[sa.Table]:
    """The three response-side tables, as this revision (new) or the one before has them."""
    metadata = sa.MetaData()
    # Stand-ins so the foreign keys resolve; they are never created from here.
    for referred in ("org_node", "survey_round"):
        sa.Table(referred, metadata, sa.Column("id", sa.Integer(), primary_key=True))
    kwargs = {"sqlite_with_rowid": False} if new else {}
    channel = (
        []
        if new
        else [
            sa.Column("channel", sa.String(8), nullable=False, server_default="link"),
            sa.CheckConstraint(
                "channel IN ('letter', 'email', 'kiosk', 'paper', 'link')",
                name="ck_survey_response_channel",
            ),
        ]
    )
    response = sa.Table(
        "survey_response",
        metadata,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("org_node_id", sa.Integer(), nullable=False),
        sa.Column("bestallare_node_id", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("answered_by", sa.String(10), nullable=True),
        sa.Column("helper", sa.String(16), nullable=True),
        *channel,
        sa.Column("with_pictures", sa.Boolean(), nullable=False),
        sa.Column("large_text", sa.Boolean(), nullable=False),
        sa.Column("used_read_aloud", sa.Boolean(), nullable=False),
        sa.Column("auto_submitted", sa.Boolean(), nullable=False),
        sa.Column("submitted_week", sa.String(8), nullable=False),
        sa.CheckConstraint(
            "answered_by IS NULL OR answered_by IN ('sjalv', 'med_hjalp', 'annan')",
            name="ck_survey_response_answered_by",
        ),
        sa.CheckConstraint(
            "gender IN ('kvinna', 'man', 'annat', 'okand')", name="ck_survey_response_gender_code"
        ),
        sa.ForeignKeyConstraint(
            ["bestallare_node_id"],
            ["org_node.id"],
            name="fk_survey_response_bestallare_node_id_org_node",
        ),
        sa.ForeignKeyConstraint(
            ["org_node_id"], ["org_node.id"], name="fk_survey_response_org_node_id_org_node"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["survey_round.id"], name="fk_survey_response_round_id_survey_round"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_survey_response"),
        sa.Index("ix_survey_response_org_node_id", "org_node_id"),
        sa.Index("ix_survey_response_round_id", "round_id"),
        **kwargs,
    )
    answer_key = (
        [sa.PrimaryKeyConstraint("survey_response_id", "question_code", name="pk_answer")]
        if new
        else [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_answer"),
            sa.UniqueConstraint(
                "survey_response_id", "question_code", name="uq_answer_survey_response_id"
            ),
            sa.Index("ix_answer_survey_response_id", "survey_response_id"),
        ]
    )
    answer = sa.Table(
        "answer",
        metadata,
        sa.Column("survey_response_id", sa.Uuid(), nullable=False),
        sa.Column("question_code", sa.String(32), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_response_id"],
            ["survey_response.id"],
            name="fk_answer_survey_response_id_survey_response",
            ondelete="CASCADE",
        ),
        *answer_key,
        sa.Index("ix_answer_question_code", "question_code"),
        **kwargs,
    )
    comment = sa.Table(
        "free_text_comment",
        metadata,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_response_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_released", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_response_id"],
            ["survey_response.id"],
            name="fk_free_text_comment_survey_response_id_survey_response",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_free_text_comment"),
        sa.UniqueConstraint("survey_response_id", name="uq_free_text_comment_survey_response_id"),
        **kwargs,
    )
    return [response, answer, comment]


def _rebuild_sqlite(new: bool) -> None:
    """SQLite cannot drop a rowid or a primary key in place: copy into rebuilt tables."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    old_columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in RESPONSE_TABLES}
    for table in RESPONSE_TABLES:
        for index in inspector.get_indexes(table):
            op.drop_index(index["name"], table_name=table)
        op.rename_table(table, f"_old_{table}")
    tables = _response_tables(new)
    for table in tables:
        table.create(bind)
    for table in tables:
        shared = [c.name for c in table.columns if c.name in old_columns[table.name]]
        names = ", ".join(shared)
        bind.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM _old_{table.name}"
        )
    for table in reversed(RESPONSE_TABLES):
        op.drop_table(f"_old_{table}")


def upgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_response_id", sa.Uuid(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(new=True)
        return
    op.drop_constraint(op.f("ck_survey_response_channel"), "survey_response", type_="check")
    op.drop_column("survey_response", "channel")
    op.drop_constraint(op.f("uq_answer_survey_response_id"), "answer", type_="unique")
    op.drop_index(op.f("ix_answer_survey_response_id"), table_name="answer")
    op.drop_constraint(op.f("pk_answer"), "answer", type_="primary")
    op.drop_column("answer", "id")
    op.create_primary_key(op.f("pk_answer"), "answer", ["survey_response_id", "question_code"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(new=False)
    else:
        op.drop_constraint(op.f("pk_answer"), "answer", type_="primary")
        op.add_column("answer", sa.Column("id", sa.Integer(), sa.Identity(), nullable=False))
        op.create_primary_key(op.f("pk_answer"), "answer", ["id"])
        op.create_unique_constraint(
            op.f("uq_answer_survey_response_id"), "answer", ["survey_response_id", "question_code"]
        )
        op.create_index(op.f("ix_answer_survey_response_id"), "answer", ["survey_response_id"])
        op.add_column(
            "survey_response",
            sa.Column("channel", sa.String(8), nullable=False, server_default="link"),
        )
        op.create_check_constraint(
            op.f("ck_survey_response_channel"),
            "survey_response",
            "channel IN ('letter', 'email', 'kiosk', 'paper', 'link')",
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("pending_response_id")
